// The investigations of the caller's organization and those shared with it, latest change first, with how many
// of their entities the caller may see. Parameters: $organization, $limit.
MATCH (investigation:Investigation)
WHERE investigation.organization = $organization OR $organization IN investigation.share_with
RETURN investigation {.id, .organization, .name, .share_with, .created_at, .updated_at} AS investigation, COUNT {
  MATCH (entity:Entity)
  WHERE entity.id IN investigation.entity_ids AND (entity.vis_all OR $organization IN entity.vis_orgs)
} AS entity_count
ORDER BY investigation.updated_at DESC, investigation.id
LIMIT $limit
