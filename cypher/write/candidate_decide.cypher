// Records an analyst's decision on a candidate still open: accepted (the two were merged) or rejected (kept apart,
// and never proposed again). Returns nothing when the candidate was decided meanwhile.
// Parameters: $id, $status, $organization, $now, $merge_id (or null).
MATCH (candidate:Candidate {id: $id})
WHERE candidate.status = 'open'
SET candidate.status = $status, candidate.decided_by = $organization, candidate.decided_at = $now,
    candidate.merge_id = $merge_id
RETURN candidate.id AS id
