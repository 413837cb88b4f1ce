// Deletes relationships, and every claim about them, that a merge would turn into self-loops.
// Parameters: $rows [{key, source, target}].
UNWIND $rows AS row
MATCH (:Entity {id: row.source})-[relationship {key: row.key}]->(:Entity {id: row.target})
OPTIONAL MATCH (claim:RelationshipAssertion {rel_key: row.key})
DETACH DELETE claim
WITH DISTINCT relationship
DELETE relationship
RETURN count(*) AS dropped
