// Saves a new investigation of an organization. Parameters: $id, $organization, $name, $share_with, $entity_ids,
// $body (JSON of positions, filters, notes and analyses), $now.
CREATE (investigation:Investigation {
  id: $id, organization: $organization, name: $name, share_with: $share_with, entity_ids: $entity_ids,
  body: $body, created_at: $now, updated_at: $now
})
RETURN investigation.id AS id
