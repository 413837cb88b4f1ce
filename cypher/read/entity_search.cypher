// Full-text search over the names and aliases of claims the caller may see, ranked by the best score per entity;
// returns the total and one page. Parameters: $query (Lucene syntax, built by the service from escaped terms),
// $kind (or null), $skip, $limit, $organization, $community_tlps.
CALL db.index.fulltext.queryNodes('entity_names', $query) YIELD node AS claim, score
WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
MATCH (claim)-[:ABOUT]->(entity:Entity)
WHERE $kind IS NULL OR entity.kind = $kind
WITH entity, max(score) AS score
ORDER BY score DESC, entity.id
WITH collect({entity: entity, score: score}) AS hits
RETURN size(hits) AS total, [hit IN hits[$skip..($skip + $limit)] | {id: hit.entity.id, score: hit.score}] AS page
