// Deletes every node and relationship, in batches so that a large graph does not need one huge transaction.
// For tests and `atlas-graph reset` only. No parameters.
MATCH (node)
CALL (node) { DETACH DELETE node } IN TRANSACTIONS OF 10000 ROWS
