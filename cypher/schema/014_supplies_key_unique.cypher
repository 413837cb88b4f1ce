// SUPPLIES relationships are merged on their key "SUPPLIES|<source id>|<target id>". No parameters.
CREATE CONSTRAINT supplies_key_unique IF NOT EXISTS
FOR ()-[relationship:SUPPLIES]-() REQUIRE relationship.key IS UNIQUE
