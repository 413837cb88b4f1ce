// Every organization's name and registration time, for the STIX identities of an export (only the organizations
// whose claims the caller may see are written out). No parameters.
MATCH (organization:Organization)
RETURN organization.name AS name, organization.created_at AS created_at
ORDER BY name
