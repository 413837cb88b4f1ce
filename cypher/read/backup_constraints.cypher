// The database's constraints, recorded in a backup's header for the operator to compare. No parameters.
SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties
RETURN name, type, labelsOrTypes, properties
ORDER BY name
