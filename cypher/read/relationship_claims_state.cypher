// For each relationship key, whether the caller already claims it and whether any claim is visible to the caller.
// Parameters: $keys, $organization, $community_tlps.
UNWIND $keys AS relationship_key
OPTIONAL MATCH (claim:RelationshipAssertion {rel_key: relationship_key})
WITH relationship_key, collect(claim) AS claims
RETURN relationship_key AS key,
       any(c IN claims WHERE c.organization = $organization) AS own_claim,
       any(c IN claims WHERE c.tlp IN $community_tlps OR c.organization = $organization
                             OR $organization IN c.share_with) AS visible
