// API keys (never their hashes), optionally of one organization; operator keys have a null organization and are
// listed only when no organization is asked for. Parameters: $organization (null for all).
MATCH (key:ApiKey)
OPTIONAL MATCH (key)-[:ISSUED_TO]->(organization:Organization)
WITH key, organization
WHERE $organization IS NULL OR organization.name = $organization
RETURN key.key_id AS key_id, organization.name AS organization, key.role AS role, key.label AS label,
       key.created_at AS created_at, key.revoked_at AS revoked_at
ORDER BY organization, created_at
