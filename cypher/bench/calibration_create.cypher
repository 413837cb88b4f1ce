// Benchmark calibration only: $nodes throw-away :BenchCalibration nodes, then one transaction of bare relationship
// CREATEs between them (done by calibration_relationships). Parameters: $nodes (a count).
UNWIND range(0, $nodes - 1) AS number
CREATE (:BenchCalibration {number: number})
