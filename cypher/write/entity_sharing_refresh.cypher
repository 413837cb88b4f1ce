// Recomputes each entity's sharing summary from its claims: vis_all (a community-visible claim exists), vis_orgs
// (organizations that see a restricted claim), and the name most community-visible claims give (a tie goes to the
// oldest claim), the latest category they give, the union of their countries and the largest disruption cost.
// Parameters: $ids, $community_tlps.
UNWIND $ids AS entity_id
MATCH (entity:Entity {id: entity_id})
CALL (entity) {
  OPTIONAL MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  WITH collect(claim) AS claims
  WITH [c IN claims WHERE c.tlp IN $community_tlps] AS public,
       reduce(orgs = [], c IN [c IN claims WHERE NOT c.tlp IN $community_tlps] |
              orgs + [c.organization] + coalesce(c.share_with, [])) AS restricted
  SET entity.vis_all = size(public) > 0,
      entity.vis_orgs = reduce(seen = [], o IN restricted | CASE WHEN o IN seen THEN seen ELSE seen + o END),
      entity.public_name = head([n IN [c IN public | c.name]
                                 WHERE size([m IN public WHERE m.name = n]) = reduce(most = 0, c IN public |
                                   CASE WHEN size([m IN public WHERE m.name = c.name]) > most
                                        THEN size([m IN public WHERE m.name = c.name]) ELSE most END)]),
      entity.public_category = head([c IN reverse(public) WHERE c.category IS NOT NULL | c.category]),
      entity.public_countries = reduce(seen = [], c IN public | seen + [k IN coalesce(c.countries, []) WHERE NOT k IN seen]),
      entity.public_cost = reduce(most = null, c IN public |
                                  CASE WHEN c.disruption_cost IS NOT NULL AND (most IS NULL OR c.disruption_cost > most)
                                       THEN c.disruption_cost ELSE most END)
}
RETURN count(*) AS refreshed
