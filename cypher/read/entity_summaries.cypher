// For a page of entity ids, each entity's kind, the names, aliases and categories of the claims the caller may
// see (oldest first), from which the service derives what to show, and its number of visible relationships to
// visible entities. Parameters: $ids, $organization, $community_tlps.
UNWIND range(0, size($ids) - 1) AS position
MATCH (entity:Entity {id: $ids[position]})
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  RETURN collect(claim {.name, .aliases, .category, .attributes, .tlp, .recorded_at, .xid_keys}) AS claims
}
RETURN position, entity.id AS id, entity.kind AS kind, claims, COUNT {
         MATCH (entity)-[relationship]-(other:Entity)
         WHERE relationship.claim_count > 0
           AND (relationship.vis_all OR $organization IN relationship.vis_orgs)
           AND (other.vis_all OR $organization IN other.vis_orgs)
       } AS relationship_count
ORDER BY position
