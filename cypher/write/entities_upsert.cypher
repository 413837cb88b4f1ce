// Upserts entities, the caller's claims about them (one per id the claim was made against: its anchor, which no
// merge or split changes), the names each claim gives, and the strong keys each entity newly holds (a key keeps
// the entity it first identified). Returns whether each claim existed. write/entity_sharing_refresh runs after it,
// except for a new entity of one claim: its sharing summary is the claim's own, given as row.summary (else null),
// with the CommunityVisible label that mirrors vis_all (see write/entity_sharing_refresh).
// Parameters: $rows [{id, label, kind, name, keys, claim_key, anchor, assertion_id, claim, names [{key, primary}],
// summary}], $organization, $now.
UNWIND $rows AS row
MERGE (entity:Entity {id: row.id})
  ON CREATE SET entity.kind = row.kind, entity.name = row.name, entity.created_at = $now,
                entity += coalesce(row.summary, {}),
                entity:$(CASE WHEN row.summary.vis_all THEN ['CommunityVisible'] ELSE [] END)
SET entity:$(row.label)
FOREACH (lookup IN row.keys |
  MERGE (key:EntityKey {key: lookup}) ON CREATE SET key.entity_id = row.id
)
WITH row, entity
OPTIONAL MATCH (existing:EntityAssertion {key: row.claim_key})
WITH row, entity, existing IS NOT NULL AS existed
MERGE (claim:EntityAssertion:Assertion {key: row.claim_key})
  ON CREATE SET claim.id = row.assertion_id, claim.organization = $organization, claim.recorded_at = $now,
                claim.entity_id = row.id, claim.anchor = row.anchor
SET claim += row.claim, claim.updated_at = $now
MERGE (claim)-[:ABOUT]->(entity)
WITH row, claim, existed
CALL (claim) {
  OPTIONAL MATCH (claim)-[named:NAMED]->(:Name)
  DELETE named
}
CALL (claim, row) {
  UNWIND row.names AS name
  MERGE (node:Name {key: name.key})
  CREATE (claim)-[:NAMED {primary: name.primary}]->(node)
}
RETURN row.claim_key AS claim_key, existed
