// Every victim the caller may see (all of them when $organization is null: the operator), with the names of the
// claims the caller may see, oldest first, from which the service derives the shown name and groups victims named
// alike. Parameters: $organization (or null), $community_tlps.
MATCH (entity:Victim)
WHERE $organization IS NULL OR entity.vis_all OR $organization IN entity.vis_orgs
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE $organization IS NULL OR claim.tlp IN $community_tlps OR claim.organization = $organization
     OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  RETURN collect(claim {.name, .aliases, .category, .attributes, .tlp, .xid_keys}) AS claims
}
RETURN entity.id AS id, claims
ORDER BY id
