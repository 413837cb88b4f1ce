// Merge records are read per surviving entity, for its history. No parameters.
CREATE INDEX merge_record_into IF NOT EXISTS
FOR (merge:MergeRecord) ON (merge.into)
