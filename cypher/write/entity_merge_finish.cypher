// Records the merge, keeps the merged id on the survivor, and deletes the merged node.
// Parameters: $source, $into, $merge_id, $organization, $key_id, $now, $moved_claims, $moved_relationships,
// $dropped_relationships.
MATCH (source:Entity {id: $source})
MATCH (into:Entity {id: $into})
SET into.merged_ids = coalesce(into.merged_ids, []) + [source.id] + coalesce(source.merged_ids, [])
CREATE (:MergeRecord {
  id: $merge_id, source: $source, into: $into, organization: $organization, key_id: $key_id, at: $now,
  source_kind: source.kind, moved_claims: $moved_claims, moved_relationships: $moved_relationships,
  dropped_relationships: $dropped_relationships
})
DETACH DELETE source
RETURN into.merged_ids AS merged_ids
