// For entity ids, each entity's kind and the names, aliases and categories of the claims the caller may see (oldest
// first): what an answer needs to name the entities of a path or a neighborhood. Unlike read/entity_summaries it
// does not count relationships, which for a hub on a path costs more than the path search itself.
// Parameters: $ids, $organization, $community_tlps.
UNWIND $ids AS entity_id
MATCH (entity:Entity {id: entity_id})
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  RETURN collect(claim {.name, .aliases, .category, .attributes, .tlp, .recorded_at, .xid_keys}) AS claims
}
RETURN entity.id AS id, entity.kind AS kind, claims
