// Revokes an API key; revoking twice keeps the first time. Parameters: $key_id, $now.
MATCH (key:ApiKey {key_id: $key_id})
SET key.revoked_at = coalesce(key.revoked_at, $now)
RETURN key.key_id AS key_id, key.revoked_at AS revoked_at
