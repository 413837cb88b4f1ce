// Which of the given relationship keys are stored. A stored relationship always holds at least one claim (the
// last retraction deletes it), so its claims' rel_key index answers without expanding the ends' degrees.
// Parameters: $keys.
UNWIND $keys AS lookup
MATCH (claim:RelationshipAssertion {rel_key: lookup})
RETURN DISTINCT lookup AS key
