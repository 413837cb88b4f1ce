// Benchmark only: plain relationship CREATEs between existing entities, the machine's write ceiling.
// Parameters: $rows [{s, t, k}].
UNWIND $rows AS row
MATCH (source:Entity {id: row.s})
MATCH (target:Entity {id: row.t})
CREATE (source)-[:BENCH_CEILING {key: row.k, confidence: 50, tlp: 'GREEN', seen: [1, 2]}]->(target)
