// How many entities are stored, whoever may see them (for deciding whether to load the demo). No parameters.
MATCH (entity:Entity)
RETURN count(entity) AS total
