// Issues an operator key: it belongs to no organization, since the coalition's operator is not a member.
// Parameters: $key_id, $secret_hash, $role, $label, $now ($organization is null and unused).
CREATE (key:ApiKey {
  key_id: $key_id, secret_hash: $secret_hash, role: $role, label: $label, created_at: $now
})
RETURN key.key_id AS key_id
