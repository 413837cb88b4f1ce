// What merging $source into $into must move: the source's claims and its relationships with their claims.
// Relationships between the two are listed too (they would become self-loops and are dropped). Each is marked
// visible or not to the merging organization, whose answer counts only what it may see.
// No row when either entity is gone (merged away by a request that took the write lock first).
// Parameters: $source, $into, $organization, $community_tlps.
MATCH (source:Entity {id: $source})
MATCH (:Entity {id: $into})
CALL (source) {
  OPTIONAL MATCH (claim:EntityAssertion)-[:ABOUT]->(source)
  RETURN collect(claim.id) AS claim_ids,
         count(CASE WHEN claim.tlp IN $community_tlps OR claim.organization = $organization
                         OR $organization IN claim.share_with THEN claim END) AS visible_claims
}
CALL (source) {
  OPTIONAL MATCH (source)-[relationship]-(other:Entity)
  WITH relationship, other WHERE relationship IS NOT NULL
  RETURN collect({
    key: relationship.key, type: type(relationship),
    source: startNode(relationship).id, target: endNode(relationship).id, other: other.id,
    visible: (relationship.vis_all OR $organization IN relationship.vis_orgs)
             AND (other.vis_all OR $organization IN other.vis_orgs)
  }) AS relationships
}
RETURN claim_ids, visible_claims, relationships
