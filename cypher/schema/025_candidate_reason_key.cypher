// A candidate's reason is one node per pair, reason and value.
CREATE CONSTRAINT candidate_reason_key_unique IF NOT EXISTS
FOR (reason:CandidateReason) REQUIRE reason.key IS UNIQUE
