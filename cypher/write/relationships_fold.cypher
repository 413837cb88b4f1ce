// A merge makes relationships between its two entities self-loops: their claims are kept, intact, marked with the
// merge that folded them (a split brings them back), and the relationship itself is deleted.
// Parameters: $rows [{key, source, target}], $merge_id, $into.
UNWIND $rows AS row
MATCH (:Entity {id: row.source})-[relationship {key: row.key}]->(:Entity {id: row.target})
CALL (relationship, row) {
  OPTIONAL MATCH (claim:RelationshipAssertion {rel_key: row.key})
  WITH claim WHERE claim IS NOT NULL
  SET claim.made_source = coalesce(claim.made_source, claim.source),
      claim.made_target = coalesce(claim.made_target, claim.target),
      claim.folded_key = claim.rel_key, claim.folded_by = $merge_id,
      claim.source = $into, claim.target = $into
  REMOVE claim.rel_key
}
DELETE relationship
RETURN count(*) AS folded
