// Assertions are retracted by id. No parameters.
CREATE CONSTRAINT assertion_id_unique IF NOT EXISTS
FOR (claim:Assertion) REQUIRE claim.id IS UNIQUE
