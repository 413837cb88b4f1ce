#!/usr/bin/env python3
"""Chokepoint rankings and a stability run at 100,000 entities, through the API and piece by piece.

Loads a generated ecosystem (100,000 entities and 500,000 relationships by default, seed 11 as bench_paths.py, so
that ``--reuse`` can share its database) into the benchmark Neo4j through the ingestion service, then measures:

1. Where a ranking's time goes, in this process: the projection read from Neo4j (``load_projection``), pickling
   it for the worker process, the analysis itself (``services.analysis.rank`` / ``rank_capability``: the pure
   function plus the answer's model) and serialising the answer to JSON. Each step with its wall and CPU seconds
   and its peak memory (RSS, reset before each step).
2. The same rankings through the API (``GET /v1/analysis/chokepoints``, a job at this size, polled to the end),
   first with a cold projection cache and then warm, and a stability run of ``--samples`` samples.

Timings depend on the machine and on what else runs on it: the first line is the calibration of this machine now
(scripts/benchlib.py), and each figure is also given as a multiple of its pure-Python loop.

    .venv/bin/python scripts/bench_analysis.py [--entities 100000] [--relationships 500000] [--reuse]
        [--methods capability,fragmentation] [--samples 50] [--no-api]
"""

from __future__ import annotations

import argparse
import http.client
import json
import pickle
import time
from collections.abc import Callable
from typing import Any, TypeVar

from atlas_graph.models.vocabulary import Role
from atlas_graph.services import analysis as analysis_service
from atlas_graph.services import plans as plans_service
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import Projection, load_projection
from atlas_graph.store.scope import GraphScope
from atlas_graph.synthetic import generate_ecosystem
from bench_paths import ORGANIZATION, ensure_loaded
from benchlib import (
    Calibration,
    Measured,
    api_server,
    bench_settings,
    bench_store,
    calibrate,
    headline,
    issue_key,
    measured,
    request,
)

T = TypeVar("T")


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
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]

    settings = bench_settings(args.neo4j_uri, args.password)
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
        breakdown(store, methods, calibration)
        if not args.no_api:
            with api_server(settings, port=args.port):
                through_api(args, methods, token, calibration)
    return 0


def step(label: str, calibration: Calibration, work: Callable[[], T]) -> T:
    """Run `work` once and print its wall and CPU seconds and its peak RSS."""
    result: Measured[T] = measured(work)
    print(f"  {label:<44} {result.summary()}  ({calibration.python_ratio(result.wall)})", flush=True)
    return result.value


def breakdown(store: GraphStore, methods: list[str], calibration: Calibration) -> None:
    """Each part of a ranking in this process: read, pickle, analysis (with its model), JSON."""
    scope = GraphScope()
    print("\nin-process breakdown (one run each)")
    projection: Projection = step(
        "projection read from Neo4j",
        calibration,
        lambda: load_projection(store, organization=ORGANIZATION, scope=scope),
    )
    graph = projection.graph
    print(f"  (the projection: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges)")
    pickled = step("pickle the projection (to the worker)", calibration, lambda: pickle.dumps(projection))
    print(f"  (pickled: {len(pickled) / 2**20:,.0f} MiB)")
    step("unpickle it (in the worker)", calibration, lambda: pickle.loads(pickled))
    coalition = plans_service.coalition_profiles(store, None)
    for method in methods:
        answer = step(
            f"ranking, method={method}", calibration, lambda method=method: rank(projection, method, coalition)
        )
        step(f"  its answer to JSON ({len(answer.chokepoints)} chokepoints)", calibration, answer.model_dump_json)


def rank(projection: Projection, method: str, coalition: tuple[Any, ...]) -> Any:
    if method == "capability":
        return analysis_service.rank_capability(
            projection,
            top=10,
            kinds=None,
            scope=GraphScope(),
            substitution="affiliates",
            coalition=coalition,
            only_actionable=False,
            stability=False,
            samples=0,
            seed=0,
        )
    return analysis_service.rank(
        projection, method=method, top=10, kinds=None, scope=GraphScope(), stability=False, samples=0, seed=0
    )  # type: ignore[arg-type]


def through_api(args: argparse.Namespace, methods: list[str], token: str, calibration: Calibration) -> None:
    print("\nthrough the API (GET /v1/analysis/chokepoints, a job at this size, polled to the end)")
    for attempt in ("cold cache", "warm cache"):
        for method in methods:
            seconds = ranked(args.port, token, {"method": method})
            print(f"  {method:<16} {attempt:<11} {seconds:8.1f} s  ({calibration.python_ratio(seconds)})", flush=True)
            if attempt == "warm cache":
                headline(
                    f"chokepoint ranking ({method}) at {args.entities:,} entities through the API",
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
