// Upserts entities, the caller's claim about each, and their resolution keys (a key keeps the entity it first
// identified). write/entity_sharing_refresh runs after it.
// Parameters: $rows [{id, label, kind, name, keys, assertion_id, claim}], $organization, $now.
UNWIND $rows AS row
MERGE (entity:Entity {id: row.id})
  ON CREATE SET entity.kind = row.kind, entity.name = row.name, entity.created_at = $now
SET entity:$(row.label)
MERGE (claim:EntityAssertion:Assertion {key: row.id + '|' + $organization})
  ON CREATE SET claim.id = row.assertion_id, claim.organization = $organization, claim.recorded_at = $now,
                claim.entity_id = row.id
SET claim += row.claim, claim.updated_at = $now
MERGE (claim)-[:ABOUT]->(entity)
FOREACH (lookup IN row.keys |
  MERGE (key:EntityKey {key: lookup}) ON CREATE SET key.entity_id = row.id
)
RETURN count(*) AS entities
