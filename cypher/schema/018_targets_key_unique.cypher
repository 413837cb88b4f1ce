// TARGETS relationships are merged on their key "TARGETS|<source id>|<target id>". No parameters.
CREATE CONSTRAINT targets_key_unique IF NOT EXISTS
FOR ()-[relationship:TARGETS]-() REQUIRE relationship.key IS UNIQUE
