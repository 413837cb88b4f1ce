// Counts writes: analysis caches are keyed on this number. No parameters.
MERGE (version:GraphVersion {name: 'graph'})
SET version.version = coalesce(version.version, 0) + 1
RETURN version.version AS version
