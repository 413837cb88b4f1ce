// The entities the caller may see that a scope's entity filters keep: of a category in $categories as the caller
// sees it (as paths_category_members.cypher reads it: the community-visible category, else the latest one among
// the claims the caller may see), or of none when $uncategorized; and, with $only_mine, those the caller's own
// organization asserted: a claim about the entity, or a claim on one of its relationships (a relationship posted
// against an existing entity's id asserts the entity's part in it). Filters only narrow: an entity the caller may
// not see is never kept. Parameters: $categories (or null: any category), $uncategorized, $only_mine,
// $organization, $community_tlps.
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs)
  AND (NOT $only_mine
       OR EXISTS { MATCH (own:EntityAssertion)-[:ABOUT]->(entity) WHERE own.organization = $organization }
       OR EXISTS { MATCH (entity)-[relationship]-(:Entity) WHERE $organization IN relationship.a_org })
WITH entity,
     CASE WHEN $categories IS NULL THEN null ELSE coalesce(entity.public_category, COLLECT {
       MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
       WHERE (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
         AND claim.category IS NOT NULL
       RETURN claim.category ORDER BY claim.recorded_at DESC, claim.organization DESC, claim.key DESC
     }[0]) END AS category
WHERE $categories IS NULL OR category IN $categories OR (category IS NULL AND $uncategorized)
RETURN entity.id AS id
