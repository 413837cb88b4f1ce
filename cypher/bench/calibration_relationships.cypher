// Benchmark calibration only: bare relationship CREATEs between the :BenchCalibration nodes, no provenance, the
// machine's write ceiling as the benchmarks print it beside their figures. The nodes are gathered once and picked
// by position (they have no index: a look-up per row would time the look-ups). Parameters: $rows [{s, t, k}], s and
// t positions below the number of nodes.
MATCH (node:BenchCalibration)
WITH collect(node) AS nodes
UNWIND $rows AS row
WITH nodes[row.s] AS source, nodes[row.t] AS target, row
CREATE (source)-[:BENCH_CALIBRATION {key: row.k, confidence: 50, tlp: 'GREEN', seen: [1, 2]}]->(target)
