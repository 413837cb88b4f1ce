#!/usr/bin/env python3
"""Chokepoint rankings and a stability run at 100,000 entities, through the API and piece by piece.

Loads a generated ecosystem (100,000 entities and 500,000 relationships by default, seed 11 as bench_paths.py, so
that ``--reuse`` can share its database) into the benchmark Neo4j through the ingestion service, then measures:

1. Where a ranking's time goes, in this process: the projection read from Neo4j (``load_projection``, beside the
   read as it was before issue 19, its queries kept in cypher/bench/ as the baseline, and a check that both give
   the same graph), the hand-off to the worker process (the old one: the MultiDiGraph pickled and unpickled; the
   new one: the projection's rows and columns pickled, unpickled and built into the graph in the worker; a warm
   one sends a key), the analysis itself (``services.analysis.rank``: the pure function plus the answer's model)
   and serialising the answer to JSON. Each step with its wall and CPU seconds (Neo4j's own CPU beside the
   reads, when the benchmark Neo4j is local) and its peak memory (RSS, reset before each step).
2. The same rankings through the API (``GET /v1/analysis/chokepoints``, a job at this size, polled to the end),
   first with a cold projection cache and then warm, and a stability run of ``--samples`` samples.

Timings depend on the machine and on what else runs on it: the first line is the calibration of this machine now
(scripts/benchlib.py), and each figure is also given as a multiple of its pure-Python loop.

    .venv/bin/python scripts/bench_analysis.py [--entities 100000] [--relationships 500000] [--reuse]
        [--methods capability,fragmentation] [--samples 50] [--no-api] [--no-baseline] [--reads 1]
    .venv/bin/python scripts/bench_analysis.py --read-only --methods '' --reads 2   # on another run's database
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

import networkx as nx
from neo4j import ManagedTransaction

from atlas_graph.config import Settings
from atlas_graph.models.vocabulary import Role
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.services import analysis as analysis_service
from atlas_graph.services import plans as plans_service
from atlas_graph.services.connection import connection_for
from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.entities import ENTITY_COUNT
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import DEFAULT_COST, Projection, load_projection
from atlas_graph.store.queries import QUERY_NAMES
from atlas_graph.store.scope import GraphScope, read_parameters
from atlas_graph.synthetic import generate_ecosystem
from bench_paths import ORGANIZATION, ensure_loaded
from benchlib import (
    Calibration,
    Measured,
    api_server,
    bench_settings,
    bench_store,
    calibrate,
    cpu_seconds,
    graph_of_rows,
    headline,
    issue_key,
    measured,
    request,
)

T = TypeVar("T")

# The projection's queries as they were before issue 19, the baseline of the read.
BASELINE_NODES = "bench/projection_nodes_baseline"
BASELINE_EDGES = "bench/projection_edges_baseline"
NODE_FIELDS = ("id", "kind", "name", "category", "countries", "cost")
EDGE_FIELDS = ("source", "target", "type", "confidence", "organizations")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--methods", default="capability,fragmentation")
    parser.add_argument("--samples", type=int, default=50, help="stability samples (0: no stability run)")
    parser.add_argument("--stability-method", default="fragmentation")
    parser.add_argument("--port", type=int, default=8763)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded benchmark database")
    parser.add_argument("--no-api", action="store_true", help="only the in-process breakdown")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the projection read as it was")
    parser.add_argument("--reads", type=int, default=1, help="times to read the projection each way, alternating")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="only read a database another run loaded and keeps (running): no schema, no calibration CREATE, no "
        "key, no load, no API; implies --reuse --no-api",
    )
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]

    settings = bench_settings(args.neo4j_uri, args.password)
    if args.read_only:
        return read_only(settings, args, methods)
    with bench_store(settings, empty=False) as store:
        calibration = calibrate(store)
        ensure_loaded(
            store,
            entities=args.entities,
            reuse=args.reuse,
            ecosystem=lambda: generate_ecosystem(
                entities=args.entities, relationships=args.relationships, seed=args.seed
            ),
        )
        token = issue_key(store, ORGANIZATION, Role.READER)
        neo4j_pid = LocalNeo4j(settings).status().pid if settings.uses_local_neo4j else None
        breakdown(store, methods, calibration, baseline=not args.no_baseline, reads=args.reads, neo4j_pid=neo4j_pid)
        if not args.no_api:
            with api_server(settings, port=args.port):
                through_api(args, methods, token, calibration)
    return 0


def read_only(settings: Settings, args: argparse.Namespace, methods: list[str]) -> int:
    """The in-process breakdown on a database that is someone else's: it must be running and loaded already."""
    local = LocalNeo4j(settings) if settings.uses_local_neo4j else None
    neo4j_pid = local.status().pid if local is not None else None
    if local is not None and neo4j_pid is None:
        raise SystemExit(f"--read-only: no Neo4j runs on {settings.local_neo4j_port}; it is not started for you")
    calibration = calibrate(None)
    store = GraphStore.open(connection_for(settings), queries=CypherLibrary.load(required=QUERY_NAMES))
    try:
        loaded = store.read(ENTITY_COUNT, {"kind": None, "organization": ORGANIZATION})[0]["total"]
        if loaded < args.entities * 0.99:
            raise SystemExit(f"--read-only: the database holds {loaded:,} entities, not {args.entities:,}")
        breakdown(store, methods, calibration, baseline=not args.no_baseline, reads=args.reads, neo4j_pid=neo4j_pid)
    finally:
        store.close()
    return 0


