// Undoes a merge's move of the entity and its claims: recreates the merged entity's node as it was, gives it back
// its keys and the claims made against them (claims made since against its ids too), and gives the survivor back
// its merged ids. Returns how many claims went back. Parameters: $merge_id, $label, $now, $organization, $key_id.
// No row when the merge was split, or its survivor merged away, by a request that took the write lock first.
MATCH (merge:MergeRecord {id: $merge_id}) WHERE merge.split_at IS NULL
MATCH (into:Entity {id: merge.into})
CREATE (restored:Entity {id: merge.source, kind: merge.source_kind, name: merge.source_name,
                         created_at: merge.source_created_at})
SET restored:$($label),
    restored.merged_ids = CASE WHEN size(merge.source_merged_ids) > 0 THEN merge.source_merged_ids END,
    into.merged_ids = [m IN coalesce(into.merged_ids, []) WHERE NOT m IN [merge.source] + merge.source_merged_ids],
    merge.split_at = $now, merge.split_by = $organization, merge.split_key_id = $key_id
WITH merge, into, restored
CALL (merge, into) {
  MATCH (key:EntityKey {entity_id: into.id}) WHERE key.key IN merge.source_keys
  SET key.entity_id = merge.source
}
WITH merge, into, restored
CALL (merge, into, restored) {
  MATCH (claim:EntityAssertion)-[about:ABOUT]->(into)
  WHERE 'id:' + into.kind + ':' + claim.anchor IN merge.source_keys
  DELETE about
  CREATE (claim)-[:ABOUT]->(restored)
  SET claim.entity_id = restored.id
  RETURN collect(claim.id) AS claim_ids
}
SET into.merged_ids = CASE WHEN size(into.merged_ids) > 0 THEN into.merged_ids END
RETURN claim_ids
