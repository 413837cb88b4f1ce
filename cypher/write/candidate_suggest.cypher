// An analyst's suggestion that two entities are one: a candidate (or a new reason on the pair's), supported by no
// claim, so every organization that sees both entities sees it. Parameters: $pair, $a, $b, $kind, $id, $value,
// $organization, $now.
MERGE (candidate:Candidate {pair: $pair})
  ON CREATE SET candidate.id = $id, candidate.a = $a, candidate.b = $b, candidate.kind = $kind,
                candidate.status = 'open', candidate.created_at = $now, candidate.origin = 'analyst'
MERGE (reason:CandidateReason {key: $pair + '|analyst suggestion|' + $organization + '|' + $value})
  ON CREATE SET reason.type = 'analyst suggestion', reason.value = $value, reason.claim_keys = [],
                reason.organization = $organization, reason.recorded_at = $now
MERGE (candidate)-[:BECAUSE]->(reason)
RETURN candidate.id AS id, candidate.status AS status
