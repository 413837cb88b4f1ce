// Creates an organization; fails on the name constraint when it exists. Parameters: $name, $now.
CREATE (organization:Organization {name: $name, created_at: $now})
RETURN organization.name AS name, organization.created_at AS created_at
