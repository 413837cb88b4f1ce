// How many nodes carry each label of the database, for the operator's storage report. No parameters.
CALL db.labels() YIELD label
RETURN label, COUNT { MATCH (node:$(label)) } AS count
ORDER BY label
