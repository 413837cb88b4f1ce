// Same-as candidates are found by their pair of entity ids ("a|b", a < b).
CREATE CONSTRAINT candidate_pair_unique IF NOT EXISTS
FOR (candidate:Candidate) REQUIRE candidate.pair IS UNIQUE
