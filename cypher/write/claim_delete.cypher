// Deletes one claim of the given organization (nobody else's) and says what it was about.
// Parameters: $id, $organization.
MATCH (claim:Assertion {id: $id})
WHERE claim.organization = $organization
WITH claim, claim.entity_id AS entity_id, claim.rel_key AS rel_key, claim.source AS source, claim.target AS target
DETACH DELETE claim
RETURN entity_id, rel_key, source, target
