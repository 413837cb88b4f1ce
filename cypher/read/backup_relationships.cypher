// Every relationship, whatever its type, with its ends and all its properties: the other half of a backup.
// No parameters.
MATCH (start)-[relationship]->(end)
RETURN elementId(start) AS start, elementId(end) AS end, type(relationship) AS type,
       properties(relationship) AS properties
