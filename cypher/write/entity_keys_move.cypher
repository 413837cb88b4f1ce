// Points every resolution key of the merged entity at the survivor. Parameters: $source, $into.
MATCH (key:EntityKey {entity_id: $source})
SET key.entity_id = $into
RETURN count(key) AS moved
