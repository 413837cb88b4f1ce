// Every organization with its number of active API keys. No parameters.
MATCH (organization:Organization)
OPTIONAL MATCH (key:ApiKey)-[:ISSUED_TO]->(organization)
WHERE key.revoked_at IS NULL
RETURN organization.name AS name, organization.created_at AS created_at, count(key) AS active_keys
ORDER BY name
