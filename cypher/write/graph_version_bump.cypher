// Counts writes: analysis caches are keyed on (epoch, version). The epoch is new whenever the counter node is
// (re)created, e.g. after the database was emptied, so that a reset never brings back an old key. Returns the new
// count, and as `stamp` the version as read/graph_version gives it. No parameters.
MERGE (version:GraphVersion {name: 'graph'})
  ON CREATE SET version.epoch = randomUUID()
SET version.version = coalesce(version.version, 0) + 1
RETURN version.version AS version, version.epoch + ':' + toString(version.version) AS stamp
