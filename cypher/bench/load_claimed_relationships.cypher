// Load test only: the relationships an organization has claimed, grouped by (source, type, target), with how many
// relationships of that triple exist and how many claims the organization holds on them (one and one expected).
// Parameters: $organization.
MATCH (source:Entity)-[relationship]->(target:Entity)
WHERE $organization IN relationship.a_org
RETURN source.id AS source, type(relationship) AS type, target.id AS target,
       count(relationship) AS relationships,
       sum(size([claimant IN relationship.a_org WHERE claimant = $organization])) AS claims
