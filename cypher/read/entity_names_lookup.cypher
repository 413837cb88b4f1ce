// The claims the caller may see that give each name (kind-scoped, folded), with the entity each is about and
// whether the name is the claim's primary one. Hidden claims never answer: they cannot steer resolution.
// Parameters: $keys, $organization, $community_tlps.
UNWIND $keys AS lookup
MATCH (:Name {key: lookup})<-[named:NAMED]-(claim:EntityAssertion)
WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
RETURN lookup AS key, claim.entity_id AS entity_id, named.primary AS primary, claim.key AS claim_key
