// The organizations that have a profile (where they may act, what they may do), by name. No parameters.
MATCH (organization:Organization)
WHERE organization.profile_updated_at IS NOT NULL
RETURN organization.name AS name, coalesce(organization.jurisdictions, []) AS jurisdictions,
       coalesce(organization.actions, []) AS actions, organization.profile_updated_at AS updated_at
ORDER BY name
