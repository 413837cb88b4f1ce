// Benchmark calibration only: removes the :BenchCalibration nodes and their relationships. No parameters.
MATCH (node:BenchCalibration)
DETACH DELETE node
