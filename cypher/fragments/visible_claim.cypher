// The condition a relationship's i-th claim passes: the caller may see it, its confidence reaches $min_confidence,
// it held on $as_of (when given), and, with $only_mine, the caller's own organization made it. Queries copy it,
// with their own name for the relationship in place of `r`, because the loader does no templating;
// tests/unit/store/test_cypher_fragments.py checks every copy against this text. No store module runs this file.
// Parameters: $organization_token, $min_confidence, $as_of (or null), $only_mine, $organization.
(r.a_vis[i] = '*' OR r.a_vis[i] CONTAINS $organization_token)
AND r.a_conf[i] >= $min_confidence
AND ($as_of IS NULL OR (r.a_first[i] <= $as_of AND $as_of <= r.a_last[i]))
AND (NOT $only_mine OR r.a_org[i] = $organization)
