// Every entity the caller may see (optionally of some kinds), with the name and category its visible claims give,
// for the NetworkX projection. Parameters: $kinds (or null), $organization, $community_tlps.
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs) AND ($kinds IS NULL OR entity.kind IN $kinds)
WITH entity,
     CASE WHEN entity.vis_all THEN null
          ELSE COLLECT {
            MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
            WHERE claim.organization = $organization OR $organization IN claim.share_with
            RETURN claim {.name, .category} ORDER BY claim.recorded_at
          } END AS restricted
RETURN entity.id AS id, entity.kind AS kind,
       coalesce(entity.public_name, restricted[0].name) AS name,
       coalesce(entity.public_category, head([c IN reverse(coalesce(restricted, [])) WHERE c.category IS NOT NULL | c.category]))
         AS category
