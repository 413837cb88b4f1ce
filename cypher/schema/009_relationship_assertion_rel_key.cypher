// Finds every assertion behind one relationship, to refresh its sharing summary and show its evidence. No parameters.
CREATE INDEX relationship_assertion_rel_key IF NOT EXISTS
FOR (claim:RelationshipAssertion) ON (claim.rel_key)
