// Resolution keys (external ids, kind-scoped normalized names) each identify one entity. No parameters.
CREATE CONSTRAINT entity_key_unique IF NOT EXISTS
FOR (key:EntityKey) REQUIRE key.key IS UNIQUE
