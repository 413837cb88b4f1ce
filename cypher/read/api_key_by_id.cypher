// The stored hash, role, state and organization of one API key, for authentication (an operator key has no
// organization: null). Parameters: $key_id.
MATCH (key:ApiKey {key_id: $key_id})
OPTIONAL MATCH (key)-[:ISSUED_TO]->(organization:Organization)
RETURN key.secret_hash AS secret_hash, key.role AS role, key.revoked_at AS revoked_at,
       organization.name AS organization
