// Creates relationships that read/relationship_keys_lookup found absent, each with the caller's one claim: the
// bulk path, with no MERGE to search for what cannot exist. The per-claim arrays and the sharing summary are
// what write/relationships_upsert would set for a first claim (Python fills them; the validity arrays come from
// the claim's own dates, the costliest values to send twice). A concurrent writer cannot slip one in between:
// the graph-version lock is held from before the look-up, and the key constraints would refuse a duplicate.
// Parameters: $rows [{type, source, target, relationship: {...}, claim: {...}}], $organization, $now.
UNWIND $rows AS row
MATCH (source:Entity {id: row.source})
MATCH (target:Entity {id: row.target})
CREATE (source)-[relationship:$(row.type)]->(target)
SET relationship = row.relationship, relationship.created_at = $now,
    relationship.a_first = [coalesce(row.claim.first_seen, date('0001-01-01'))],
    relationship.a_last = [coalesce(row.claim.last_seen, date('9999-12-31'))]
CREATE (claim:RelationshipAssertion:Assertion)
SET claim = row.claim, claim.organization = $organization, claim.recorded_at = $now, claim.updated_at = $now
RETURN count(*) AS created
