// A name (kind-scoped, folded) is one node, which the claims that give it point at.
CREATE CONSTRAINT name_key_unique IF NOT EXISTS
FOR (name:Name) REQUIRE name.key IS UNIQUE
