// OPERATES relationships are merged on their key "OPERATES|<source id>|<target id>". No parameters.
CREATE CONSTRAINT operates_key_unique IF NOT EXISTS
FOR ()-[relationship:OPERATES]-() REQUIRE relationship.key IS UNIQUE
