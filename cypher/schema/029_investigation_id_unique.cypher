// Investigations are addressed by id in the API.
CREATE CONSTRAINT investigation_id_unique IF NOT EXISTS
FOR (investigation:Investigation) REQUIRE investigation.id IS UNIQUE
