// Records same-as candidates (a pair of entities of one kind that resolution did not join) and their reasons,
// each with the keys of the claims that support it; a pair already decided keeps its decision, even under the ids
// the two had then: each side of a rejection is followed through the id keys a merge moves to the survivor, and
// the reasons join that rejected candidate.
// Parameters: $rows [{pair, a, b, kind, id, reasons [{key, type, value, claim_keys}]}], $now.
UNWIND $rows AS row
WITH row, 'id:' + row.kind + ':' AS prefix
WITH row,
     COLLECT { MATCH (key:EntityKey {entity_id: row.a}) WHERE key.key STARTS WITH prefix
               RETURN substring(key.key, size(prefix)) } AS ids_a,
     COLLECT { MATCH (key:EntityKey {entity_id: row.b}) WHERE key.key STARTS WITH prefix
               RETURN substring(key.key, size(prefix)) } AS ids_b
CALL (row, ids_a, ids_b) {
  OPTIONAL MATCH (rejected:Candidate {status: 'rejected', kind: row.kind})
  WHERE (rejected.a IN ids_a AND rejected.b IN ids_b) OR (rejected.a IN ids_b AND rejected.b IN ids_a)
  RETURN rejected.pair AS rejected_pair ORDER BY rejected.decided_at LIMIT 1
}
MERGE (candidate:Candidate {pair: coalesce(rejected_pair, row.pair)})
  ON CREATE SET candidate.id = row.id, candidate.a = row.a, candidate.b = row.b, candidate.kind = row.kind,
                candidate.status = 'open', candidate.created_at = $now, candidate.origin = 'resolution'
WITH candidate, row
UNWIND row.reasons AS reason
MERGE (because:CandidateReason {key: candidate.pair + '|' + reason.key})
  ON CREATE SET because.type = reason.type, because.value = reason.value, because.claim_keys = reason.claim_keys,
                because.recorded_at = $now
MERGE (candidate)-[:BECAUSE]->(because)
RETURN count(DISTINCT candidate) AS recorded
