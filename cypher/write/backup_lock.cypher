// Takes the write lock every graph write takes first (on the GraphVersion node, see write/graph_version_bump),
// without changing anything: set and remove a property in one statement, the idiom Neo4j documents for locking.
// Held until the backup's transaction ends, so that no bundle, merge or retraction commits while it reads.
// Returns the counter as it stands ('' and 0 on a graph never written to). No parameters.
OPTIONAL MATCH (version:GraphVersion {name: 'graph'})
FOREACH (locked IN CASE WHEN version IS NULL THEN [] ELSE [version] END |
  SET locked._backup_lock = true
  REMOVE locked._backup_lock)
RETURN coalesce(version.epoch, '') + ':' + toString(coalesce(version.version, 0)) AS version
