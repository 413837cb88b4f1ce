// Organizations are merged and looked up by name. No parameters.
CREATE CONSTRAINT organization_name_unique IF NOT EXISTS
FOR (organization:Organization) REQUIRE organization.name IS UNIQUE
