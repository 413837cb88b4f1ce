// Recomputes each entity's sharing summary from its claims: vis_all (a community-visible claim exists), vis_orgs
// (organizations that see a restricted claim), and the name most community-visible claims give (a tie goes to the
// oldest claim carrying an id of a scheme in $naming_schemes, an ATT&CK id, else to the oldest claim; as
// services.entities.display_name decides), the latest category they give, the union of their countries and the
// largest disruption cost. The label CommunityVisible mirrors vis_all, set and removed in the same statement: path
// searches test it per entity expanded, and a label is read from the node record where a property needs a
// property-record read (docs/paths.md#speed). Nothing else writes vis_all, so the two cannot disagree.
// Parameters: $ids, $community_tlps, $naming_schemes.
UNWIND $ids AS entity_id
MATCH (entity:Entity {id: entity_id})
CALL (entity) {
  OPTIONAL MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  WITH collect(claim) AS claims
  WITH [c IN claims WHERE c.tlp IN $community_tlps] AS public,
       reduce(orgs = [], c IN [c IN claims WHERE NOT c.tlp IN $community_tlps] |
              orgs + [c.organization] + coalesce(c.share_with, [])) AS restricted
  WITH entity, public, restricted,
       reduce(most = 0, c IN public |
              CASE WHEN size([m IN public WHERE m.name = c.name]) > most
                   THEN size([m IN public WHERE m.name = c.name]) ELSE most END) AS most
  WITH entity, public, restricted, [c IN public WHERE size([m IN public WHERE m.name = c.name]) = most] AS tied
  SET entity.vis_all = size(public) > 0,
      entity.vis_orgs = reduce(seen = [], o IN restricted | CASE WHEN o IN seen THEN seen ELSE seen + o END),
      entity.public_name = coalesce(
        head([c IN tied WHERE any(key IN coalesce(c.xid_keys, [])
                                  WHERE any(scheme IN $naming_schemes
                                            WHERE key STARTS WITH 'xid:' + entity.kind + ':' + scheme + '=')) | c.name]),
        head([c IN tied | c.name])),
      entity.public_category = head([c IN reverse(public) WHERE c.category IS NOT NULL | c.category]),
      entity.public_countries = reduce(seen = [], c IN public | seen + [k IN coalesce(c.countries, []) WHERE NOT k IN seen]),
      entity.public_cost = reduce(most = null, c IN public |
                                  CASE WHEN c.disruption_cost IS NOT NULL AND (most IS NULL OR c.disruption_cost > most)
                                       THEN c.disruption_cost ELSE most END),
      entity:$(CASE WHEN size(public) > 0 THEN ['CommunityVisible'] ELSE [] END)
  REMOVE entity:$(CASE WHEN size(public) > 0 THEN [] ELSE ['CommunityVisible'] END)
}
RETURN count(*) AS refreshed
