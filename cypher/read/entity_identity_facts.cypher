// What resolution needs of entities found by key or name: kind, whether the caller sees the entity, and the
// external id keys its visible claims give or cite as conflated (a different value of one scheme keeps an item
// apart), and the entities an analyst rejected as the same (each side of a rejection followed through merges to the
// entity it now is).
// Parameters: $ids, $organization, $community_tlps.
UNWIND $ids AS entity_id
MATCH (entity:Entity {id: entity_id})
CALL (entity) {
  OPTIONAL MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  RETURN reduce(keys = [], claim_keys IN collect(coalesce(claim.xid_keys, []) + coalesce(claim.conflated_xid_keys, []))
                | keys + claim_keys) AS xid_keys
}
CALL (entity) {
  // A rejection names the ids the two had when it was made; either may since have been merged into another entity,
  // so both sides are followed through the id keys, which a merge moves to the survivor.
  OPTIONAL MATCH (own:EntityKey {entity_id: entity.id})
  WHERE own.key STARTS WITH 'id:' + entity.kind + ':'
  WITH entity, collect(substring(own.key, size('id:' + entity.kind + ':'))) AS ids
  OPTIONAL MATCH (candidate:Candidate {status: 'rejected', kind: entity.kind})
  WHERE candidate.a IN ids OR candidate.b IN ids
  OPTIONAL MATCH (other:EntityKey {key: 'id:' + entity.kind + ':' +
                                        CASE WHEN candidate.a IN ids THEN candidate.b ELSE candidate.a END})
  RETURN collect(DISTINCT other.entity_id) AS rejected
}
RETURN entity.id AS id, entity.kind AS kind, (entity.vis_all OR $organization IN entity.vis_orgs) AS visible,
       xid_keys, rejected
