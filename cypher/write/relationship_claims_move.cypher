// Moves the claims of moved relationships to their new keys. An organization that claimed both the old and an
// existing new relationship keeps one claim: the existing one, which gains the other's references.
// Parameters: $moves [{old_key, new_key, new_source, new_target}].
UNWIND $moves AS move
MATCH (claim:RelationshipAssertion {rel_key: move.old_key})
OPTIONAL MATCH (existing:RelationshipAssertion {key: move.new_key + '|' + claim.organization})
CALL (claim, existing, move) {
  WITH claim, existing, move WHERE existing IS NULL
  SET claim.rel_key = move.new_key, claim.key = move.new_key + '|' + claim.organization,
      claim.source = move.new_source, claim.target = move.new_target
}
CALL (claim, existing) {
  WITH claim, existing WHERE existing IS NOT NULL
  SET existing.references = reduce(seen = [], r IN coalesce(existing.references, []) + coalesce(claim.references, []) |
                                   CASE WHEN r IN seen THEN seen ELSE seen + r END)
  DETACH DELETE claim
}
RETURN count(*) AS moved
