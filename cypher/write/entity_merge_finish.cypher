// Records the merge with what a split needs to undo it (the merged entity's node, its keys, the survivor's merged
// ids before), keeps the merged id on the survivor, and deletes the merged node.
// Parameters: $source, $into, $merge_id, $organization, $key_id, $now, $source_keys, $moved_claims,
// $moved_relationships, $folded_relationships.
MATCH (source:Entity {id: $source})
MATCH (into:Entity {id: $into})
CREATE (:MergeRecord {
  id: $merge_id, source: $source, into: $into, organization: $organization, key_id: $key_id, at: $now,
  source_kind: source.kind, source_name: source.name, source_created_at: source.created_at,
  source_merged_ids: coalesce(source.merged_ids, []), into_merged_ids: coalesce(into.merged_ids, []),
  source_keys: $source_keys, moved_claims: $moved_claims, moved_relationships: $moved_relationships,
  dropped_relationships: $folded_relationships
})
SET into.merged_ids = coalesce(into.merged_ids, []) + [source.id] + coalesce(source.merged_ids, [])
DETACH DELETE source
RETURN into.merged_ids AS merged_ids
