// How many relationships there are of each type of the database, for the operator's storage report. No parameters.
CALL db.relationshipTypes() YIELD relationshipType
RETURN relationshipType AS type, COUNT { MATCH ()-[relationship:$(relationshipType)]->() } AS count
ORDER BY type
