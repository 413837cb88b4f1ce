// Listing and counting entities of one kind. No parameters.
CREATE INDEX entity_kind IF NOT EXISTS
FOR (entity:Entity) ON (entity.kind)
