#!/usr/bin/env python3
"""Ingestion benchmark: a generated ecosystem posted through the real API, against a naive baseline.

The API path posts the ecosystem in bundles of --batch-size items to `POST /v1/bundles` of the service
started by `atlas-graph serve` on loopback, and reports relationships per second over the whole load (entities
included in the time). It posts the same bundles twice, emptying the graph in between, and measures the second load: the
first one warms the JVM (a fresh Neo4j's compiler threads take most of a core for its first minute), and is
printed too. The baseline, measured in the same run on the same warm Neo4j, writes the same kind of items one
query and one transaction per item through the driver (the upsert Cypher, one row at a time; a client writing one
item at a time has no batch to look up first, so the bulk path's CREATE is not open to it): the "naive" path the
issue rules out. It runs on the first --naive-items relationships (after their entities) to keep the run short;
its rate is per relationship, like the API's.

With --members N, it then also measures N members posting at once, each its own ecosystem (its own ids and names,
so that nothing of one resolves to the other) in bundles of the same size, one after the other per member: what
planning a bundle before the write lock buys, since one member's Python and look-ups then overlap the other's write.

With the local Neo4j, it also reads from /proc the CPU time the service and Neo4j used during the measured load,
and prints the rate the machine's cores would allow at that cost if every core were busy all the time: the
ceiling no scheduling of these writes can pass without making each one cheaper; and the CPU per relationship of the
load (service and Neo4j) against Neo4j's CPU per bare CREATE in the same run, a share the machine's load does not
move the way it moves rates.

    .venv/bin/python scripts/bench_ingest.py                       # 20,000 entities, 100,000 relationships
    .venv/bin/python scripts/bench_ingest.py --no-warmup           # the first load on a fresh JVM only
    .venv/bin/python scripts/bench_ingest.py --members 2           # also two members posting at once
    .venv/bin/python scripts/bench_ingest.py --neo4j-uri bolt://... --password ...
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.models.bundles import BundleIn
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.services.resolution import plan_bundle
from atlas_graph.store.claims import refresh_entity_sharing
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import (
    UPSERT_ENTITIES,
    UPSERT_RELATIONSHIPS,
    StoredIdentity,
    relationship_row,
    sharing_token,
)
from atlas_graph.store.maintenance import delete_everything
from atlas_graph.synthetic import generate_ecosystem
from benchlib import api_server, bench_settings, bench_store, calibrate, cpu_seconds, headline, issue_key, request

CEILING_CREATE = "bench/ceiling_create"
CEILING_DELETE = "bench/ceiling_delete"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=10_000, help="items per bundle (default 10,000)")
    parser.add_argument("--naive-items", type=int, default=3_000, help="relationships for the naive baseline")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8761)
    parser.add_argument("--no-warmup", action="store_true", help="measure the first load on a fresh JVM only")
    parser.add_argument(
        "--members", type=int, default=1, help="then also N members posting at once, each its own ecosystem"
    )
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()

    ecosystem = generate_ecosystem(entities=args.entities, relationships=args.relationships, seed=args.seed)
    bundles = list(ecosystem.batches(args.batch_size))
    # Encoded before the clock starts: the client shares the machine's two cores with what is measured.
    bodies = [json.dumps(bundle).encode() for bundle in bundles]
    settings = bench_settings(args.neo4j_uri, args.password)
    with bench_store(settings) as store:
        calibration = calibrate(store)
        neo4j_pid = LocalNeo4j(settings).status().pid if settings.uses_local_neo4j else None
        token = issue_key(store, "Bench Org")
        with api_server(settings, port=args.port) as api:
            warmup = None
            if not args.no_warmup:
                # A service runs for days: its JIT-compiled code is what a bulk load meets, not a fresh JVM's
                # interpreter, whose compiler threads take a core at first (docs/performance.md).
                print("warm-up load (the same bundles, then emptied):", file=sys.stderr)
                warmup = post_bundles(args.port, bundles, bodies, token, api.pid, neo4j_pid)
                delete_everything(store)
            naive_seconds, naive_count = naive_baseline(
                store, ecosystem.entities, ecosystem.relationships, args.naive_items
            )
            delete_everything(store)
            token = issue_key(store, "Bench Org")
            print("measured load:", file=sys.stderr)
            load = post_bundles(args.port, bundles, bodies, token, api.pid, neo4j_pid)
            # Re-posting one batch must create nothing: a quick idempotence check on the loaded graph.
            status, body = request(args.port, "POST", "/v1/bundles", bodies[0], token)
            assert status == 200 and body["counts"]["entities"]["created"] == 0
            together = None
            if args.members > 1:
                delete_everything(store)
                print(f"{args.members} members at once:", file=sys.stderr)
                together = post_together(store, ecosystem, args, api.pid, neo4j_pid)

        ceiling = create_ceiling(store, ecosystem, neo4j_pid)

    api_rate = args.relationships / load.seconds
    naive_rate = naive_count / naive_seconds
    print()
    print(
        f"ingestion of {args.entities:,} entities + {args.relationships:,} relationships "
        f"(seed {args.seed}, bundles of {args.batch_size:,} items, {len(bundles)} bundles)"
    )
    if warmup is not None:
        print(
            f"  first load, fresh JVM:    {warmup.seconds:8.1f} s   {args.relationships / warmup.seconds:10,.0f} "
            "relationships/s (warm-up)"
        )
    print(
        f"  API, UNWIND batches:      {load.seconds:8.1f} s   {api_rate:10,.0f} relationships/s (entities included"
        f"{', warm JVM' if warmup is not None else ''})"
    )
    print(
        f"  naive, 1 query per item:  {naive_seconds:8.1f} s   {naive_rate:10,.0f} relationships/s "
        f"({naive_count:,} relationships)"
    )
    print(f"  speed-up over naive:      {api_rate / naive_rate:8.1f}x")
    print(f"  API rate as a share of the calibration's bare CREATE: {calibration.create_share(api_rate)}")
    print_cpu_budget(load, args.relationships, len(bundles))
    print("  for scale, this machine now: bare CREATE of 10,000 relationships with 3 properties and no")
    print(f"  provenance, one transaction: {ceiling.rate:10,.0f} relationships/s")
    if ceiling.cpu_per_relationship is not None and load.neo4j_cpu is not None:
        # CPU seconds survive a loaded machine where rates do not: the share at equal CPU is the figure to compare.
        spent = (load.service_cpu + load.neo4j_cpu) / args.relationships
        print(
            f"  CPU per relationship: bare CREATE {ceiling.cpu_per_relationship * 1e6:.0f} us (Neo4j), the API's "
            f"load {spent * 1e6:.0f} us (service + Neo4j): {ceiling.cpu_per_relationship / spent:.1%} of the "
            "ceiling at equal CPU"
        )
    headline("API bulk load", f"{api_rate:,.0f} relationships/s ({calibration.create_share(api_rate)})")
    if together is not None:
        members_rate = args.members * args.relationships / together.seconds
        print(
            f"  {args.members} members at once:       {together.seconds:8.1f} s   {members_rate:10,.0f} "
            f"relationships/s ({members_rate / api_rate:.2f}x one poster; {calibration.create_share(members_rate)})"
        )
        print_cpu_budget(together, args.members * args.relationships, args.members * len(bundles))
        headline(
            f"API bulk load, {args.members} members at once",
            f"{members_rate:,.0f} relationships/s ({members_rate / api_rate:.2f}x one poster)",
        )
    headline(
        "naive, 1 item per transaction", f"{naive_rate:,.0f} relationships/s ({api_rate / naive_rate:.1f}x slower)"
    )
    print(
        f"  target: >= 10,000 relationships/s and >= 20x naive -> "
        f"{'met' if api_rate >= 10_000 and api_rate / naive_rate >= 20 else 'NOT met'}"
    )
    return 0


@dataclass(frozen=True)
class Load:
    seconds: float
    service_cpu: float
    neo4j_cpu: float | None
    client_cpu: float


def post_bundles(
    port: int,
    bundles: list[dict[str, Any]],
    bodies: list[bytes],
    token: str,
    service_pid: int,
    neo4j_pid: int | None,
) -> Load:
    """Post the encoded bundles one after the other, timing them and the CPU each process used meanwhile."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    service_before = cpu_seconds(service_pid)
    neo4j_before = cpu_seconds(neo4j_pid) if neo4j_pid is not None else 0.0
    client_before = time.process_time()
    started = time.perf_counter()
    for number, (bundle, body) in enumerate(zip(bundles, bodies, strict=True), start=1):
        status, answer = request(port, "POST", "/v1/bundles", body, token, connection)
        if status != 200:
            raise SystemExit(f"batch {number} failed: {status} {str(answer)[:500]}")
        print(
            f"  batch {number}: {len(bundle['entities'])} entities, "
            f"{len(bundle['relationships'])} relationships, {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
    seconds = time.perf_counter() - started
    connection.close()
    return Load(
        seconds=seconds,
        service_cpu=cpu_seconds(service_pid) - service_before,
        neo4j_cpu=cpu_seconds(neo4j_pid) - neo4j_before if neo4j_pid is not None else None,
        client_cpu=time.process_time() - client_before,
    )


def member_bundles(ecosystem: Any, member: int, batch_size: int) -> list[bytes]:
    """The ecosystem's bundles as member `member` would post them: ids and names of its own, encoded."""
    tag = f"m{member}-"

    def reference(end: dict[str, Any]) -> dict[str, Any]:
        return {**end, "id": tag + end["id"]}

    encoded = []
    for bundle in ecosystem.batches(batch_size):
        entities = [
            {**e, "id": tag + e["id"], "name": f"{tag}{e['name']}", "aliases": [tag + a for a in e["aliases"]]}
            for e in bundle["entities"]
        ]
        relationships = [
            {**r, "source": reference(r["source"]), "target": reference(r["target"])} for r in bundle["relationships"]
        ]
        encoded.append(json.dumps({"entities": entities, "relationships": relationships}).encode())
    return encoded


def post_together(
    store: GraphStore, ecosystem: Any, args: argparse.Namespace, service_pid: int, neo4j_pid: int | None
) -> Load:
    """`args.members` members, each posting its own copy of `ecosystem` (ids and names of its own) bundle after
    bundle, all at once."""
    members = [
        (issue_key(store, f"Bench Member {member}"), member_bundles(ecosystem, member, args.batch_size))
        for member in range(1, args.members + 1)
    ]
    failures: list[str] = []

    def post(token: str, bodies: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
        try:
            for body in bodies:
                status, answer = request(args.port, "POST", "/v1/bundles", body, token, connection)
                if status != 200:
                    failures.append(f"{status} {str(answer)[:300]}")
                    return
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=member) for member in members]
    service_before = cpu_seconds(service_pid)
    neo4j_before = cpu_seconds(neo4j_pid) if neo4j_pid is not None else 0.0
    client_before = time.process_time()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if failures:
        raise SystemExit(f"a member's bundle failed: {failures[0]}")
    return Load(
        seconds=seconds,
        service_cpu=cpu_seconds(service_pid) - service_before,
        neo4j_cpu=cpu_seconds(neo4j_pid) - neo4j_before if neo4j_pid is not None else None,
        client_cpu=time.process_time() - client_before,
    )


