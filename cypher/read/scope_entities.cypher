// The entities the caller may see whose category, as the caller sees it, is in $categories (as
// paths_category_members.cypher reads it: the community-visible category, else the latest one among the claims the
// caller may see), or that have none when $uncategorized. Filters only narrow: an entity the caller may not see is
// never kept. Parameters: $categories, $uncategorized, $organization, $community_tlps.
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs)
WITH entity, coalesce(entity.public_category, COLLECT {
       MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
       WHERE (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
         AND claim.category IS NOT NULL
       RETURN claim.category ORDER BY claim.recorded_at DESC, claim.organization DESC, claim.key DESC
     }[0]) AS category
WHERE category IN $categories OR (category IS NULL AND $uncategorized)
RETURN entity.id AS id
