// One assertion per organization and relationship, merged on "<relationship key>|<organization>". No parameters.
CREATE CONSTRAINT relationship_assertion_key_unique IF NOT EXISTS
FOR (claim:RelationshipAssertion) REQUIRE claim.key IS UNIQUE
