// Names (kind-scoped and folded, as resolution compares them) that visible claims give to more than one entity:
// ambiguous, so they resolve nothing. Only claims the caller may see count (every claim when $organization is
// null: the operator). Returns each name's key, its kind, the entities holding it and the names given by one of
// the claims (for the service to find the name's spelling), most entities first. The spelling comes from the
// earliest visible claim on the entity whose id sorts first, so that the report reads the same on every run.
// Parameters: $organization (or null), $community_tlps.
MATCH (name:Name)<-[:NAMED]-(claim:EntityAssertion)-[:ABOUT]->(entity:Entity)
WHERE $organization IS NULL OR claim.tlp IN $community_tlps OR claim.organization = $organization
   OR $organization IN claim.share_with
WITH name, entity, claim
ORDER BY entity.id, claim.recorded_at, claim.organization, claim.key
WITH name, entity, collect(claim.names)[0] AS spellings
ORDER BY entity.id
WITH name, collect(entity.id) AS entities, collect(spellings)[0] AS spellings, head(collect(entity.kind)) AS kind
WHERE size(entities) > 1
RETURN name.key AS key, kind, entities, spellings
ORDER BY size(entities) DESC, key
