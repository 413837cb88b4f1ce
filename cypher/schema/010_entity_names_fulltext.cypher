// Full-text search over the names and aliases each assertion gives an entity (filtered by sharing at query time,
// so that an alias only a RED claim carries is never found by others). No parameters.
CREATE FULLTEXT INDEX entity_names IF NOT EXISTS
FOR (claim:EntityAssertion) ON EACH [claim.names]
