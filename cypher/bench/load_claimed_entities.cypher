// Load test only: the entities an organization has claimed, with how many claims it holds on each (one expected).
// Parameters: $organization.
MATCH (claim:EntityAssertion {organization: $organization})-[:ABOUT]->(entity:Entity)
RETURN entity.id AS id, count(claim) AS claims
