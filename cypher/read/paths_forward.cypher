// Up to 10 shortest distinct paths (of any lengths up to $max_hops; the fallback when there are fewer shortest
// paths than asked for) from $from to $to, following each relationship's direction (supply-chain order), through relationships with
// a claim the caller may see that passes the filters and through entities the caller may see; the service keeps
// the first $limit by length then confidence. Parameters: $from, $to, $max_hops (1..10), $types (or null),
// $kinds (entity kinds a path may pass through, or null), $exclude (ids a path may not pass through, never $from
// or $to; may be empty), $kept_entities (the ids a path may pass through, or null: any), $min_confidence,
// $as_of (a date, or null), $only_mine, $organization, $organization_token ('|' + organization + '|').
MATCH (source:Entity {id: $from})
MATCH (target:Entity {id: $to})
MATCH path = SHORTEST 10 (
  (source)
  ((a:Entity)-[r]->(b:Entity)
    WHERE ($types IS NULL OR type(r) IN $types)
      AND (b:CommunityVisible OR $organization IN b.vis_orgs)
      AND ($kinds IS NULL OR b.id = $to OR b.kind IN $kinds)
      AND ($kept_entities IS NULL OR b.id = $to OR b.id IN $kept_entities)
      AND NOT b.id IN $exclude
      AND any(i IN range(0, size(coalesce(r.a_vis, [])) - 1)
              WHERE (r.a_vis[i] = '*' OR r.a_vis[i] CONTAINS $organization_token)
                AND r.a_conf[i] >= $min_confidence
                AND ($as_of IS NULL OR (r.a_first[i] <= $as_of AND $as_of <= r.a_last[i]))
                AND (NOT $only_mine OR r.a_org[i] = $organization))
  ){1,10}
  (target)
  WHERE size(r) <= $max_hops
)
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
