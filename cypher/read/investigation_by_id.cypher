// One investigation, if it is the caller's organization's or shared with it, with the ids of its entities the
// caller may see (in the order saved). Parameters: $id, $organization.
MATCH (investigation:Investigation {id: $id})
WHERE investigation.organization = $organization OR $organization IN investigation.share_with
RETURN investigation {.*} AS investigation, COLLECT {
  UNWIND range(0, size(investigation.entity_ids) - 1) AS position
  MATCH (entity:Entity {id: investigation.entity_ids[position]})
  WHERE entity.vis_all OR $organization IN entity.vis_orgs
  RETURN entity.id ORDER BY position
} AS visible_ids
