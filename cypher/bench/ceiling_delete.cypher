// Benchmark only: removes what bench/ceiling_create made. No parameters.
MATCH ()-[relationship:BENCH_CEILING]->()
DELETE relationship
