// Issues an API key to an existing organization; returns nothing when the organization does not exist.
// Parameters: $organization, $key_id, $secret_hash, $role, $label, $now.
MATCH (organization:Organization {name: $organization})
CREATE (key:ApiKey {
  key_id: $key_id, secret_hash: $secret_hash, role: $role, label: $label, created_at: $now
})-[:ISSUED_TO]->(organization)
RETURN key.key_id AS key_id
