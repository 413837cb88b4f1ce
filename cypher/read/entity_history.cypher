// How an entity came to be, as the caller may see it: the visible claims about it and about its visible
// relationships (with their times), and the merges into it (and their splits) that the caller could see.
// Retractions come from the audit trail.
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
  // A merge (and its split) is listed only when the caller sees a claim made against the merged entity's ids:
  // the merge of an entity it never saw would otherwise reveal that entity.
  OPTIONAL MATCH (merge:MergeRecord {into: entity.id})
  WITH entity, merge WHERE merge IS NOT NULL
    AND EXISTS {
      MATCH (claim:EntityAssertion)-[:ABOUT]->(about:Entity)
      WHERE about.id IN [entity.id, merge.source]
        AND (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
        AND 'id:' + entity.kind + ':' + claim.anchor IN merge.source_keys
    }
  RETURN collect(merge {.id, .source, .organization, .at, .split_at, .split_by}) AS merges
}
RETURN entity_claims, relationship_claims, merges