def step(label: str, calibration: Calibration, work: Callable[[], T], *, neo4j_pid: int | None = None) -> T:
    """Run `work` once and print its wall and CPU seconds and its peak RSS (and Neo4j's CPU, given its pid)."""
    neo4j_before = cpu_seconds(neo4j_pid) if neo4j_pid is not None else 0.0
    result: Measured[T] = measured(work)
    neo4j = f", Neo4j CPU {cpu_seconds(neo4j_pid) - neo4j_before:6.1f} s" if neo4j_pid is not None else ""
    print(f"  {label:<52} {result.summary()}{neo4j}  ({calibration.python_ratio(result.wall)})", flush=True)
    return result.value


def breakdown(
    store: GraphStore,
    methods: list[str],
    calibration: Calibration,
    *,
    baseline: bool,
    reads: int,
    neo4j_pid: int | None,
) -> None:
    """Each part of a ranking in this process: read, hand-off, analysis (with its model), JSON."""
    scope = GraphScope()
    print(f"\nin-process breakdown (one run each; the projection read {reads} time(s) each way, alternating)")
    old_graph: nx.MultiDiGraph | None = None
    for _ in range(reads):
        if baseline:
            old_graph = step(
                "projection read, as before (baseline)",
                calibration,
                lambda: baseline_projection(store, organization=ORGANIZATION, scope=scope),
                neo4j_pid=neo4j_pid,
            )
        projection: Projection = step(
            "projection read, now (load_projection)",
            calibration,
            lambda: load_projection(store, organization=ORGANIZATION, scope=scope),
            neo4j_pid=neo4j_pid,
        )
    print(f"  (the projection: {projection.node_count:,} nodes, {projection.edge_count:,} edges)")
    graph = step("  its graph built (in the worker)", calibration, lambda: projection.graph)
    if old_graph is not None:
        same = same_graph(old_graph, graph)
        print(f"  (the same graph as the baseline's, nodes, attributes, edges, keys and order: {same})")
        if not same:
            raise SystemExit("the projection differs from the baseline's")
        pickled_graph = step(
            "hand-off as before: pickle the MultiDiGraph", calibration, lambda: pickle.dumps(old_graph)
        )
        print(f"  (pickled: {len(pickled_graph) / 2**20:,.1f} MiB)")
        step("  unpickle it (in the worker)", calibration, lambda: pickle.loads(pickled_graph))
    pickled = step("hand-off now: pickle the rows and columns", calibration, lambda: pickle.dumps(projection))
    print(f"  (pickled: {len(pickled) / 2**20:,.1f} MiB; a warm worker is sent a key instead)")
    step("  unpickle them and build the graph (in the worker)", calibration, lambda: pickle.loads(pickled).graph)
    coalition = plans_service.coalition_profiles(store, None)
    for method in methods:
        answer = step(
            f"ranking, method={method}", calibration, lambda method=method: rank(projection, method, coalition)
        )
        step(f"  its answer to JSON ({len(answer.chokepoints)} chokepoints)", calibration, answer.model_dump_json)


