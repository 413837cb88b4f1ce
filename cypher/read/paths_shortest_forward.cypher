// Every shortest path from $from to $to along each relationship's direction (supply-chain order) (bidirectional breadth-first search; at most 50
// returned), through relationships with a claim the caller may see that passes the filters and through entities
// the caller may see; paths longer than $max_hops are dropped. Each hop carries its best passing confidence.
// The search depth is written out (10, the API's maximum) because Cypher 5 takes no parameter there.
// A relationship's sharing summary (vis_all, vis_orgs: some claim on it is visible) is read first, one boolean
// for most of them; the claims' arrays only when a claim must also pass min_confidence, as_of or only_mine (with none,
// "some claim visible" is the whole condition). An entity's community visibility is its CommunityVisible label
// (equal to its vis_all; a label is in the node record, a property costs a read per entity expanded). Per hop and
// per entity, inside the search: the planner runs them during the bidirectional breadth-first search (PROFILE
// shows them on the ShortestPath operator), so a hop that fails is never expanded. Measured against the query
// it replaced by scripts/bench_paths.py.
// Parameters: $from, $to, $max_hops, $types (or null), $kinds (or null), $kept_entities (the ids a path may pass
// through, or null: any), $exclude (ids a path may not pass through, never $from or $to; may be empty),
// $min_confidence, $as_of (or null), $only_mine, $organization, $organization_token.
MATCH (source:Entity {id: $from})
MATCH (target:Entity {id: $to})
MATCH path = allShortestPaths((source)-[*..10]->(target))
WHERE all(n IN nodes(path) WHERE (n:CommunityVisible OR $organization IN n.vis_orgs)
                                 AND ($kinds IS NULL OR n = source OR n = target OR n.kind IN $kinds)
                                 AND ($kept_entities IS NULL OR n = source OR n = target OR n.id IN $kept_entities)
                                 AND ($exclude = [] OR NOT n.id IN $exclude))
  AND all(r IN relationships(path) WHERE ($types IS NULL OR type(r) IN $types)
          AND (r.vis_all OR $organization IN r.vis_orgs)
          AND (($min_confidence = 0 AND $as_of IS NULL AND NOT $only_mine) OR any(i IN range(0, size(coalesce(r.a_vis, [])) - 1)
                  WHERE (r.a_vis[i] = '*' OR r.a_vis[i] CONTAINS $organization_token)
                    AND r.a_conf[i] >= $min_confidence
                    AND ($as_of IS NULL OR (r.a_first[i] <= $as_of AND $as_of <= r.a_last[i]))
                    AND (NOT $only_mine OR r.a_org[i] = $organization))))
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
