// Full-text search over the names and aliases of claims the caller may see, ranked by how well the names of the
// matching visible claims fit the query; returns the total and one page. Lucene's own score is not used: its term
// statistics count every claim in the index, so other organizations' hidden claims would sway it.
// Parameters: $query (Lucene syntax, built by the service from escaped terms), $phrase (the query's words, lower
// case, single-spaced), $kind (or null), $skip, $limit, $organization, $community_tlps.
CALL db.index.fulltext.queryNodes('entity_names', $query) YIELD node AS claim
WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
MATCH (claim)-[:ABOUT]->(entity:Entity)
WHERE $kind IS NULL OR entity.kind = $kind
UNWIND claim.names AS name
WITH entity, toLower(name) AS name
WITH entity, max(
       CASE WHEN name = $phrase THEN 3.0
            WHEN name STARTS WITH $phrase THEN 2.0
            WHEN name CONTAINS $phrase THEN 1.0
            ELSE 0.0 END
       + CASE WHEN size($phrase) >= size(name) THEN 1.0 ELSE toFloat(size($phrase)) / size(name) END
     ) AS score
ORDER BY score DESC, entity.id
WITH collect({entity: entity, score: score}) AS hits
RETURN size(hits) AS total, [hit IN hits[$skip..($skip + $limit)] | {id: hit.entity.id, score: hit.score}] AS page
