// Benchmark calibration only: bare relationship CREATEs between the :BenchCalibration nodes, no provenance, the
// machine's write ceiling as the benchmarks print it beside their figures. Parameters: $rows [{s, t, k}] (numbers).
UNWIND $rows AS row
MATCH (source:BenchCalibration {number: row.s})
MATCH (target:BenchCalibration {number: row.t})
CREATE (source)-[:BENCH_CALIBRATION {key: row.k, confidence: 50, tlp: 'GREEN', seen: [1, 2]}]->(target)