def print_cpu_budget(load: Load, relationships: int, bundles: int) -> None:
    """What the measured load cost in CPU, and the rate the machine's cores would allow at that cost."""
    if load.neo4j_cpu is None:
        print(f"  CPU: service {load.service_cpu:.1f} s (Neo4j is remote, its CPU is not measured here)")
        return
    cores = os.cpu_count() or 1
    total = load.service_cpu + load.neo4j_cpu + load.client_cpu
    print(
        f"  CPU during the load:      service {load.service_cpu:.1f} s, Neo4j {load.neo4j_cpu:.1f} s, "
        f"client {load.client_cpu:.1f} s; per bundle {load.service_cpu / bundles:.2f} + "
        f"{load.neo4j_cpu / bundles:.2f} s"
    )
    print(
        f"  at that cost, {cores} cores busy all the time would allow at most "
        f"{relationships / (total / cores):,.0f} relationships/s"
    )


@dataclass(frozen=True)
class Ceiling:
    rate: float
    """Bare CREATEs per second, best of three."""
    cpu_per_relationship: float | None
    """Neo4j's CPU seconds per bare CREATE (all three trials), when Neo4j is local: what the load does not change."""


def raw_create_ceiling(store: GraphStore, ecosystem: Any) -> float:
    """The machine's ceiling for relationship writes right now, in relationships per second (see `create_ceiling`)."""
    return create_ceiling(store, ecosystem, None).rate


