"""What the service counts and times, for `GET /metrics` (Prometheus text format; docs/operations.md lists them).

The metrics are of the process, as Prometheus scrapes a process: one registry here, apart from prometheus-client's
global one so that nothing another library registers is served. Every app built in this process adds to them (tests
build many, and read differences). Labels are route templates, kinds and states, never ids or organizations: the
figures are totals of everybody's activity, which is why only the operator may read them.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

# Requests take from a millisecond (a cached read) to minutes (a 10,000-item bundle on a loaded machine).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
# Analyses run from milliseconds to an hour (a stability run of a large graph).
JOB_BUCKETS = (0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0)
# Waiting for the write lock: nothing when writes are apart, a bundle's write time when they queue.
LOCK_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)

HTTP_REQUESTS = Counter(
    "atlas_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ("method", "route", "status"),
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "atlas_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ("method", "route"),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
BUNDLES_WRITTEN = Counter(
    "atlas_bundles_written",
    "Bundles stored (JSON, STIX and file imports alike); refused bundles write nothing and are not counted.",
    registry=REGISTRY,
)
ITEMS_WRITTEN = Counter(
    "atlas_bundle_items_written",
    "Entity and relationship claims in the bundles stored, by kind (entity, relationship).",
    ("kind",),
    registry=REGISTRY,
)
JOBS = Gauge(
    "atlas_analysis_jobs",
    "Analysis jobs of this process now queued or running, by state.",
    ("state",),
    registry=REGISTRY,
)
JOBS_FINISHED = Counter(
    "atlas_analysis_jobs_finished",
    "Analysis jobs finished, by kind and final state (succeeded, failed, cancelled).",
    ("kind", "state"),
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "atlas_analysis_job_duration_seconds",
    "Time analysis jobs ran, from start to finish, by kind.",
    ("kind",),
    buckets=JOB_BUCKETS,
    registry=REGISTRY,
)
WRITE_LOCK_WAIT = Histogram(
    "atlas_write_lock_wait_seconds",
    "Time a write transaction took to take the graph's write lock (the version counter's node): other writes ahead.",
    buckets=LOCK_BUCKETS,
    registry=REGISTRY,
)
NEO4J_CALLS_IN_FLIGHT = Gauge(
    "atlas_neo4j_calls_in_flight",
    "Queries and transactions now running against Neo4j; each holds one of the driver's pooled connections.",
    registry=REGISTRY,
)


def record_bundle(*, entities: int, relationships: int) -> None:
    """Count one stored bundle and its claims."""
    BUNDLES_WRITTEN.inc()
    ITEMS_WRITTEN.labels(kind="entity").inc(entities)
    ITEMS_WRITTEN.labels(kind="relationship").inc(relationships)


for _state in ("queued", "running"):
    JOBS.labels(state=_state)  # present at 0 from the start, so that a dashboard shows none rather than no data
for _kind in ("entity", "relationship"):
    ITEMS_WRITTEN.labels(kind=_kind)
