// Sets an organization's profile: where it may act and what it may do (a field left null keeps its value).
// Returns nothing when there is no such organization. Parameters: $name, $jurisdictions, $actions, $now.
MATCH (organization:Organization {name: $name})
SET organization.jurisdictions = coalesce($jurisdictions, organization.jurisdictions),
    organization.actions = coalesce($actions, organization.actions),
    organization.profile_updated_at = $now
RETURN organization.name AS name, coalesce(organization.jurisdictions, []) AS jurisdictions,
       coalesce(organization.actions, []) AS actions, organization.profile_updated_at AS updated_at
