// Recomputes each relationship's sharing summary and the per-claim arrays that path and projection filters read
// (a_vis: '*' for a community-visible claim, else '|org|shared-with|...|'; a_conf; a_first/a_last with open ends
// as far dates). A relationship left with no claim is deleted: it no longer exists for anyone.
// Parameters: $rows [{key, source, target}], $community_tlps.
UNWIND $rows AS row
MATCH (:Entity {id: row.source})-[relationship {key: row.key}]->(:Entity {id: row.target})
CALL (relationship) {
  OPTIONAL MATCH (claim:RelationshipAssertion {rel_key: relationship.key})
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  WITH collect(claim) AS claims
  WITH claims,
       reduce(orgs = [], c IN [c IN claims WHERE NOT c.tlp IN $community_tlps] |
              orgs + [c.organization] + coalesce(c.share_with, [])) AS restricted
  SET relationship.vis_all = any(c IN claims WHERE c.tlp IN $community_tlps),
      relationship.vis_orgs = reduce(seen = [], o IN restricted | CASE WHEN o IN seen THEN seen ELSE seen + o END),
      relationship.a_org = [c IN claims | c.organization],
      relationship.a_vis = [c IN claims |
        CASE WHEN c.tlp IN $community_tlps THEN '*'
             ELSE reduce(token = '|' + c.organization + '|', o IN coalesce(c.share_with, []) | token + o + '|') END],
      relationship.a_conf = [c IN claims | c.confidence],
      relationship.a_first = [c IN claims | coalesce(c.first_seen, date('0001-01-01'))],
      relationship.a_last = [c IN claims | coalesce(c.last_seen, date('9999-12-31'))],
      relationship.claim_count = size(claims)
}
WITH relationship WHERE relationship.claim_count = 0
DELETE relationship
RETURN count(*) AS deleted
