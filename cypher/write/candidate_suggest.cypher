// An analyst's suggestion that two entities are one: a candidate (or a new reason on the pair's), supported by no
// claim, so every organization that sees both entities sees it. A pair rejected before keeps its decision, even
// under the ids the two had then: each side of a rejection is followed through the id keys a merge moves to the
// survivor, and the reason joins that rejected candidate. Parameters: $pair, $a, $b, $kind, $id, $value,
// $organization, $now.
WITH 'id:' + $kind + ':' AS prefix
WITH COLLECT { MATCH (key:EntityKey {entity_id: $a}) WHERE key.key STARTS WITH prefix
               RETURN substring(key.key, size(prefix)) } AS ids_a,
     COLLECT { MATCH (key:EntityKey {entity_id: $b}) WHERE key.key STARTS WITH prefix
               RETURN substring(key.key, size(prefix)) } AS ids_b
CALL (ids_a, ids_b) {
  OPTIONAL MATCH (rejected:Candidate {status: 'rejected', kind: $kind})
  WHERE (rejected.a IN ids_a AND rejected.b IN ids_b) OR (rejected.a IN ids_b AND rejected.b IN ids_a)
  RETURN rejected.pair AS rejected_pair ORDER BY rejected.decided_at LIMIT 1
}
MERGE (candidate:Candidate {pair: coalesce(rejected_pair, $pair)})
  ON CREATE SET candidate.id = $id, candidate.a = $a, candidate.b = $b, candidate.kind = $kind,
                candidate.status = 'open', candidate.created_at = $now, candidate.origin = 'analyst'
MERGE (reason:CandidateReason {key: candidate.pair + '|analyst suggestion|' + $organization + '|' + $value})
  ON CREATE SET reason.type = 'analyst suggestion', reason.value = $value, reason.claim_keys = [],
                reason.organization = $organization, reason.recorded_at = $now
MERGE (candidate)-[:BECAUSE]->(reason)
RETURN candidate.id AS id, candidate.status AS status
