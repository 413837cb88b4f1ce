#!/usr/bin/env python3
"""Path-query benchmark: a generated ecosystem in the local Neo4j, path queries through the real API.

Loads --entities / --relationships (default 100,000 / 500,000) with the ingestion service in bundles of 10,000
(skipped with --reuse when the benchmark database already holds that ecosystem), picks random pairs of actors
that are connected within --max-hops in the generated graph, then times `GET /v1/paths` (max_hops 6, limit 5)
through the service (`atlas-graph serve`) on loopback: one client for latency (p50, p95), then --clients
concurrent clients for throughput. The baseline is the same path query (the same Cypher file, the same
parameters) run straight against Neo4j by the driver, so API overhead is the ratio of the two.

    .venv/bin/python scripts/bench_paths.py [--queries 300] [--clients 4] [--reuse]
"""

from __future__ import annotations

import argparse
import http.client
import random
import sys
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import networkx as nx

from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.vocabulary import Role
from atlas_graph.services.access import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.services.paths import best_paths
from atlas_graph.store.entities import ENTITY_COUNT
from atlas_graph.store.maintenance import delete_everything
from atlas_graph.store.paths import SHORTEST_PATHS_ANY, find_paths
from atlas_graph.store.scope import GraphScope
from atlas_graph.synthetic import generate_ecosystem
from benchlib import api_server, bench_settings, bench_store, issue_key, request, summary_ms

ORGANIZATION = "Bench Org"


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
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()

    ecosystem = generate_ecosystem(entities=args.entities, relationships=args.relationships, seed=args.seed)
    settings = bench_settings(args.neo4j_uri, args.password)
    with bench_store(settings, empty=False) as store:
        loaded = store.read(ENTITY_COUNT, {"kind": None, "organization": ORGANIZATION})[0]["total"]
        if not (args.reuse and loaded >= args.entities * 0.99):
            print(f"loading the ecosystem (the benchmark database holds {loaded:,} entities)", file=sys.stderr)
            delete_everything(store)
            issue_key(store, ORGANIZATION)
            load(store, ecosystem)
        token = issue_key(store, ORGANIZATION, Role.READER)
        pairs = connected_actor_pairs(ecosystem.to_networkx(), args.queries, args.max_hops, args.seed)
        scope = GraphScope()

        # Baselines without the API: the candidate Cypher query alone, and every query of a request (the store
        # call the service makes: shortest paths, the fallback when needed, evidence, node names) in one read.
        single, direct = [], []
        for source, target in pairs:
            parameters = {"from": source, "to": target, "max_hops": args.max_hops, **scope.parameters(ORGANIZATION)}
            started = time.perf_counter()
            store.driver.execute_query(store.queries[SHORTEST_PATHS_ANY], parameters, database_=store.database)
            single.append(time.perf_counter() - started)
            started = time.perf_counter()
            find_paths(
                store,
                source=source,
                target=target,
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

    print()
    print(
        f"path queries on {args.entities:,} entities / {args.relationships:,} relationships "
        f"(seed {args.seed}), max_hops {args.max_hops}, limit {args.limit}, {len(pairs)} random connected actor pairs"
    )
    print(f"  API, 1 client:        {summary_ms(latencies)}; paths found for {found}/{len(pairs)}")
    print(f"  store call, no API:   {summary_ms(direct)}")
    print(f"  candidate query only: {summary_ms(single)}")
    p95_api = sorted(latencies)[int(0.95 * (len(latencies) - 1))]
    p95_direct = sorted(direct)[int(0.95 * (len(direct) - 1))]
    print(f"  API overhead at p95:  {p95_api / p95_direct:.2f}x the same queries through the driver")
    print(f"  API, {args.clients} clients:       {qps:.1f} queries/s; {summary_ms(concurrent_latencies)}")
    print(f"  target p95 < 100 ms -> {'met' if p95_api < 0.100 else 'NOT met'}")
    return 0


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
