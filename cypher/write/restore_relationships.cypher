// Creates one batch of a backup's relationships between nodes restored before (found by element id).
// Parameters: $rows [{start, end, type, properties}], start and end being element ids.
UNWIND $rows AS row
MATCH (start) WHERE elementId(start) = row.start
MATCH (end) WHERE elementId(end) = row.end
CREATE (start)-[relationship:$(row.type)]->(end)
SET relationship = row.properties
RETURN count(relationship) AS created
