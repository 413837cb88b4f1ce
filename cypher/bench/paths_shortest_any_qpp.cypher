// Benchmark only: a candidate for cypher/read/paths_shortest_any.cypher, measured by bench_paths.py beside it:
// Cypher 5's ALL SHORTEST over a quantified path pattern, the filters inside the pattern (per hop) instead of
// all(...) over the path. Same parameters, same rows.
MATCH (source:Entity {id: $from})
MATCH (target:Entity {id: $to})
MATCH path = ALL SHORTEST (source)
  ((a:Entity)-[r]-(b:Entity)
    WHERE ($types IS NULL OR type(r) IN $types)
      AND (b.vis_all OR $organization IN b.vis_orgs)
      AND ($kinds IS NULL OR b.id = $to OR b.kind IN $kinds)
      AND NOT b.id IN $exclude
      AND any(i IN range(0, size(coalesce(r.a_vis, [])) - 1)
              WHERE (r.a_vis[i] = '*' OR r.a_vis[i] CONTAINS $organization_token)
                AND r.a_conf[i] >= $min_confidence
                AND ($as_of IS NULL OR (r.a_first[i] <= $as_of AND $as_of <= r.a_last[i]))
                AND (NOT $only_mine OR r.a_org[i] = $organization))
  ){1,10}
  (target)
WITH path LIMIT 50
WHERE length(path) <= $max_hops
RETURN [n IN nodes(path) | n.id] AS node_ids,
       [rel IN relationships(path) | {
         key: rel.key, type: type(rel), source: startNode(rel).id, target: endNode(rel).id,
         confidence: reduce(best = 0, i IN range(0, size(rel.a_vis) - 1) |
           CASE WHEN (rel.a_vis[i] = '*' OR rel.a_vis[i] CONTAINS $organization_token)
                     AND rel.a_conf[i] >= $min_confidence
                     AND ($as_of IS NULL OR (rel.a_first[i] <= $as_of AND $as_of <= rel.a_last[i]))
                     AND (NOT $only_mine OR rel.a_org[i] = $organization)
                     AND rel.a_conf[i] > best
                THEN rel.a_conf[i] ELSE best END)
       }] AS hops
