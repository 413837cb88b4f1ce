// Moves claims onto the surviving entity of a merge, each intact: its key, id, organization, TLP, names and
// references stay; only the entity it is about changes. Parameters: $claim_ids, $into.
UNWIND $claim_ids AS claim_id
MATCH (claim:EntityAssertion {id: claim_id})
MATCH (into:Entity {id: $into})
OPTIONAL MATCH (claim)-[about:ABOUT]->()
DELETE about
WITH DISTINCT claim, into
CREATE (claim)-[:ABOUT]->(into)
SET claim.entity_id = into.id
RETURN count(*) AS moved
