// Candidates are addressed by id in the API.
CREATE CONSTRAINT candidate_id_unique IF NOT EXISTS
FOR (candidate:Candidate) REQUIRE candidate.id IS UNIQUE
