// What merging $source into $into must move: the source's claims and its relationships with their claims.
// Relationships between the two are listed too (they would become self-loops and are dropped).
// Parameters: $source, $into.
MATCH (source:Entity {id: $source})
CALL (source) {
  OPTIONAL MATCH (claim:EntityAssertion)-[:ABOUT]->(source)
  RETURN collect(claim.id) AS claim_ids
}
CALL (source) {
  OPTIONAL MATCH (source)-[relationship]-(other:Entity)
  WITH relationship, other WHERE relationship IS NOT NULL
  RETURN collect({
    key: relationship.key, type: type(relationship),
    source: startNode(relationship).id, target: endNode(relationship).id, other: other.id
  }) AS relationships
}
RETURN claim_ids, relationships
