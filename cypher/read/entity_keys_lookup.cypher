// Resolves strong keys (ids and external ids, kind-scoped) to the entities they identify, saying whether the
// caller sees the key there: the entity's own id of a visible entity, or a key that a visible claim gives.
// Parameters: $keys, $organization, $community_tlps.
UNWIND $keys AS lookup
MATCH (key:EntityKey {key: lookup})
MATCH (entity:Entity {id: key.entity_id})
RETURN lookup AS key, entity.id AS id, entity.kind AS kind,
       (entity.vis_all OR $organization IN entity.vis_orgs)
       AND (lookup = 'id:' + entity.kind + ':' + entity.id
            OR EXISTS {
              MATCH (claim:EntityAssertion)-[:ABOUT]->(entity)
              WHERE (claim.tlp IN $community_tlps OR claim.organization = $organization
                     OR $organization IN claim.share_with)
                AND lookup IN claim.strong_keys
            }) AS visible
