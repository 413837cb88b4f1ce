// The latest merge of $source into $into that no split has undone yet, if any. Parameters: $into, $source.
MATCH (merge:MergeRecord {into: $into})
WHERE merge.source = $source AND merge.split_at IS NULL
RETURN merge {.*} AS merge
ORDER BY merge.at DESC
LIMIT 1