def rank(projection: Projection, method: str, coalition: tuple[Any, ...]) -> Any:
    ranking = analysis_service.Ranking(
        method=method,  # type: ignore[arg-type]
        top=10,
        kinds=None,
        stability=False,
        samples=0,
        seed=0,
    )
    return analysis_service.rank(projection, ranking=ranking, scope=GraphScope(), coalition=coalition)


def baseline_projection(store: GraphStore, *, organization: str, scope: GraphScope) -> nx.MultiDiGraph:
    """The projection's graph read as before issue 19: a record per entity and per relationship, dicts per row."""

    def work(tx: ManagedTransaction) -> nx.MultiDiGraph:
        parameters = read_parameters(tx, store, scope, organization)
        node_rows = [
            tuple(record[f] for f in NODE_FIELDS) for record in tx.run(store.queries[BASELINE_NODES], parameters)
        ]
        edge_rows = [
            tuple(record[f] for f in EDGE_FIELDS) for record in tx.run(store.queries[BASELINE_EDGES], parameters)
        ]
        nodes = sorted(
            (node, kind, name, category, tuple(sorted(set(countries or ()))), float(cost or DEFAULT_COST))
            for node, kind, name, category, countries, cost in node_rows
        )
        edges = sorted(edge_rows)
        digest = hashlib.blake2b(digest_size=12)
        for row in (*nodes, *edges):
            digest.update(repr(row).encode())
            digest.update(b"\n")
        digest.hexdigest()
        return graph_of_rows(nodes, edges)

    return store.read_transaction(work)


def same_graph(old: nx.MultiDiGraph, new: nx.MultiDiGraph) -> bool:
    """Whether two graphs hold the same nodes and edges, with the same attributes and keys, in the same order."""
    return list(old.nodes(data=True)) == list(new.nodes(data=True)) and list(old.edges(keys=True, data=True)) == list(
        new.edges(keys=True, data=True)
    )


def through_api(args: argparse.Namespace, methods: list[str], token: str, calibration: Calibration) -> None:
    print("\nthrough the API (GET /v1/analysis/chokepoints, a job at this size, polled to the end)")
    for attempt in ("cold cache", "warm cache"):
        for method in methods:
            seconds = ranked(args.port, token, {"method": method})
            print(f"  {method:<16} {attempt:<11} {seconds:8.1f} s  ({calibration.python_ratio(seconds)})", flush=True)
            # Cold (the projection read and the graph built) is what a planner waits for after an import.
            headline(
                f"chokepoint ranking ({method}, {attempt}) at {args.entities:,} entities through the API",
                f"{seconds:.1f} s ({calibration.python_ratio(seconds)})",
            )
            if attempt == "cold cache":
                break  # the first ranking read the projection; the others find it cached
    if args.samples:
        query = {"method": args.stability_method, "stability": "true", "samples": str(args.samples)}
        seconds = ranked(args.port, token, query)
        print(
            f"  stability, {args.samples} samples, method={args.stability_method}: {seconds:.1f} s "
            f"({calibration.python_ratio(seconds)})",
            flush=True,
        )
        headline(
            f"stability ({args.stability_method}, {args.samples} samples) at {args.entities:,} entities",
            f"{seconds:.1f} s ({calibration.python_ratio(seconds)})",
        )


def ranked(port: int, token: str, query: dict[str, str]) -> float:
    """Seconds from asking for a ranking to holding its result (the job polled every 0.5 s)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    path = "/v1/analysis/chokepoints?" + "&".join(f"{k}={v}" for k, v in query.items())
    started = time.perf_counter()
    status, body = request(port, "GET", path, token=token, connection=connection)
    location = body.get("location") if status == 202 else None
    while location is not None and body.get("status") in ("queued", "running"):
        time.sleep(0.5)
        status, body = request(port, "GET", location, token=token, connection=connection)
    seconds = time.perf_counter() - started
    if status not in (200, 202) or body.get("status") == "failed":
        raise RuntimeError(f"{path}: {status} {json.dumps(body)[:500]}")
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
