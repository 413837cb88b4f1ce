// The data quality report's counts per kind, over the entities the caller may see (all of them when
// $organization is null: the operator, through the command line): how many, how many had another entity merged
// into them (counted only where a visible claim was made against a merged id, as merged_ids shows), and how many
// are isolated (no visible relationship to a visible entity). Parameters: $organization (or null),
// $community_tlps.
MATCH (entity:Entity)
WHERE $organization IS NULL OR entity.vis_all OR $organization IN entity.vis_orgs
WITH entity,
     any(merged IN coalesce(entity.merged_ids, []) WHERE EXISTS {
       MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
       WHERE ($organization IS NULL OR claim.tlp IN $community_tlps OR claim.organization = $organization
              OR $organization IN claim.share_with)
         AND 'id:' + entity.kind + ':' + merged IN claim.strong_keys
     }) AS merged,
     NOT EXISTS {
       MATCH (entity)-[relationship]-(other:Entity)
       WHERE relationship.claim_count > 0
         AND ($organization IS NULL OR relationship.vis_all OR $organization IN relationship.vis_orgs)
         AND ($organization IS NULL OR other.vis_all OR $organization IN other.vis_orgs)
     } AS isolated
RETURN entity.kind AS kind, count(entity) AS entities, count(CASE WHEN merged THEN 1 END) AS merged,
       count(CASE WHEN isolated THEN 1 END) AS isolated
ORDER BY kind
