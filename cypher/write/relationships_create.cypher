// Creates relationships that read/relationship_keys_lookup found absent, each with the caller's one claim: the
// bulk path, with no MERGE to search for what cannot exist. The per-claim arrays and the sharing summary are
// what write/relationships_upsert would set for a first claim (Python fills them; the validity arrays come from
// the claim's own dates, the costliest values to send twice). A concurrent writer cannot slip one in between:
// the graph-version lock is held from before the look-up, and the key constraints would refuse a duplicate.
// Every property is named in the CREATE, not SET from the row's maps: with unknown keys the planner must assume a
// conflict with the entity look-ups and buffers all rows three times (Eager); named, the whole write is one CREATE
// (EXPLAIN). tests/integration/test_bulk_create_path.py holds the result to what the upsert writes.
// Parameters: $rows [{type, source, target, relationship: {key, a_org, a_vis, a_conf, vis_all, vis_orgs,
// claim_count}, claim: {key, id, rel_key, type, source, target, made_source, made_target, confidence, tlp,
// share_with, references, first_seen, last_seen, description, amount, currency, attributes}}] (absent values may be
// left out), $organization, $now.
UNWIND $rows AS row
MATCH (source:Entity {id: row.source})
MATCH (target:Entity {id: row.target})
CREATE (source)-[relationship:$(row.type) {
  key: row.relationship.key, a_org: row.relationship.a_org, a_vis: row.relationship.a_vis,
  a_conf: row.relationship.a_conf, vis_all: row.relationship.vis_all, vis_orgs: row.relationship.vis_orgs,
  claim_count: row.relationship.claim_count, created_at: $now,
  a_first: [coalesce(row.claim.first_seen, date('0001-01-01'))],
  a_last: [coalesce(row.claim.last_seen, date('9999-12-31'))]
}]->(target)
CREATE (claim:RelationshipAssertion:Assertion {
  key: row.claim.key, id: row.claim.id, rel_key: row.claim.rel_key, type: row.claim.type,
  source: row.claim.source, target: row.claim.target, made_source: row.claim.made_source,
  made_target: row.claim.made_target, confidence: row.claim.confidence, tlp: row.claim.tlp,
  share_with: row.claim.share_with, references: row.claim.references, first_seen: row.claim.first_seen,
  last_seen: row.claim.last_seen, description: row.claim.description, amount: row.claim.amount,
  currency: row.claim.currency, attributes: row.claim.attributes,
  organization: $organization, recorded_at: $now, updated_at: $now
})
RETURN count(*) AS created
