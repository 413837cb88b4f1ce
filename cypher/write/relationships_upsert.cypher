// Upserts relationships and the caller's claim about each, and keeps each relationship's per-claim arrays and
// sharing summary current in the same pass (a_org; a_vis: '*' for a community-visible claim, else
// '|org|shared-with|...|'; a_conf; a_first/a_last with open ends as far dates; vis_all; vis_orgs). Returns, per
// row, whether the caller had claimed it, whether the caller could see any claim before this write, and whether
// the caller holds several claims on it (made against ends a merge has since joined), whose arrays the writer
// then recomputes.
// One MERGE per relationship type, each with its type written out: only a static type lets MERGE find the
// relationship through the type's key constraint instead of expanding the (possibly huge) degree of its ends.
// Parameters: $rows [{key, type, source, target, assertion_id, claim, token, first, last}], $organization,
// $organization_token, $now.
UNWIND $rows AS row
MATCH (source:Entity {id: row.source})
MATCH (target:Entity {id: row.target})
CALL (row, source, target) {
  WITH row, source, target WHERE row.type = 'USES'
  MERGE (source)-[relationship:USES {key: row.key}]->(target)
    ON CREATE SET relationship.created_at = $now, relationship.a_org = [], relationship.a_vis = [],
                  relationship.a_conf = [], relationship.a_first = [], relationship.a_last = []
  RETURN relationship
  UNION
  WITH row, source, target WHERE row.type = 'OPERATES'
  MERGE (source)-[relationship:OPERATES {key: row.key}]->(target)
    ON CREATE SET relationship.created_at = $now, relationship.a_org = [], relationship.a_vis = [],
                  relationship.a_conf = [], relationship.a_first = [], relationship.a_last = []
  RETURN relationship
  UNION
  WITH row, source, target WHERE row.type = 'SUPPLIES'
  MERGE (source)-[relationship:SUPPLIES {key: row.key}]->(target)
    ON CREATE SET relationship.created_at = $now, relationship.a_org = [], relationship.a_vis = [],
                  relationship.a_conf = [], relationship.a_first = [], relationship.a_last = []
  RETURN relationship
  UNION
  WITH row, source, target WHERE row.type = 'AFFILIATED_WITH'
  MERGE (source)-[relationship:AFFILIATED_WITH {key: row.key}]->(target)
    ON CREATE SET relationship.created_at = $now, relationship.a_org = [], relationship.a_vis = [],
                  relationship.a_conf = [], relationship.a_first = [], relationship.a_last = []
  RETURN relationship
  UNION
  WITH row, source, target WHERE row.type = 'LAUNDERS_FOR'
  MERGE (source)-[relationship:LAUNDERS_FOR {key: row.key}]->(target)
    ON CREATE SET relationship.created_at = $now, relationship.a_org = [], relationship.a_vis = [],
                  relationship.a_conf = [], relationship.a_first = [], relationship.a_last = []
  RETURN relationship
  UNION
  WITH row, source, target WHERE row.type = 'PAYS'
  MERGE (source)-[relationship:PAYS {key: row.key}]->(target)
    ON CREATE SET relationship.created_at = $now, relationship.a_org = [], relationship.a_vis = [],
                  relationship.a_conf = [], relationship.a_first = [], relationship.a_last = []
  RETURN relationship
  UNION
  WITH row, source, target WHERE row.type = 'TARGETS'
  MERGE (source)-[relationship:TARGETS {key: row.key}]->(target)
    ON CREATE SET relationship.created_at = $now, relationship.a_org = [], relationship.a_vis = [],
                  relationship.a_conf = [], relationship.a_first = [], relationship.a_last = []
  RETURN relationship
}
WITH row, relationship, [i IN range(0, size(relationship.a_org) - 1) WHERE relationship.a_org[i] = $organization] AS mine,
     any(token IN relationship.a_vis WHERE token = '*' OR token CONTAINS $organization_token) AS visible_before
MERGE (claim:RelationshipAssertion:Assertion {key: row.key + '|' + $organization})
  ON CREATE SET claim.id = row.assertion_id, claim.organization = $organization, claim.recorded_at = $now,
                claim.rel_key = row.key, claim.type = row.type, claim.source = row.source, claim.target = row.target,
                claim.made_source = row.source, claim.made_target = row.target
SET claim += row.claim, claim.updated_at = $now
WITH row, relationship, visible_before, size(mine) > 0 AS own_before,
     size(mine) > 1 OR (size(mine) > 0 AND claim.recorded_at = $now) AS several_own,
     CASE WHEN size(mine) > 0 THEN mine[0] ELSE size(relationship.a_org) END AS at
SET relationship.a_org = relationship.a_org[..at] + $organization + relationship.a_org[at + 1..],
    relationship.a_vis = relationship.a_vis[..at] + row.token + relationship.a_vis[at + 1..],
    relationship.a_conf = relationship.a_conf[..at] + row.claim.confidence + relationship.a_conf[at + 1..],
    relationship.a_first = relationship.a_first[..at] + row.first + relationship.a_first[at + 1..],
    relationship.a_last = relationship.a_last[..at] + row.last + relationship.a_last[at + 1..]
SET relationship.vis_all = '*' IN relationship.a_vis,
    relationship.vis_orgs = reduce(seen = [], token IN relationship.a_vis |
      reduce(acc = seen, o IN [x IN split(token, '|') WHERE x <> '' AND x <> '*'] |
             CASE WHEN o IN acc THEN acc ELSE acc + o END)),
    relationship.claim_count = size(relationship.a_org)
RETURN row.key AS key, own_before AS own_claim, visible_before AS visible,
       several_own
