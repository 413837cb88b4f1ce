// One entity by its id or any external id it was given, if the caller may see it: the claims the caller may see
// (oldest first) and the number of visible relationships to visible entities, by type.
// Parameters: $id, $organization, $community_tlps.
MATCH (key:EntityKey {key: 'id:' + $id})
MATCH (entity:Entity {id: key.entity_id})
WHERE entity.vis_all OR $organization IN entity.vis_orgs
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization
  RETURN collect(claim {.*}) AS claims
}
CALL (entity) {
  OPTIONAL MATCH (entity)-[relationship]-(other:Entity)
  WHERE relationship.claim_count > 0
    AND (relationship.vis_all OR $organization IN relationship.vis_orgs)
    AND (other.vis_all OR $organization IN other.vis_orgs)
  WITH type(relationship) AS type, count(relationship) AS total
  WHERE type IS NOT NULL
  RETURN collect({type: type, count: total}) AS relationship_counts
}
RETURN entity.id AS id, entity.kind AS kind, coalesce(entity.merged_ids, []) AS merged_ids, claims,
       relationship_counts
