// The projection's nodes query as it was before issue 19 regrouped the read: bench_analysis.py's baseline.
// Every entity the caller may see (optionally of some kinds), with the name and category its visible claims give,
// the union of the countries and the largest disruption cost of the claims it may see, for the NetworkX projection.
// Restricted claims are read only for entities the caller sees through one (vis_orgs); the rest is the summary
// entity_sharing_refresh keeps. With $only_mine, only the entities the caller's organization asserted: a claim
// about the entity, or a claim on one of its relationships (a relationship posted against an existing entity's id
// asserts the entity's part in it). Parameters: $kinds (or null), $kept_entities (the ids the scope's categories
// keep, or null: any), $only_mine, $organization, $community_tlps.
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs) AND ($kinds IS NULL OR entity.kind IN $kinds)
  AND ($kept_entities IS NULL OR entity.id IN $kept_entities)
  AND (NOT $only_mine
       OR EXISTS { MATCH (own:EntityAssertion)-[:ABOUT]->(entity) WHERE own.organization = $organization }
       OR EXISTS { MATCH (entity)-[relationship]-(:Entity) WHERE $organization IN relationship.a_org })
WITH entity,
     CASE WHEN $organization IN coalesce(entity.vis_orgs, []) THEN COLLECT {
            MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
            WHERE NOT claim.tlp IN $community_tlps
              AND (claim.organization = $organization OR $organization IN claim.share_with)
            RETURN claim {.name, .category, .countries, .disruption_cost} ORDER BY claim.recorded_at
          } ELSE [] END AS restricted
WITH entity, restricted,
     coalesce(entity.public_countries, []) + reduce(more = [], c IN restricted | more + coalesce(c.countries, []))
       AS countries,
     [cost IN [entity.public_cost] + [c IN restricted | c.disruption_cost] WHERE cost IS NOT NULL] AS costs
RETURN entity.id AS id, entity.kind AS kind,
       CASE WHEN entity.vis_all THEN entity.public_name ELSE restricted[0].name END AS name,
       CASE WHEN entity.vis_all THEN entity.public_category
            ELSE head([c IN reverse(restricted) WHERE c.category IS NOT NULL | c.category]) END AS category,
       countries,
       CASE WHEN size(costs) = 0 THEN null ELSE reduce(most = costs[0], c IN costs | CASE WHEN c > most THEN c ELSE most END) END
         AS cost
