// Deletes an organization's own investigation; returns how many were deleted (0 or 1).
// Parameters: $id, $organization.
OPTIONAL MATCH (investigation:Investigation {id: $id, organization: $organization})
DETACH DELETE investigation
RETURN count(investigation) AS deleted
