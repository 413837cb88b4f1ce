// The relationships the caller may see from a page of the entities it may see (up to $page of them after the id
// $after, in id order) to entities it may see, through claims that pass the filters, with the best passing
// confidence and the number of organizations whose claims pass, for the NetworkX projection. One row per page
// (a Bolt message, not a record per relationship: the driver's cost is per message): `edges` holds, per source
// with any, [source id, target ids, types, confidences, organizations]; `scanned` how many sources the page went
// through; `last` the id to page on from.
// Parameters: $after, $page, $types (or null), $kinds (or null), $kept_entities (or null), $min_confidence,
// $as_of (or null), $only_mine, $organization, $organization_token.
MATCH (source:Entity)
WHERE source.id > $after
  AND (source:CommunityVisible OR $organization IN source.vis_orgs)
  AND ($kinds IS NULL OR source.kind IN $kinds)
  AND ($kept_entities IS NULL OR source.id IN $kept_entities)
WITH source ORDER BY source.id LIMIT $page
CALL (source) {
  MATCH (source)-[relationship]->(target:Entity)
  WHERE ($types IS NULL OR type(relationship) IN $types)
    AND (target:CommunityVisible OR $organization IN target.vis_orgs)
    AND ($kinds IS NULL OR target.kind IN $kinds)
    AND ($kept_entities IS NULL OR target.id IN $kept_entities)
  WITH relationship, target,
       [i IN range(0, size(coalesce(relationship.a_vis, [])) - 1)
        WHERE (relationship.a_vis[i] = '*' OR relationship.a_vis[i] CONTAINS $organization_token)
          AND relationship.a_conf[i] >= $min_confidence
          AND ($as_of IS NULL OR (relationship.a_first[i] <= $as_of AND $as_of <= relationship.a_last[i]))
          AND (NOT $only_mine OR relationship.a_org[i] = $organization)
        | relationship.a_conf[i]] AS passing
  WHERE size(passing) > 0
  RETURN collect(target.id) AS targets, collect(type(relationship)) AS types,
         collect(reduce(best = 0, confidence IN passing | CASE WHEN confidence > best THEN confidence ELSE best END))
           AS confidences,
         collect(size(passing)) AS organizations
}
WITH source.id AS id, CASE WHEN size(targets) > 0 THEN [source.id, targets, types, confidences, organizations] END
  AS edges
RETURN collect(edges) AS edges, count(id) AS scanned, max(id) AS last
