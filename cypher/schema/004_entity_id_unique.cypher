// Entities are merged on their id. No parameters.
CREATE CONSTRAINT entity_id_unique IF NOT EXISTS
FOR (entity:Entity) REQUIRE entity.id IS UNIQUE
