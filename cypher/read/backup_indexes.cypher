// The database's indexes (those backing constraints included), recorded in a backup's header. No parameters.
SHOW INDEXES YIELD name, type, labelsOrTypes, properties, owningConstraint
RETURN name, type, labelsOrTypes, properties, owningConstraint
ORDER BY name
