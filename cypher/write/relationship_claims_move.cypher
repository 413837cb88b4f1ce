// Points the claims of moved relationships at their new relationship. Each claim keeps its key (the ends it was
// made against), so two organizations' claims, or one's two claims, sit side by side on one relationship.
// Parameters: $moves [{old_key, new_key, new_source, new_target}].
UNWIND $moves AS move
MATCH (claim:RelationshipAssertion {rel_key: move.old_key})
SET claim.made_source = coalesce(claim.made_source, claim.source),
    claim.made_target = coalesce(claim.made_target, claim.target),
    claim.rel_key = move.new_key, claim.source = move.new_source, claim.target = move.new_target
RETURN count(*) AS moved
