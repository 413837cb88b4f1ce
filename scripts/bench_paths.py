#!/usr/bin/env python3
"""Path-query benchmark: a generated ecosystem in the local Neo4j, path queries through the real API.

Prints the calibration line first (scripts/benchlib.py). Loads --entities / --relationships (default 100,000 /
500,000) with the ingestion service in bundles of 10,000 (skipped with --reuse when the benchmark database already
holds that ecosystem), picks random pairs of actors that are connected within --max-hops in the generated graph,
then measures, on the same pairs:

1. the candidate Cypher query alone, through the driver, for every variant: the query of issue 19's start
   (cypher/bench/paths_shortest_any_baseline.cypher, kept as the baseline), the one the service runs now
   (cypher/read/paths_shortest_any.cypher), and with --candidates the experiments under cypher/bench/. The
   variants run in turn on each pair (the order rotating), so that a busy moment of a shared machine falls on all
   of them alike; each must find the same paths as the baseline (checked on every pair);
2. the store call the service makes (ends resolved, shortest paths, evidence and names in one read transaction);
3. `GET /v1/paths` (max_hops 6, limit 5) through the service (`atlas-graph serve`) on loopback: one client for
   latency, then --clients concurrent clients for throughput.

Each prints p50, p95, p99 and the worst pair.

    .venv/bin/python scripts/bench_paths.py [--queries 300] [--clients 4] [--reuse] [--candidates]
"""

from __future__ import annotations

import argparse
import http.client
import random
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import networkx as nx

from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.vocabulary import Role
from atlas_graph.services.access import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.services.paths import best_paths
from atlas_graph.store.entities import ENTITY_COUNT
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from atlas_graph.store.paths import SHORTEST_PATHS_ANY, SearchPlan, find_paths, resolve_ids
from atlas_graph.store.scope import GraphScope
from atlas_graph.synthetic import generate_ecosystem
from benchlib import (
    Calibration,
    api_server,
    bench_settings,
    bench_store,
    calibrate,
    headline,
    issue_key,
    percentile,
    request,
)

ORGANIZATION = "Bench Org"
BASELINE = "bench/paths_shortest_any_baseline"
#: The query variants measured side by side: the baseline and today's query always, the experiments on request.
VARIANTS = {"baseline (issue 19 start)": BASELINE, "now (read/paths_shortest_any)": SHORTEST_PATHS_ANY}
CANDIDATES = {"candidate: ALL SHORTEST, QPP": "bench/paths_shortest_any_qpp"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--relationships", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--max-hops", type=int, default=6)
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--port", type=int, default=8762)
    parser.add_argument("--reuse", action="store_true", help="keep an already loaded benchmark database")
    parser.add_argument("--candidates", action="store_true", help="also measure the experimental queries")
    parser.add_argument("--profile-pairs", type=int, default=30, help="pairs each variant is PROFILEd on")
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()

    ecosystem = generate_ecosystem(entities=args.entities, relationships=args.relationships, seed=args.seed)
    settings = bench_settings(args.neo4j_uri, args.password)
    with bench_store(settings, empty=False) as store:
        calibration = calibrate(store)
        ensure_loaded(store, entities=args.entities, reuse=args.reuse, ecosystem=lambda: ecosystem)
        token = issue_key(store, ORGANIZATION, Role.READER)
        external_pairs = connected_actor_pairs(ecosystem.to_networkx(), args.queries, args.max_hops, args.seed)
        # The generator's ids are external ids: the service resolves them, and the driver-level runs must be given
        # the entities' own ids, or their queries match nothing (as they did, unnoticed, once entities got ids of
        # their own). Each pair is resolved as the service resolves it.
        pairs = resolved_pairs(store, external_pairs)
        scope = GraphScope()

        variants = {**VARIANTS, **(CANDIDATES if args.candidates else {})}
        query_times, same = time_variants(store, variants, pairs, args.max_hops, scope)
        hits = {
            name: profile_db_hits(store, name, pairs[: args.profile_pairs], args.max_hops, scope)
            for name in variants.values()
        }

        direct = []
        for source, target in pairs:
            started = time.perf_counter()
            find_paths(
                store,
                ids=[source, target],
                plan=lambda ids: SearchPlan(sources=[str(ids[0])], targets=[str(ids[1])], avoid={str(i) for i in ids}),
                max_hops=args.max_hops,
                forward=False,
                organization=ORGANIZATION,
                scope=scope,
                choose=lambda candidates: best_paths(candidates, args.limit),
                wanted=args.limit,
                include_longer=False,
            )
            direct.append(time.perf_counter() - started)

        with api_server(settings, port=args.port):
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            for source, target in pairs[:10]:  # warm the query plans and connections
                request(args.port, "GET", path_url(source, target, args), token=token, connection=connection)
            latencies, found = [], 0
            for source, target in pairs:
                started = time.perf_counter()
                status, body = request(
                    args.port, "GET", path_url(source, target, args), token=token, connection=connection
                )
                latencies.append(time.perf_counter() - started)
                if status != 200:
                    print(f"error {status}: {body}", file=sys.stderr)
                    return 1
                found += bool(body["paths"])
            qps, concurrent_latencies = throughput(pairs, args, token)

    baseline = query_times[BASELINE]
    print()
    print(
        f"path queries on {args.entities:,} entities / {args.relationships:,} relationships "
        f"(seed {args.seed}), max_hops {args.max_hops}, limit {args.limit}, {len(pairs)} random connected actor pairs"
    )
    print("  the shortest-paths query alone, through the driver (each variant on the same pairs, in turn):")
    for label, name in variants.items():
        agreement = "" if name == BASELINE else f"; same paths as the baseline on {same[name]}/{len(pairs)} pairs"
        print(f"    {label:<32} {percentiles(query_times[name], pairs, baseline)}{agreement}")
    print(
        f"  database hits (PROFILE, the same on any machine), summed over {min(args.profile_pairs, len(pairs))} pairs:"
    )
    for label, name in variants.items():
        print(f"    {label:<32} {hits[name]:>12,}  ({hits[name] / hits[BASELINE]:.2f}x the baseline's)")
    print(f"  store call, no API:             {percentiles(direct, pairs, baseline)}")
    print(
        f"  API, 1 client:                  {percentiles(latencies, pairs, baseline)}; "
        f"paths found for {found}/{len(pairs)}"
    )
    print(f"  API, {args.clients} clients: {qps:.1f} queries/s; {percentiles(concurrent_latencies, [], baseline)}")
    p95_api = percentile(latencies, 0.95)
    print(f"  API overhead at p95: {p95_api / percentile(direct, 0.95):.2f}x the store call through the driver")
    print(
        f"  target p95 < 100 ms -> {'met' if p95_api < 0.100 else 'NOT met'}; p95 <= 50 ms -> "
        f"{'met' if p95_api <= 0.050 else 'NOT met'}"
    )
    report_headlines(calibration, query_times, latencies, qps, args)
    return 0


