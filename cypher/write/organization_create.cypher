// Creates an organization; fails on the name constraints when it exists, in any case. Parameters: $name, $now.
CREATE (organization:Organization {name: $name, name_folded: toLower($name), created_at: $now})
RETURN organization.name AS name, organization.created_at AS created_at
