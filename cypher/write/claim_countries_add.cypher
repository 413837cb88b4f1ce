// Adds countries to the organization's own entity claims (nobody else's) that gave an entity one of its strong keys,
// where the claim is marked at least as strictly as the country's source: what a STIX `located-at` delta says.
// The union is kept in the order of $codes (sorted), as ingestion stores countries.
// Parameters: $rows [{index, id, key, countries, tlps}], $organization, $codes, $now.
UNWIND $rows AS row
MATCH (claim:EntityAssertion)-[:ABOUT]->(:Entity {id: row.id})
WHERE claim.organization = $organization AND row.key IN claim.strong_keys AND claim.tlp IN row.tlps
SET claim.countries = [code IN $codes WHERE code IN coalesce(claim.countries, []) OR code IN row.countries],
    claim.updated_at = $now
RETURN row.index AS index, row.id AS entity_id, claim.id AS assertion_id, claim.tlp AS tlp,
       coalesce(claim.share_with, []) AS share_with