def create_ceiling(store: GraphStore, ecosystem: Any, neo4j_pid: int | None) -> Ceiling:
    """The machine's ceiling for relationship writes right now: plain CREATEs, best of three, then removed."""
    ids = [entity["id"] for entity in ecosystem.entities]
    rng = random.Random(0)
    best = float("inf")
    cpu_before = cpu_seconds(neo4j_pid) if neo4j_pid is not None else 0.0
    for trial in range(3):
        rows = [{"s": rng.choice(ids), "t": rng.choice(ids), "k": f"{trial}|{i}"} for i in range(10_000)]
        started = time.perf_counter()
        store.write_transaction(lambda tx, rows=rows: tx.run(store.queries[CEILING_CREATE], rows=rows).consume())
        best = min(best, time.perf_counter() - started)
    cpu = cpu_seconds(neo4j_pid) - cpu_before if neo4j_pid is not None else None
    store.write_transaction(lambda tx: tx.run(store.queries[CEILING_DELETE]).consume())
    return Ceiling(rate=10_000 / best, cpu_per_relationship=cpu / 30_000 if cpu is not None else None)


def naive_baseline(
    store: GraphStore, entities: list[dict[str, Any]], relationships: list[dict[str, Any]], count: int
) -> tuple[float, int]:
    """Write `count` relationships (and the entities they need) one item per transaction, as a naive client would."""
    chosen = relationships[:count]
    needed = {ref["id"] for rel in chosen for ref in (rel["source"], rel["target"])}
    bundle = BundleIn.model_validate({"entities": [e for e in entities if e["id"] in needed], "relationships": chosen})
    organization = "Bench Org"
    plan = plan_bundle(bundle.entities, bundle.relationships, StoredIdentity(), organization=organization)
    now = datetime.now(UTC)

    def write_entity(tx: ManagedTransaction, row: dict[str, Any]) -> None:
        tx.run(store.queries[UPSERT_ENTITIES], rows=[row], organization=organization, now=now).consume()
        refresh_entity_sharing(tx, store.queries, [row["id"]])

    def write_relationship(tx: ManagedTransaction, row: dict[str, Any]) -> None:
        tx.run(
            store.queries[UPSERT_RELATIONSHIPS],
            rows=[row],
            organization=organization,
            organization_token=sharing_token(organization, []),
            now=now,
        ).consume()

    started = time.perf_counter()
    for entity in plan.entities:
        store.write_transaction(
            write_entity,
            {
                "id": entity.id,
                "label": entity.kind.label,
                "kind": entity.kind.value,
                "name": entity.name,
                "keys": entity.keys,
                "claim_key": entity.claim_key,
                "anchor": entity.anchor,
                "assertion_id": f"assertion--naive-{entity.id}",
                "claim": entity.claim,
                "names": [{"key": key, "primary": primary} for key, primary in entity.names],
            },
        )
    for rel in plan.relationships:
        store.write_transaction(write_relationship, relationship_row(rel, organization, f"assertion--naive-{rel.key}"))
    return time.perf_counter() - started, len(plan.relationships)


if __name__ == "__main__":
    sys.exit(main())
