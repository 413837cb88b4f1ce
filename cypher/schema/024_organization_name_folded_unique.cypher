// Organization names are unique regardless of case: "partner" is "Partner", never a second member. No parameters.
CREATE CONSTRAINT organization_name_folded_unique IF NOT EXISTS
FOR (organization:Organization) REQUIRE organization.name_folded IS UNIQUE
