// Whether an organization has any claim on an entity (visible to others or not): who may split it.
// Parameters: $id, $organization.
MATCH (entity:Entity {id: $id})
RETURN EXISTS {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity) WHERE claim.organization = $organization
} AS claimed
