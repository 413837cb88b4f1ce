// Records same-as candidates (a pair of entities of one kind that resolution did not join) and their reasons,
// each with the keys of the claims that support it; a pair already decided keeps its decision.
// Parameters: $rows [{pair, a, b, kind, id, reasons [{key, type, value, claim_keys}]}], $now.
UNWIND $rows AS row
MERGE (candidate:Candidate {pair: row.pair})
  ON CREATE SET candidate.id = row.id, candidate.a = row.a, candidate.b = row.b, candidate.kind = row.kind,
                candidate.status = 'open', candidate.created_at = $now, candidate.origin = 'resolution'
WITH candidate, row
UNWIND row.reasons AS reason
MERGE (because:CandidateReason {key: row.pair + '|' + reason.key})
  ON CREATE SET because.type = reason.type, because.value = reason.value, because.claim_keys = reason.claim_keys,
                because.recorded_at = $now
MERGE (candidate)-[:BECAUSE]->(because)
RETURN count(DISTINCT candidate) AS recorded
