// Puts relationship claims back on the relationships between the entities their ends now name (creating those
// that do not exist); a claim whose ends name one entity stays folded. Parameters: $moves [{id, type, new_key,
// new_source, new_target}], $now.
UNWIND $moves AS move
MATCH (claim:RelationshipAssertion {id: move.id})
MATCH (source:Entity {id: move.new_source})
MATCH (target:Entity {id: move.new_target})
MERGE (source)-[relationship:$(move.type) {key: move.new_key}]->(target)
  ON CREATE SET relationship.created_at = $now, relationship.claim_count = 0
SET claim.rel_key = move.new_key, claim.source = move.new_source, claim.target = move.new_target
REMOVE claim.folded_by, claim.folded_key
RETURN count(*) AS replaced
