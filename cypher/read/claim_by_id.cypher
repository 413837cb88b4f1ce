// One claim by id: who made it, whether the caller may see it, and what it is about.
// Parameters: $id, $organization, $community_tlps.
MATCH (claim:Assertion {id: $id})
RETURN claim.id AS id, claim.organization AS organization,
       (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
         AS visible,
       claim.entity_id AS entity_id, claim.rel_key AS rel_key, claim.source AS source, claim.target AS target
