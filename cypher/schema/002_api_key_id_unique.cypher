// API keys are found by their public key id on every request. No parameters.
CREATE CONSTRAINT api_key_id_unique IF NOT EXISTS
FOR (key:ApiKey) REQUIRE key.key_id IS UNIQUE
