// One page of the entities the caller may see, community-visible names first in name order, then by id.
// Parameters: $kind (or null), $skip, $limit, $organization.
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs) AND ($kind IS NULL OR entity.kind = $kind)
RETURN entity.id AS id, null AS score
ORDER BY entity.public_name IS NULL, entity.public_name, entity.id
SKIP $skip LIMIT $limit
