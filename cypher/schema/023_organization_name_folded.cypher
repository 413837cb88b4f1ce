// Migration, before the constraint below: organizations registered before names were unique regardless of case
// get their folded name. If two of them differ only in case, the constraint below fails at start-up, naming both:
// rename one (and its share_with mentions) first. No parameters.
MATCH (organization:Organization)
WHERE organization.name_folded IS NULL
SET organization.name_folded = toLower(organization.name)
