// One entity by its id or another id it was given, if the caller may see it there: by the entity's own id when
// any claim on it is visible, by another id (an external id, or the id of an entity merged into it) only when a
// visible claim was made against that id. Returns the visible claims (oldest first), the merged ids that visible
// claims were made against, and the number of visible relationships to visible entities, by type.
// Parameters: $id, $kinds (every kind: ids are keyed per kind), $organization, $community_tlps.
UNWIND $kinds AS kind
MATCH (key:EntityKey {key: 'id:' + kind + ':' + $id})
MATCH (entity:Entity {id: key.entity_id})
WHERE (entity.vis_all OR $organization IN entity.vis_orgs)
  AND (entity.id = $id OR EXISTS {
    MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
    WHERE (claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with)
      AND key.key IN claim.strong_keys
  })
WITH entity ORDER BY entity.id = $id DESC, entity.kind
LIMIT 1
CALL (entity) {
  MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
  WHERE claim.tlp IN $community_tlps OR claim.organization = $organization OR $organization IN claim.share_with
  WITH claim ORDER BY claim.recorded_at, claim.organization, claim.key
  RETURN collect(claim {.*}) AS claims
}
CALL (entity) {
  OPTIONAL MATCH (entity)-[relationship]-(other:Entity)
  WHERE relationship.claim_count > 0
    AND (relationship.vis_all OR $organization IN relationship.vis_orgs)
    AND (other.vis_all OR $organization IN other.vis_orgs)
  WITH type(relationship) AS type, count(relationship) AS total
  WHERE type IS NOT NULL
  RETURN collect({type: type, count: total}) AS relationship_counts
}
WITH entity, claims, relationship_counts,
     reduce(keys = [], claim IN claims | keys + coalesce(claim.strong_keys, [])) AS visible_keys
RETURN entity.id AS id, entity.kind AS kind,
       [merged IN coalesce(entity.merged_ids, []) WHERE 'id:' + entity.kind + ':' + merged IN visible_keys]
         AS merged_ids,
       claims, relationship_counts
