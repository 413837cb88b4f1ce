// Deletes one claim of the given organization (nobody else's) and says what it was about and who could see it.
// Parameters: $id, $organization.
MATCH (claim:Assertion {id: $id})
WHERE claim.organization = $organization
WITH claim, claim.entity_id AS entity_id, claim.rel_key AS rel_key, claim.source AS source, claim.target AS target,
     claim.tlp AS tlp, coalesce(claim.share_with, []) AS share_with
DETACH DELETE claim
RETURN entity_id, rel_key, source, target, tlp, share_with
