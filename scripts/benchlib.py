"""Shared plumbing for the benchmark scripts: a separate local Neo4j, the real API in a child process, keys, and
the calibration line every benchmark prints first.

Benchmarks never touch the development data: they use their own Neo4j (var/neo4j-bench or ATLAS_BENCH_NEO4J_DIR,
Bolt port 7691 or ATLAS_BENCH_NEO4J_PORT) unless given --neo4j-uri, and empty it first.

The calibration makes figures travel between machines: a fixed pure-Python workload (what the service and the
analyses spend their time on) and a bare Neo4j CREATE of 10,000 relationships (what Neo4j's writes cost), measured
in the same run as the figures. A reader on another box divides by them to tell the build from the machine.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import networkx as nx
from pydantic import SecretStr

from atlas_graph.config import Settings
from atlas_graph.main import open_store
from atlas_graph.models.vocabulary import Role
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.services import access, organizations
from atlas_graph.services.connection import connection_for
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything

REPO = Path(__file__).resolve().parents[1]

CALIBRATION_CREATE = "bench/calibration_create"
CALIBRATION_RELATIONSHIPS = "bench/calibration_relationships"
CALIBRATION_DELETE = "bench/calibration_delete"
CALIBRATION_NODES = 1_000
CALIBRATION_RELATIONSHIP_COUNT = 10_000


def bench_settings(neo4j_uri: str | None, password: str | None) -> Settings:
    if neo4j_uri:
        return Settings(neo4j_uri=neo4j_uri, neo4j_password=SecretStr(password) if password else None)
    return Settings(
        neo4j_uri=None,
        local_neo4j_dir=Path(os.environ.get("ATLAS_BENCH_NEO4J_DIR", REPO / "var" / "neo4j-bench")),
        local_neo4j_port=int(os.environ.get("ATLAS_BENCH_NEO4J_PORT", "7691")),
        local_neo4j_heap="2g",
        local_neo4j_pagecache="2g",
    )


@contextmanager
def bench_store(settings: Settings, *, empty: bool = True) -> Iterator[GraphStore]:
    """The benchmark's Neo4j (started if local), emptied, with its schema; stopped afterwards if we started it."""
    local = LocalNeo4j(settings) if settings.uses_local_neo4j else None
    started = False
    if local is not None:
        started = not local.start(say=lambda m: print(m, file=sys.stderr)).already_running
    store = open_store(settings)
    try:
        if empty:
            delete_everything(store)
        yield store
    finally:
        store.close()
        if local is not None and started:
            local.stop()


def issue_key(store: GraphStore, organization: str, role: Role = Role.ANALYST) -> str:
    organizations.ensure_organization(store, name=organization)
    return access.issue_key(store, organization=organization, role=role).token


@dataclass(frozen=True)
class RunningApi:
    url: str
    pid: int


@contextmanager
def api_server(settings: Settings, *, port: int, extra_env: dict[str, str] | None = None) -> Iterator[RunningApi]:
    """The real service in a child process, started by `atlas-graph serve` as users start it, on loopback.

    `extra_env` sets further ATLAS_ settings of the service (the caller's own ATLAS_ variables are not passed on).
    The service's output (its start-up lines and access log) goes to var/bench-api.log, not to the benchmark's.
    """
    connection = connection_for(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(
        ATLAS_NEO4J_URI=connection.uri,
        ATLAS_NEO4J_USER=connection.user,
        ATLAS_NEO4J_PASSWORD=connection.password or "",
        ATLAS_NEO4J_DATABASE=connection.database,
        ATLAS_MAX_BODY_BYTES=str(256 * 1024 * 1024),
    )
    env.update(extra_env or {})
    command = [
        sys.executable,
        "-m",
        "atlas_graph.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-demo",
    ]
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # A service left on the port (an interrupted run's) would answer the readiness check for ours, which then
        # fails to bind and exits: the benchmark would measure the wrong process, and read its CPU as 0.
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already served on 127.0.0.1 (a service left by an earlier run?)")
    log_path = REPO / "var" / "bench-api.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(f"the API exited with {process.returncode}; see {log_path}")
                try:
                    if request(port, "GET", "/readyz")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError(f"the API did not become ready within 60 s; see {log_path}")
            yield RunningApi(url=f"http://127.0.0.1:{port}", pid=process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    connection: http.client.HTTPConnection | None = None,
) -> tuple[int, Any]:
    """One HTTP request on loopback; reuses `connection` (keep-alive) when given. A bytes body is sent as is."""
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response.status, (json.loads(data) if data else None)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: Sequence[float]) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p95 {percentile(values, 0.95) * 1000:.1f} ms, "
        f"mean {statistics.fmean(values) * 1000:.1f} ms (n={len(values)})"
    )


