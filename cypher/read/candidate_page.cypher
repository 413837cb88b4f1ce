// One page of same-as candidates as the caller may see them: both entities (each followed through merges to the
// entity it now is) visible to the caller, and only the reasons whose every supporting claim the caller may see; a
// candidate with no such reason is not listed. Newest first. Each entity of the page comes with the naming fields of
// the claims the caller may see (oldest first), from which the service derives the name to show.
// Parameters: $status, $kind (or null), $entity (or null: an entity id the candidate must involve), $skip, $limit,
// $organization, $community_tlps.
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
WITH collect({candidate: candidate, a: a, b: b, reasons: reasons}) AS rows
WITH size(rows) AS total, rows[$skip..($skip + $limit)] AS page
CALL (page) {
  UNWIND range(0, size(page) - 1) AS position
  WITH position, page[position] AS row
  WITH position, row, row.a AS a, row.b AS b
  CALL (a) {
    MATCH (claim:EntityAssertion)-[:ABOUT]->(a)
    WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
    WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
    RETURN collect(claim {.name, .aliases, .tlp, .xid_keys}) AS a_claims
  }
  CALL (b) {
    MATCH (claim:EntityAssertion)-[:ABOUT]->(b)
    WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
    WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
    RETURN collect(claim {.name, .aliases, .tlp, .xid_keys}) AS b_claims
  }
  WITH position, row, a, b, a_claims, b_claims ORDER BY position
  RETURN collect({id: row.candidate.id, kind: row.candidate.kind, status: row.candidate.status,
                  origin: row.candidate.origin, created_at: row.candidate.created_at,
                  decided_by: row.candidate.decided_by, decided_at: row.candidate.decided_at, a: a.id, b: b.id,
                  a_claims: a_claims, b_claims: b_claims, reasons: row.reasons}) AS items
}
RETURN total, items AS page
