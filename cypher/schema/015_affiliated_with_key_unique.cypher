// AFFILIATED_WITH relationships are merged on their key "AFFILIATED_WITH|<source id>|<target id>". No parameters.
CREATE CONSTRAINT affiliated_with_key_unique IF NOT EXISTS
FOR ()-[relationship:AFFILIATED_WITH]-() REQUIRE relationship.key IS UNIQUE
