// Moves claims onto the surviving entity of a merge. An organization that claimed both keeps one claim: the
// survivor's, which gains the other's names as aliases and its references. Parameters: $claim_ids, $into.
UNWIND $claim_ids AS claim_id
MATCH (claim:EntityAssertion {id: claim_id})
MATCH (into:Entity {id: $into})
OPTIONAL MATCH (existing:EntityAssertion {key: $into + '|' + claim.organization})
CALL (claim, existing, into) {
  WITH claim, existing, into WHERE existing IS NULL
  MATCH (claim)-[about:ABOUT]->()
  DELETE about
  CREATE (claim)-[:ABOUT]->(into)
  SET claim.key = into.id + '|' + claim.organization, claim.entity_id = into.id
}
CALL (claim, existing) {
  WITH claim, existing WHERE existing IS NOT NULL
  WITH claim, existing,
       reduce(seen = [], n IN coalesce(existing.aliases, []) + [claim.name] + coalesce(claim.aliases, []) |
              CASE WHEN n = existing.name OR n IN seen THEN seen ELSE seen + n END) AS aliases
  SET existing.aliases = aliases,
      existing.names = [existing.name] + aliases,
      existing.references = reduce(seen = [], r IN coalesce(existing.references, []) + coalesce(claim.references, []) |
                                   CASE WHEN r IN seen THEN seen ELSE seen + r END)
  DETACH DELETE claim
}
RETURN count(*) AS moved