# ----------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    """This machine now: seconds of the fixed pure-Python workload, and bare CREATEs of relationships per second."""

    python_seconds: float
    create_rate: float | None

    def line(self) -> str:
        neo4j = (
            f"bare Neo4j CREATE of {CALIBRATION_RELATIONSHIP_COUNT:,} relationships {self.create_rate:,.0f}/s"
            if self.create_rate is not None
            else "bare Neo4j CREATE not measured (--no-neo4j-calibration)"
        )
        return (
            f"calibration: fixed pure-Python loop {self.python_seconds:.3f} s; {neo4j}; load average {load_average()}"
        )

    def python_ratio(self, seconds: float) -> str:
        """`seconds` as a multiple of the pure-Python loop: what another machine would compare."""
        return f"{seconds / self.python_seconds:.2f}x cal"

    def create_share(self, rate: float) -> str:
        """A write rate as a share of the bare-CREATE ceiling of the same run."""
        return f"{rate / self.create_rate:.1%} of bare CREATE" if self.create_rate else "bare CREATE not measured"


def python_loop_seconds() -> float:
    """A fixed pure-Python workload like the analysis layer's searches (lists of ints, a bytearray, a dict): best
    of three, so that a moment's preemption on a shared machine does not count."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        successors = [[(i * 7 + k) % 200_000 for k in range(3)] for i in range(200_000)]
        seen = bytearray(200_000)
        for start in range(0, 200_000, 40_000):
            frontier = [start]
            while frontier:
                for w in successors[frontier.pop()]:
                    if not seen[w]:
                        seen[w] = 1
                        frontier.append(w)
        table = {i: i * i for i in range(300_000)}
        sum(table[i] for i in range(0, 300_000, 3))
        best = min(best, time.perf_counter() - started)
    return best


def neo4j_create_rate(store: GraphStore) -> float:
    """Bare CREATEs of 10,000 relationships (3 properties, no provenance) in one transaction between throw-away
    nodes, best of three; everything it made is removed. Leaves the benchmark's own data alone."""
    store.write_transaction(lambda tx: tx.run(store.queries[CALIBRATION_DELETE]).consume())
    store.write_transaction(lambda tx: tx.run(store.queries[CALIBRATION_CREATE], nodes=CALIBRATION_NODES).consume())
    rng = random.Random(0)
    best = float("inf")
    try:
        for trial in range(3):
            rows = [
                {"s": rng.randrange(CALIBRATION_NODES), "t": rng.randrange(CALIBRATION_NODES), "k": f"{trial}|{i}"}
                for i in range(CALIBRATION_RELATIONSHIP_COUNT)
            ]
            started = time.perf_counter()
            store.write_transaction(
                lambda tx, rows=rows: tx.run(store.queries[CALIBRATION_RELATIONSHIPS], rows=rows).consume()
            )
            best = min(best, time.perf_counter() - started)
    finally:
        store.write_transaction(lambda tx: tx.run(store.queries[CALIBRATION_DELETE]).consume())
    return CALIBRATION_RELATIONSHIP_COUNT / best


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def calibrate(store: GraphStore | None) -> Calibration:
    """Measure and print the calibration line (to stdout, first): the Neo4j part only when `store` is given."""
    calibration = Calibration(
        python_seconds=python_loop_seconds(), create_rate=neo4j_create_rate(store) if store is not None else None
    )
    print(calibration.line(), flush=True)
    return calibration


