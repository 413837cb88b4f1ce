// Blocks until every index is online, or fails after $timeout seconds. Parameters: $timeout.
CALL db.awaitIndexes($timeout)
