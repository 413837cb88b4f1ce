// A page of the entities the caller may see (optionally of some kinds): up to $page of them after the id $after,
// in id order, as one row (`nodes`: [id, kind, name, category, countries, cost] each; `scanned`: how many entities
// the page went through; `last`: the id to page on from), for the NetworkX projection. Name and category are those
// its visible claims give, countries the union and cost the largest disruption cost of the claims it may see.
// A page is one Bolt message, not a record per entity: the driver's cost is per message.
// Restricted claims are read only for entities the caller sees through one (vis_orgs); the rest is the summary
// entity_sharing_refresh keeps. With $only_mine, only the entities the caller's organization asserted: a claim
// about the entity, or a claim on one of its relationships (a relationship posted against an existing entity's id
// asserts the entity's part in it). Parameters: $after, $page, $kinds (or null), $kept_entities (the ids the scope's
// categories keep, or null: any), $only_mine, $organization, $community_tlps.
MATCH (entity:Entity)
WHERE entity.id > $after
  AND (entity:CommunityVisible OR $organization IN entity.vis_orgs) AND ($kinds IS NULL OR entity.kind IN $kinds)
  AND ($kept_entities IS NULL OR entity.id IN $kept_entities)
WITH entity ORDER BY entity.id LIMIT $page
WITH entity, entity.id AS id,
     NOT $only_mine
       OR EXISTS { MATCH (own:EntityAssertion)-[:ABOUT]->(entity) WHERE own.organization = $organization }
       OR EXISTS { MATCH (entity)-[relationship]-(:Entity) WHERE $organization IN relationship.a_org } AS kept
WITH entity, id, kept,
     CASE WHEN kept AND $organization IN coalesce(entity.vis_orgs, []) THEN COLLECT {
            MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
            WHERE NOT claim.tlp IN $community_tlps
              AND (claim.organization = $organization OR $organization IN claim.share_with)
            RETURN claim {.name, .category, .countries, .disruption_cost} ORDER BY claim.recorded_at
          } ELSE [] END AS restricted
WITH entity, id, kept, restricted,
     coalesce(entity.public_countries, []) + reduce(more = [], c IN restricted | more + coalesce(c.countries, []))
       AS countries,
     [cost IN [entity.public_cost] + [c IN restricted | c.disruption_cost] WHERE cost IS NOT NULL] AS costs
WITH id, kept,
     [id, entity.kind,
      CASE WHEN entity.vis_all THEN entity.public_name ELSE restricted[0].name END,
      CASE WHEN entity.vis_all THEN entity.public_category
           ELSE head([c IN reverse(restricted) WHERE c.category IS NOT NULL | c.category]) END,
      countries,
      CASE WHEN size(costs) = 0 THEN null
           ELSE reduce(most = costs[0], c IN costs | CASE WHEN c > most THEN c ELSE most END) END] AS node
RETURN collect(CASE WHEN kept THEN node END) AS nodes, count(id) AS scanned, max(id) AS last
