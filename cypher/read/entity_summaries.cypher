// For a page of entity ids, each entity's kind and the names, aliases and categories of the claims the caller may
// see (oldest first), from which the service derives what to show. Parameters: $ids, $organization,
// $community_tlps.
UNWIND range(0, size($ids) - 1) AS position
MATCH (entity:Entity {id: $ids[position]})
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  RETURN collect(claim {.name, .aliases, .category, .attributes, .tlp, .recorded_at, .xid_keys}) AS claims
}
RETURN position, entity.id AS id, entity.kind AS kind, claims
ORDER BY position
