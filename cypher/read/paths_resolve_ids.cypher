// The entities a path search names (its ends, and the entities it must avoid), resolved as entity_by_id.cypher
// resolves one id: by an entity's own id when the caller may see it, by another id (an external id, or the id of an
// entity merged into it) only when a visible claim was made against that id. An id that names nothing the caller
// may see gives no row, exactly like an id that names nothing. Parameters: $ids, $kinds (every kind),
// $organization, $community_tlps.
UNWIND range(0, size($ids) - 1) AS position
UNWIND $kinds AS kind
MATCH (key:EntityKey {key: 'id:' + kind + ':' + $ids[position]})
MATCH (entity:Entity {id: key.entity_id})
WHERE (entity.vis_all OR $organization IN entity.vis_orgs)
  AND (entity.id = $ids[position] OR EXISTS {
    MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
    WHERE (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
      AND key.key IN claim.strong_keys
  })
WITH position, entity ORDER BY position, entity.id = $ids[position] DESC, entity.kind
WITH position, collect(entity.id)[0] AS id
RETURN position, id
