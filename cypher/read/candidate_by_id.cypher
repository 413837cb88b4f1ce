// One candidate, if the caller may see it (as read/candidate_page decides), with its entities as they now are.
// Parameters: $id, $organization, $community_tlps.
MATCH (candidate:Candidate {id: $id})
MATCH (key_a:EntityKey {key: 'id:' + candidate.kind + ':' + candidate.a})
MATCH (key_b:EntityKey {key: 'id:' + candidate.kind + ':' + candidate.b})
MATCH (a:Entity {id: key_a.entity_id})
MATCH (b:Entity {id: key_b.entity_id})
WHERE (a.vis_all OR $organization IN a.vis_orgs) AND (b.vis_all OR $organization IN b.vis_orgs)
  AND EXISTS {
    MATCH (candidate)-[:BECAUSE]->(reason:CandidateReason)
    WHERE all(claim_key IN reason.claim_keys WHERE EXISTS {
      MATCH (claim:EntityAssertion {key: claim_key})
      WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
    })
  }
RETURN candidate.id AS id, candidate.status AS status, a.id AS a, b.id AS b
