// Full-text search over the names and aliases of claims the caller may see, ranked as analysts read a name: an
// exact name or alias first (tier 4), then names that start with the query as whole words (3: "Lazarus Group" for
// "lazarus"), then names holding it as whole words elsewhere (2: "Wizard Spider" for "spider"), then names with a
// word that merely starts with it (1: "SPIDERPIG RAT"), then any other hit (0). Within a tier, an entity with more
// visible relationships comes first, then the name the query covers most. The score is the tier plus that
// coverage (0..1]. Lucene's own score is not used: its term statistics count every claim in the index, so other
// organizations' hidden claims would sway it. Returns the total (of $kind, when given), the hits per kind (before
// the kind filter, for one-click filters) and one page.
// Parameters: $query (Lucene syntax, built by the service from escaped terms), $phrase (the query's words, lower
// case, single-spaced), $words (the same with punctuation read as spaces), $separators (the punctuation characters),
// $kind (or null), $skip, $limit, $organization, $community_tlps.
CALL db.index.fulltext.queryNodes('entity_names', $query) YIELD node AS claim
WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
MATCH (claim)-[:ABOUT]->(entity:Entity)
UNWIND claim.names AS name
WITH entity, toLower(name) AS name
WITH entity, name, reduce(text = name, separator IN $separators | replace(text, separator, ' ')) AS spaced
// Runs of spaces left by punctuation ("killdisk (lazarus)") shrink to one, as in $words.
WITH entity, name, ' ' + replace(replace(replace(spaced, '    ', ' '), '  ', ' '), '  ', ' ') + ' ' AS padded
WITH entity, max(
       CASE WHEN name = $phrase THEN 4
            WHEN $words = '' THEN 0
            WHEN padded STARTS WITH ' ' + $words + ' ' THEN 3
            WHEN padded CONTAINS ' ' + $words + ' ' THEN 2
            WHEN padded CONTAINS ' ' + $words THEN 1
            ELSE 0 END
       + CASE WHEN size($phrase) >= size(name) THEN 1.0 ELSE toFloat(size($phrase)) / size(name) END
     ) AS score
WITH collect({entity: entity, score: score}) AS every_hit
WITH every_hit, [hit IN every_hit WHERE $kind IS NULL OR hit.entity.kind = $kind] AS hits
UNWIND (CASE WHEN hits = [] THEN [null] ELSE hits END) AS hit
WITH every_hit, hit.entity AS entity, hit.score AS score
WITH every_hit, entity, score, COUNT {
       MATCH (entity)-[relationship]-(other:Entity)
       WHERE relationship.claim_count > 0
         AND (relationship.vis_all OR $organization IN relationship.vis_orgs)
         AND (other.vis_all OR $organization IN other.vis_orgs)
     } AS degree
ORDER BY floor(score) DESC, degree DESC, score DESC, entity.id
WITH every_hit, [hit IN collect({id: entity.id, score: score, degree: degree}) WHERE hit.id IS NOT NULL] AS ranked
RETURN size(ranked) AS total, [hit IN every_hit | hit.entity.kind] AS kinds, ranked[$skip..($skip + $limit)] AS page
