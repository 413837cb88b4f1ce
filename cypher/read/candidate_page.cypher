// One page of same-as candidates as the caller may see them: both entities (each followed through merges to the
// entity it now is) visible to the caller, and only the reasons whose every supporting claim the caller may see; a
// candidate with no such reason is not listed. Newest first. Parameters: $status, $kind (or null), $entity (or
// null: an entity id the candidate must involve), $skip, $limit, $organization, $community_tlps.
MATCH (candidate:Candidate {status: $status})
WHERE $kind IS NULL OR candidate.kind = $kind
MATCH (key_a:EntityKey {key: 'id:' + candidate.kind + ':' + candidate.a})
MATCH (key_b:EntityKey {key: 'id:' + candidate.kind + ':' + candidate.b})
MATCH (a:Entity {id: key_a.entity_id})
MATCH (b:Entity {id: key_b.entity_id})
WHERE a <> b
  AND (a.vis_all OR $organization IN a.vis_orgs) AND (b.vis_all OR $organization IN b.vis_orgs)
  AND ($entity IS NULL OR $entity IN [a.id, b.id])
CALL (candidate) {
  MATCH (candidate)-[:BECAUSE]->(reason:CandidateReason)
  WHERE all(claim_key IN reason.claim_keys WHERE EXISTS {
    MATCH (claim:EntityAssertion {key: claim_key})
    WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  })
  WITH reason ORDER BY reason.recorded_at, reason.type, reason.value
  RETURN collect(reason {.type, .value}) AS reasons
}
WITH candidate, a, b, reasons WHERE size(reasons) > 0
ORDER BY candidate.created_at DESC, candidate.id
WITH collect({candidate: candidate, a: a.id, b: b.id, reasons: reasons}) AS rows
RETURN size(rows) AS total,
       [row IN rows[$skip..($skip + $limit)] |
        {id: row.candidate.id, kind: row.candidate.kind, status: row.candidate.status, origin: row.candidate.origin,
         created_at: row.candidate.created_at, decided_by: row.candidate.decided_by,
         decided_at: row.candidate.decided_at, a: row.a, b: row.b, reasons: row.reasons}] AS page
