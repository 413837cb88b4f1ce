// The projection's edges query as it was before issue 19 regrouped the read: bench_analysis.py's baseline.
// Every relationship the caller may see between entities it may see, through claims that pass the filters, with
// the best passing confidence and the number of organizations whose claims pass, for the NetworkX projection.
// Parameters: $types (or null), $kinds (or null), $kept_entities (or null), $min_confidence, $as_of (or null),
// $only_mine, $organization, $organization_token.
MATCH (source:Entity)-[relationship]->(target:Entity)
WHERE ($types IS NULL OR type(relationship) IN $types)
  AND (source.vis_all OR $organization IN source.vis_orgs)
  AND (target.vis_all OR $organization IN target.vis_orgs)
  AND ($kinds IS NULL OR (source.kind IN $kinds AND target.kind IN $kinds))
  AND ($kept_entities IS NULL OR (source.id IN $kept_entities AND target.id IN $kept_entities))
WITH source, relationship, target,
     [i IN range(0, size(coalesce(relationship.a_vis, [])) - 1)
      WHERE (relationship.a_vis[i] = '*' OR relationship.a_vis[i] CONTAINS $organization_token)
        AND relationship.a_conf[i] >= $min_confidence
        AND ($as_of IS NULL OR (relationship.a_first[i] <= $as_of AND $as_of <= relationship.a_last[i]))
        AND (NOT $only_mine OR relationship.a_org[i] = $organization)] AS passing
WHERE size(passing) > 0
RETURN source.id AS source, target.id AS target, type(relationship) AS type,
       reduce(best = 0, i IN passing | CASE WHEN relationship.a_conf[i] > best THEN relationship.a_conf[i] ELSE best END)
         AS confidence,
       size(passing) AS organizations
