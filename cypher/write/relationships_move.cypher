// Re-creates relationships of a merged entity on the survivor (merging into one it may already have) and
// deletes the old ones. Parameters: $moves [{old_key, old_source, old_target, type, new_key, new_source,
// new_target}], $now.
UNWIND $moves AS move
MATCH (:Entity {id: move.old_source})-[old {key: move.old_key}]->(:Entity {id: move.old_target})
MATCH (new_source:Entity {id: move.new_source})
MATCH (new_target:Entity {id: move.new_target})
MERGE (new_source)-[moved:$(move.type) {key: move.new_key}]->(new_target)
  ON CREATE SET moved.created_at = coalesce(old.created_at, $now)
DELETE old
RETURN count(*) AS moved
