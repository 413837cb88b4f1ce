// How an entity came to be, as the caller may see it: the visible claims about it and about its visible
// relationships (with their times), and the merges into it. Retractions come from the audit trail.
// Parameters: $id (canonical entity id), $organization, $community_tlps.
MATCH (entity:Entity {id: $id})
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  RETURN collect(claim {.id, .organization, .recorded_at, .updated_at, .tlp}) AS entity_claims
}
CALL (entity) {
  OPTIONAL MATCH (entity)-[relationship]-(other:Entity)
  WHERE relationship.claim_count > 0 AND (other.vis_all OR $organization IN other.vis_orgs)
  OPTIONAL MATCH (claim:RelationshipAssertion {rel_key: relationship.key})
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH relationship, claim WHERE claim IS NOT NULL
  RETURN collect(claim {.id, .organization, .recorded_at, .updated_at, .type, .source, .target}) AS relationship_claims
}
CALL (entity) {
  OPTIONAL MATCH (merge:MergeRecord {into: entity.id})
  WITH merge WHERE merge IS NOT NULL
  RETURN collect(merge {.id, .source, .organization, .at, .moved_claims, .moved_relationships}) AS merges
}
RETURN entity_claims, relationship_claims, merges
