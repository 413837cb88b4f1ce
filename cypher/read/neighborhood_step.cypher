// One breadth-first step: the relationships from the frontier to entities the caller may see, through a claim
// the caller may see that passes the filters, best-supported first, at most $budget rows.
// Parameters: $frontier (entity ids), $types (or null), $kinds (or null), $kept_entities (the ids a neighbour may
// be, or null: any), $min_confidence, $as_of (or null), $only_mine, $budget, $organization, $organization_token.
UNWIND $frontier AS entity_id
MATCH (a:Entity {id: entity_id})-[r]-(b:Entity)
WHERE ($types IS NULL OR type(r) IN $types)
  AND (b:CommunityVisible OR $organization IN b.vis_orgs)
  AND ($kinds IS NULL OR b.kind IN $kinds)
  AND ($kept_entities IS NULL OR b.id IN $kept_entities)
WITH a, r, b, [i IN range(0, size(coalesce(r.a_vis, [])) - 1)
               WHERE (r.a_vis[i] = '*' OR r.a_vis[i] CONTAINS $organization_token)
                 AND r.a_conf[i] >= $min_confidence
                 AND ($as_of IS NULL OR (r.a_first[i] <= $as_of AND $as_of <= r.a_last[i]))
                 AND (NOT $only_mine OR r.a_org[i] = $organization)] AS passing
WHERE size(passing) > 0
WITH a, r, b, reduce(best = 0, i IN passing | CASE WHEN r.a_conf[i] > best THEN r.a_conf[i] ELSE best END) AS confidence,
     size(passing) AS claims
RETURN a.id AS from_id, b.id AS to_id, r.key AS key, type(r) AS type, startNode(r).id AS source,
       endNode(r).id AS target, confidence, claims
ORDER BY confidence DESC, claims DESC, to_id, key
LIMIT $budget
