// The registered spelling of each organization name given in any case (names are unique regardless of case).
// Parameters: $folded (names lower-cased, as toLower folds them).
UNWIND $folded AS folded
MATCH (organization:Organization {name_folded: folded})
RETURN folded, organization.name AS name
