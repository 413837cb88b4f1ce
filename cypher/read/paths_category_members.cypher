// The entities the caller may see whose category, as the caller sees it, is one of $categories: the category the
// community-visible claims give when they give one (entity.public_category), else the latest one among the claims
// the caller may see (services/entities.py `describe` shows the same). A path search avoids them.
// Parameters: $categories, $organization, $community_tlps.
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs)
  AND (entity.public_category IN $categories OR entity.public_category IS NULL)
WITH entity,
     coalesce(entity.public_category, COLLECT {
       MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
       WHERE (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
         AND claim.category IS NOT NULL
       RETURN claim.category ORDER BY claim.recorded_at DESC, claim.organization DESC, claim.key DESC
     }[0]) AS category
WHERE category IN $categories
RETURN entity.id AS id
