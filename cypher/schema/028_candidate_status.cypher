// Candidates are listed by status (open for review, rejected pairs for resolution).
CREATE INDEX candidate_status IF NOT EXISTS
FOR (candidate:Candidate) ON (candidate.status)
