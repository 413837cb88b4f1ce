// LAUNDERS_FOR relationships are merged on their key "LAUNDERS_FOR|<source id>|<target id>". No parameters.
CREATE CONSTRAINT launders_for_key_unique IF NOT EXISTS
FOR ()-[relationship:LAUNDERS_FOR]-() REQUIRE relationship.key IS UNIQUE
