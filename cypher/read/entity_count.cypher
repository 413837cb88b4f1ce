// How many entities the caller may see, optionally of one kind. Parameters: $kind (or null), $organization.
MATCH (entity:Entity)
WHERE (entity.vis_all OR $organization IN entity.vis_orgs) AND ($kind IS NULL OR entity.kind = $kind)
RETURN count(entity) AS total
