// The current write counter and its epoch ('' and 0 before the first write). No parameters.
OPTIONAL MATCH (version:GraphVersion {name: 'graph'})
RETURN coalesce(version.epoch, '') + ':' + toString(coalesce(version.version, 0)) AS version
