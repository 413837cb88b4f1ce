// USES relationships are merged on their key "USES|<source id>|<target id>". No parameters.
CREATE CONSTRAINT uses_key_unique IF NOT EXISTS
FOR ()-[relationship:USES]-() REQUIRE relationship.key IS UNIQUE
