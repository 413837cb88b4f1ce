// The organization's own claims about the given entities (through one of their strong keys) and relationships:
// what a STIX object with `revoked: true` retracts. Nobody else's claim is ever returned.
// Parameters: $entities (rows {id, key}), $rel_keys, $organization.
CALL {
  UNWIND $entities AS row
  MATCH (claim:EntityAssertion)-[:ABOUT]->(:Entity {id: row.id})
  WHERE claim.organization = $organization AND row.key IN claim.strong_keys
  RETURN claim.id AS id, row.key AS about
  UNION
  UNWIND $rel_keys AS rel_key
  MATCH (claim:RelationshipAssertion {rel_key: rel_key})
  WHERE claim.organization = $organization
  RETURN claim.id AS id, rel_key AS about
}
RETURN id, about
