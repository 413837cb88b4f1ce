// Every strong key an entity holds (its ids and external ids), for a merge record. Parameters: $id.
MATCH (key:EntityKey {entity_id: $id})
RETURN collect(key.key) AS keys
