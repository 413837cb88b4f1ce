// The claims behind each relationship key that the caller may see and that pass the filters, oldest first.
// Parameters: $keys, $min_confidence, $as_of (or null), $organization, $community_tlps.
UNWIND $keys AS relationship_key
MATCH (claim:RelationshipAssertion {rel_key: relationship_key})
WHERE (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
  AND claim.confidence >= $min_confidence
  AND ($as_of IS NULL OR ((claim.first_seen IS NULL OR claim.first_seen <= $as_of)
                          AND (claim.last_seen IS NULL OR $as_of <= claim.last_seen)))
WITH relationship_key, claim ORDER BY claim.recorded_at, claim.organization, claim.key
RETURN relationship_key AS key, collect(claim {.*}) AS claims
