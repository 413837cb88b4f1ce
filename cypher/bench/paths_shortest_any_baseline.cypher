// Benchmark only: the path query of issue 19's start (cypher/read/paths_shortest_any.cypher before it was tuned),
// kept as bench_paths.py's baseline so that every run measures the change against it. Same parameters.
// Every shortest path from $from to $to in either direction (bidirectional breadth-first search; at most 50
// returned), through relationships with a claim the caller may see that passes the filters and through entities
// the caller may see; paths longer than $max_hops are dropped. Each hop carries its best passing confidence.
// The search depth is written out (10, the API's maximum) because Cypher 5 takes no parameter there.
// Parameters: $from, $to, $max_hops, $types (or null), $kinds (or null), $min_confidence, $as_of (or null), $only_mine
// (the visible-claim fragment reads it since the filter came; a baseline run passes false),
// $organization, $organization_token.
MATCH (source:Entity {id: $from})
MATCH (target:Entity {id: $to})
MATCH path = allShortestPaths((source)-[*..10]-(target))
WHERE all(n IN nodes(path) WHERE (n.vis_all OR $organization IN n.vis_orgs)
                                 AND ($kinds IS NULL OR n = source OR n = target OR n.kind IN $kinds))
  AND all(r IN relationships(path) WHERE ($types IS NULL OR type(r) IN $types)
          AND any(i IN range(0, size(coalesce(r.a_vis, [])) - 1)
                  WHERE (r.a_vis[i] = '*' OR r.a_vis[i] CONTAINS $organization_token)
                    AND r.a_conf[i] >= $min_confidence
                    AND ($as_of IS NULL OR (r.a_first[i] <= $as_of AND $as_of <= r.a_last[i]))
                    AND (NOT $only_mine OR r.a_org[i] = $organization)))
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
