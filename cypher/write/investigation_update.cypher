// Replaces what an organization's own investigation holds. Returns its id, or no row when the organization has no
// investigation of that id. Parameters: $id, $organization, $name, $share_with, $entity_ids, $body, $now.
MATCH (investigation:Investigation {id: $id, organization: $organization})
SET investigation.name = $name, investigation.share_with = $share_with, investigation.entity_ids = $entity_ids,
    investigation.body = $body, investigation.updated_at = $now
RETURN investigation.id AS id
