// PAYS relationships are merged on their key "PAYS|<source id>|<target id>". No parameters.
CREATE CONSTRAINT pays_key_unique IF NOT EXISTS
FOR ()-[relationship:PAYS]-() REQUIRE relationship.key IS UNIQUE