def resolved_pairs(store: GraphStore, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    ids = resolve_ids(store, [end for pair in pairs for end in pair], ORGANIZATION)
    if any(entity_id is None for entity_id in ids):
        raise SystemExit("an actor of the generated ecosystem is missing from the benchmark database: load it again")
    return [(str(ids[i]), str(ids[i + 1])) for i in range(0, len(ids), 2)]


def time_variants(
    store: GraphStore, variants: dict[str, str], pairs: list[tuple[str, str]], max_hops: int, scope: GraphScope
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Each variant's time per pair (in turn, the order rotating), and on how many pairs it found the baseline's
    paths. Up to 50 shortest paths come back; where there are more, which 50 is the plan's choice, so such pairs
    are compared by the length of their paths only."""
    names = list(variants.values())
    times: dict[str, list[float]] = {name: [] for name in names}
    same = dict.fromkeys(names, 0)
    for number, (source, target) in enumerate(pairs):
        parameters = {
            "from": source,
            "to": target,
            "max_hops": max_hops,
            "exclude": [],
            **scope.parameters(ORGANIZATION),
        }
        found: dict[str, list[tuple[str, ...]]] = {}
        for offset in range(len(names)):
            name = names[(number + offset) % len(names)]
            started = time.perf_counter()
            records = store.driver.execute_query(store.queries[name], parameters, database_=store.database).records
            times[name].append(time.perf_counter() - started)
            found[name] = sorted(tuple(hop["key"] for hop in record["hops"]) for record in records)
        if not found[BASELINE]:
            raise SystemExit(f"no path between {source} and {target}, which the generator connects: check the ids")
        for name in names:
            truth, mine = found[BASELINE], found[name]
            if len(truth) >= 50 and len(mine) >= 50:
                same[name] += {len(p) for p in truth} == {len(p) for p in mine}
            else:
                same[name] += truth == mine
    return times, same


def profile_db_hits(
    store: GraphStore, name: str, pairs: list[tuple[str, str]], max_hops: int, scope: GraphScope
) -> int:
    """The database hits of a query over `pairs`, from PROFILE: a figure that does not depend on the machine."""

    def total(plan: dict[str, Any]) -> int:
        return int(plan.get("dbHits", 0)) + sum(total(child) for child in plan.get("children", []))

    hits = 0
    for source, target in pairs:
        parameters = {
            "from": source,
            "to": target,
            "max_hops": max_hops,
            "exclude": [],
            **scope.parameters(ORGANIZATION),
        }
        summary = store.driver.execute_query(
            "PROFILE " + store.queries[name], parameters, database_=store.database
        ).summary
        hits += total(summary.profile or {})
    return hits


def percentiles(values: list[float], pairs: list[tuple[str, str]], baseline: list[float]) -> str:
    """p50, p95, p99 in ms, p95 as a multiple of the baseline query's p95, and the worst pair when known."""
    worst = max(range(len(values)), key=values.__getitem__)
    text = (
        f"p50 {percentile(values, 0.5) * 1000:6.1f} ms, p95 {percentile(values, 0.95) * 1000:6.1f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:6.1f} ms "
        f"(p95 {percentile(values, 0.95) / percentile(baseline, 0.95):.2f}x the baseline query's)"
    )
    if pairs:
        text += f"; worst {values[worst] * 1000:.0f} ms, {pairs[worst][0]} -> {pairs[worst][1]}"
    return text


def report_headlines(
    calibration: Calibration,
    query_times: dict[str, list[float]],
    latencies: list[float],
    qps: float,
    args: argparse.Namespace,
) -> None:
    size = f"{args.entities:,} entities / {args.relationships:,} relationships"
    baseline, now = query_times[BASELINE], query_times[SHORTEST_PATHS_ANY]
    headline(
        f"paths query, {size}",
        f"p95 {percentile(now, 0.95) * 1000:.1f} ms now, {percentile(baseline, 0.95) * 1000:.1f} ms with the "
        f"baseline query ({percentile(now, 0.95) / percentile(baseline, 0.95):.2f}x)",
    )
    headline(
        f"GET /v1/paths, {size}",
        f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p95 {percentile(latencies, 0.95) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms; {args.clients} clients {qps:.1f} queries/s "
        f"(p95 = {calibration.python_ratio(percentile(latencies, 0.95))})",
    )


def ensure_loaded(store: GraphStore, *, entities: int, reuse: bool, ecosystem: Callable[[], Any]) -> None:
    """Load the `ecosystem` (made on demand) unless `reuse` and the benchmark database already holds it."""
    loaded = store.read(ENTITY_COUNT, {"kind": None, "organization": ORGANIZATION})[0]["total"]
    if reuse and loaded >= entities * 0.99:
        return
    print(f"loading the ecosystem (the benchmark database holds {loaded:,} entities)", file=sys.stderr)
    delete_everything(store)
    issue_key(store, ORGANIZATION)
    load(store, ecosystem())


def load(store, ecosystem) -> None:  # type: ignore[no-untyped-def]
    caller = Caller(organization=ORGANIZATION, role=Role.INTEGRATION, key_id="bench")
    started = time.perf_counter()
    total = 0
    for bundle in ecosystem.batches(10_000):
        ingest_bundle(store, caller=caller, bundle=BundleIn.model_validate(bundle), max_items=10_000)
        total += len(bundle["relationships"])
        rate = total / (time.perf_counter() - started)
        print(f"  loaded {total:,} relationships ({rate:,.0f}/s)", file=sys.stderr)
    print(f"loaded in {time.perf_counter() - started:.0f} s at {datetime.now(UTC):%H:%M}", file=sys.stderr)


def connected_actor_pairs(graph: nx.MultiDiGraph, count: int, max_hops: int, seed: int) -> list[tuple[str, str]]:
    undirected = nx.Graph(graph)
    actors = sorted(n for n, kind in graph.nodes(data="kind") if kind == "actor")
    rng = random.Random(seed)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < count:
        source, target = rng.sample(actors, 2)
        try:
            if nx.shortest_path_length(undirected, source, target) <= max_hops:
                pairs.append((source, target))
        except nx.NetworkXNoPath:
            continue
    return pairs


def path_url(source: str, target: str, args: argparse.Namespace) -> str:
    return "/v1/paths?" + urlencode({"from": source, "to": target, "max_hops": args.max_hops, "limit": args.limit})


def throughput(pairs: list[tuple[str, str]], args: argparse.Namespace, token: str) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    chunks = [pairs[i :: args.clients] for i in range(args.clients)]

    def client(chunk: list[tuple[str, str]]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        for source, target in chunk:
            started = time.perf_counter()
            request(args.port, "GET", path_url(source, target, args), token=token, connection=connection)
            with lock:
                latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(pairs) / (time.perf_counter() - started), latencies


if __name__ == "__main__":
    sys.exit(main())
