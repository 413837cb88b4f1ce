// Relationship claims a merge folded (their two ends became one entity) are found again by that merge at a split.
CREATE INDEX relationship_assertion_folded_by IF NOT EXISTS
FOR (claim:RelationshipAssertion) ON (claim.folded_by)
