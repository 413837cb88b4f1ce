// What resolution needs of entities found by key or name: kind, whether the caller sees the entity, and the
// external id keys its visible claims give (a different value of one scheme keeps an item apart), and the pairs
// involving them that an analyst rejected. Parameters: $ids, $organization, $community_tlps.
UNWIND $ids AS entity_id
MATCH (entity:Entity {id: entity_id})
CALL (entity) {
  OPTIONAL MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  RETURN reduce(keys = [], claim_keys IN collect(coalesce(claim.xid_keys, [])) | keys + claim_keys) AS xid_keys
}
CALL (entity) {
  OPTIONAL MATCH (candidate:Candidate {status: 'rejected'})
  WHERE candidate.a = entity.id OR candidate.b = entity.id
  RETURN collect(CASE WHEN candidate.a = entity.id THEN candidate.b ELSE candidate.a END) AS rejected
}
RETURN entity.id AS id, entity.kind AS kind, (entity.vis_all OR $organization IN entity.vis_orgs) AS visible,
       xid_keys, rejected
