// Every entity the caller may see (or those of them in $ids), in id order, with the claims the caller may see
// (oldest first), for exports. Parameters: $organization, $community_tlps, $ids (or null: every entity).
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs) AND ($ids IS NULL OR entity.id IN $ids)
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  RETURN collect(claim {.*}) AS claims
}
WITH entity, claims WHERE size(claims) > 0
RETURN entity.id AS id, entity.kind AS kind, claims
ORDER BY id