def calibrate_standalone(settings: Settings | None) -> Calibration:
    """The calibration for a benchmark that does not use Neo4j itself: the benchmark Neo4j is started for the
    CREATE part (and stopped again if it was not running), or left out when `settings` is None."""
    if settings is None:
        return calibrate(None)
    with bench_store(settings, empty=False) as store:
        return calibrate(store)


def headline(label: str, text: str) -> None:
    """A key figure, printed so that scripts/bench_all.py can gather it into its table."""
    print(f"headline: {label}: {text}", flush=True)


# ----------------------------------------------------------------------------- one measured run

T = TypeVar("T")


@dataclass(frozen=True)
class Measured(Generic[T]):
    """A run's result, its wall and CPU seconds (its children's included) and its peak RSS."""

    value: T
    wall: float
    cpu: float
    peak_rss: int | None

    def summary(self) -> str:
        rss = f"peak RSS {self.peak_rss / 2**20:,.0f} MiB" if self.peak_rss is not None else "peak RSS n/a"
        return f"wall {self.wall:7.1f} s, CPU {self.cpu:7.1f} s, {rss}"


def measured(work: Callable[[], T]) -> Measured[T]:
    """Run `work` once. The peak RSS is this process's high-water mark, reset first (Linux: /proc/self/clear_refs),
    so it is the peak during `work` (children run by `work` report their own)."""
    reset = _reset_peak_rss()
    times = os.times()
    started = time.perf_counter()
    value = work()
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.user + after.system + after.children_user + after.children_system) - (
        times.user + times.system + times.children_user + times.children_system
    )
    return Measured(value=value, wall=wall, cpu=cpu, peak_rss=_peak_rss() if reset else None)


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss() -> int | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def generated_projection(entities: int, *, seed: int = 1) -> tuple[Any, tuple[Any, ...]]:
    """A generated ecosystem (five relationships per entity, ``planning=True``, as scripts/bench_plans.py) as the
    projection a ranking reads, with the generator's coalition: what the in-process benchmarks rank without Neo4j."""
    from atlas_graph.analysis.capabilities import MemberProfile
    from atlas_graph.store import projection as projection_module
    from atlas_graph.synthetic import generate_ecosystem

    ecosystem = generate_ecosystem(entities=entities, relationships=5 * entities, seed=seed, planning=True)
    graph = ecosystem.to_networkx()
    nodes = sorted(
        (
            node,
            data["kind"],
            data["name"],
            data.get("category"),
            tuple(sorted(data.get("countries") or ())),
            float(data.get("cost") or 1.0),
        )
        for node, data in graph.nodes(data=True)
    )
    edges = sorted(
        (source, target, data["type"], data["confidence"], data["organizations"])
        for source, target, data in graph.edges(data=True)
    )
    coalition = tuple(
        MemberProfile(member["name"], frozenset(member["jurisdictions"]), frozenset(member["actions"]))
        for member in ecosystem.coalition
    )
    version = f"generated:{entities}:{seed}"
    if hasattr(projection_module, "assemble"):
        groups = [
            [source, [target], [kind], [confidence], [count]] for source, target, kind, confidence, count in edges
        ]
        return projection_module.assemble(nodes, groups, graph_version=version), coalition
    # A tree from before the projection's rows and columns (a baseline of bench_capability.py) holds the graph: the
    # one `assemble` builds (sorted nodes and edges), since ties in the analyses follow the graph's order.
    sorted_graph = graph_of_rows(nodes, edges)
    return projection_module.Projection(graph=sorted_graph, graph_version=version, fingerprint=version), coalition


def graph_of_rows(nodes: Sequence[tuple[Any, ...]], edges: Iterable[tuple[Any, ...]]) -> nx.MultiDiGraph:
    """The MultiDiGraph a projection holds, from node rows (id, kind, name, category, countries, cost) and edge rows
    (source, target, type, confidence, organizations), in their order: the form the analyses took before issue 19's
    rows and columns, which the benchmarks' baselines build."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(
        (node, {"kind": kind, "name": name, "category": category, "countries": countries, "cost": cost})
        for node, kind, name, category, countries, cost in nodes
    )
    graph.add_edges_from(
        (source, target, kind, {"type": kind, "confidence": confidence, "organizations": organizations})
        for source, target, kind, confidence, organizations in edges
    )
    return graph
