// One assertion per organization and entity, merged on "<entity id>|<organization>". No parameters.
CREATE CONSTRAINT entity_assertion_key_unique IF NOT EXISTS
FOR (claim:EntityAssertion) REQUIRE claim.key IS UNIQUE
