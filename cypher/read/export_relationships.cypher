// Every relationship the caller may see between entities it may see (both in $ids, when given), in key order, with
// the claims the caller may see (oldest first), for exports. Parameters: $organization, $community_tlps, $ids (or
// null: every entity).
MATCH (source:Entity)-[relationship]->(target:Entity)
WHERE relationship.claim_count > 0
  AND (relationship.vis_all OR $organization IN relationship.vis_orgs)
  AND (source.vis_all OR $organization IN source.vis_orgs)
  AND (target.vis_all OR $organization IN target.vis_orgs)
  AND ($ids IS NULL OR (source.id IN $ids AND target.id IN $ids))
CALL (relationship) {
  MATCH (claim:RelationshipAssertion {rel_key: relationship.key})
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  RETURN collect(claim {.*}) AS claims
}
WITH source, relationship, target, claims WHERE size(claims) > 0
RETURN relationship.key AS key, type(relationship) AS type, source.id AS source, target.id AS target, claims
ORDER BY key
