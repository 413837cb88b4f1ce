// Resolves keys (external ids, kind-scoped normalized names) to entities, saying whether the caller sees each
// entity and already claims it. Parameters: $keys, $organization, $community_tlps.
UNWIND $keys AS lookup
MATCH (key:EntityKey {key: lookup})
MATCH (entity:Entity {id: key.entity_id})
RETURN lookup AS key, entity.id AS id, entity.kind AS kind,
       (entity.vis_all OR $organization IN entity.vis_orgs) AS visible,
       EXISTS { MATCH (:EntityAssertion {key: entity.id + '|' + $organization}) } AS own_claim
