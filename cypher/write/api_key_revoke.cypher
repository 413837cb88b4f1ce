// Revokes an API key; revoking twice keeps the first time. With $organization, only a key issued to that
// organization is found (another's answers as a missing one). Parameters: $key_id, $organization (null for any),
// $now.
MATCH (key:ApiKey {key_id: $key_id})
WHERE $organization IS NULL OR EXISTS { (key)-[:ISSUED_TO]->(:Organization {name: $organization}) }
SET key.revoked_at = coalesce(key.revoked_at, $now)
RETURN key.key_id AS key_id, key.revoked_at AS revoked_at
