// The relationship claims a split must re-place: those on the survivor's relationships and those the merge folded,
// each with the ends it was made against resolved to the entities they now name.
// Parameters: $into, $merge_id.
MATCH (into:Entity {id: $into})
CALL (into) {
  MATCH (into)-[relationship]-(:Entity)
  MATCH (claim:RelationshipAssertion {rel_key: relationship.key})
  RETURN claim
  UNION
  MATCH (claim:RelationshipAssertion {folded_by: $merge_id})
  RETURN claim
}
WITH DISTINCT claim
MATCH (source:Entity {id: claim.source})
MATCH (target:Entity {id: claim.target})
OPTIONAL MATCH (made_source:EntityKey {key: 'id:' + source.kind + ':' + coalesce(claim.made_source, claim.source)})
OPTIONAL MATCH (made_target:EntityKey {key: 'id:' + target.kind + ':' + coalesce(claim.made_target, claim.target)})
RETURN claim.id AS id, claim.type AS type, claim.rel_key AS old_key,
       coalesce(made_source.entity_id, claim.source) AS new_source,
       coalesce(made_target.entity_id, claim.target) AS new_target
