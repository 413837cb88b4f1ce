// Upserts relationships and the caller's claim about each. write/relationship_sharing_refresh runs after it.
// Parameters: $rows [{key, type, source, target, assertion_id, claim}], $organization, $now.
UNWIND $rows AS row
MATCH (source:Entity {id: row.source})
MATCH (target:Entity {id: row.target})
MERGE (source)-[relationship:$(row.type) {key: row.key}]->(target)
  ON CREATE SET relationship.created_at = $now
MERGE (claim:RelationshipAssertion:Assertion {key: row.key + '|' + $organization})
  ON CREATE SET claim.id = row.assertion_id, claim.organization = $organization, claim.recorded_at = $now,
                claim.rel_key = row.key, claim.type = row.type, claim.source = row.source, claim.target = row.target
SET claim += row.claim, claim.updated_at = $now
RETURN count(*) AS relationships
