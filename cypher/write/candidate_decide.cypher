// Records an analyst's decision on a candidate: accepted (the two were merged) or rejected (kept apart, and never
// proposed again). Parameters: $id, $status, $organization, $now, $merge_id (or null).
MATCH (candidate:Candidate {id: $id})
SET candidate.status = $status, candidate.decided_by = $organization, candidate.decided_at = $now,
    candidate.merge_id = $merge_id
RETURN candidate.id AS id
