// The current write counter (0 before the first write). No parameters.
OPTIONAL MATCH (version:GraphVersion {name: 'graph'})
RETURN coalesce(version.version, 0) AS version
