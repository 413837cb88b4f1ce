// Finds every resolution key of an entity, to move them when the entity is merged into another. No parameters.
CREATE INDEX entity_key_entity_id IF NOT EXISTS
FOR (key:EntityKey) ON (key.entity_id)
