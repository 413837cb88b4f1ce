// How many open same-as candidates the caller may see, as read/candidate_page decides (both entities, followed
// through merges, visible, and one reason whose every supporting claim is visible); every open candidate between
// two entities when $organization is null (the operator). Parameters: $organization (or null), $community_tlps.
MATCH (candidate:Candidate {status: 'open'})
MATCH (key_a:EntityKey {key: 'id:' + candidate.kind + ':' + candidate.a})
MATCH (key_b:EntityKey {key: 'id:' + candidate.kind + ':' + candidate.b})
MATCH (a:Entity {id: key_a.entity_id})
MATCH (b:Entity {id: key_b.entity_id})
WHERE a <> b
  AND ($organization IS NULL OR ((a.vis_all OR $organization IN a.vis_orgs)
                                 AND (b.vis_all OR $organization IN b.vis_orgs)
                                 AND EXISTS {
    MATCH (candidate)-[:BECAUSE]->(reason:CandidateReason)
    WHERE all(claim_key IN reason.claim_keys WHERE EXISTS {
      MATCH (claim:EntityAssertion {key: claim_key})
      WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
    })
  }))
RETURN count(candidate) AS open
