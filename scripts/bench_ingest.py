#!/usr/bin/env python3
"""Ingestion benchmark: a generated ecosystem posted through the real API, against a naive baseline.

The API path posts the ecosystem in bundles of --batch-size items to `POST /v1/bundles` of a real uvicorn
process on loopback, and reports relationships per second over the whole load (entities included in the
time). The baseline, measured in the same run on the same Neo4j, writes the same kind of items one query and one
transaction per item through the driver (the upsert Cypher, one row at a time; a client writing one item at a
time has no batch to look up first, so the bulk path's CREATE is not open to it): the "naive" path the issue
rules out. It runs on the first --naive-items relationships (after their entities) to keep the run short; its rate is
per relationship, like the API's.

    .venv/bin/python scripts/bench_ingest.py                       # 20,000 entities, 100,000 relationships
    .venv/bin/python scripts/bench_ingest.py --neo4j-uri bolt://... --password ...
"""

from __future__ import annotations

import argparse
import http.client
import random
import sys
import time
from datetime import UTC, datetime
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.models.bundles import BundleIn
from atlas_graph.services.resolution import plan_bundle
from atlas_graph.store.claims import refresh_entity_sharing
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import UPSERT_ENTITIES, UPSERT_RELATIONSHIPS, relationship_row, sharing_token
from atlas_graph.store.maintenance import delete_everything
from atlas_graph.synthetic import generate_ecosystem
from benchlib import api_server, bench_settings, bench_store, issue_key, request

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
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()

    ecosystem = generate_ecosystem(entities=args.entities, relationships=args.relationships, seed=args.seed)
    settings = bench_settings(args.neo4j_uri, args.password)
    with bench_store(settings) as store:
        token = issue_key(store, "Bench Org")
        naive_seconds, naive_count = naive_baseline(
            store, ecosystem.entities, ecosystem.relationships, args.naive_items
        )
        delete_everything(store)
        token = issue_key(store, "Bench Org")
        with api_server(settings, port=args.port):
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
            started = time.perf_counter()
            batches = 0
            for bundle in ecosystem.batches(args.batch_size):
                status, body = request(args.port, "POST", "/v1/bundles", bundle, token, connection)
                if status != 200:
                    print(f"batch {batches} failed: {status} {str(body)[:500]}", file=sys.stderr)
                    return 1
                batches += 1
                print(
                    f"  batch {batches}: {len(bundle['entities'])} entities, "
                    f"{len(bundle['relationships'])} relationships, {time.perf_counter() - started:.1f} s",
                    file=sys.stderr,
                )
            api_seconds = time.perf_counter() - started
            # Re-posting one batch must create nothing: a quick idempotence check on the loaded graph.
            first = next(iter(ecosystem.batches(args.batch_size)))
            status, body = request(args.port, "POST", "/v1/bundles", first, token, connection)
            assert status == 200 and body["counts"]["entities"]["created"] == 0

        ceiling_rate = raw_create_ceiling(store, ecosystem)

    api_rate = args.relationships / api_seconds
    naive_rate = naive_count / naive_seconds
    print()
    print(
        f"ingestion of {args.entities:,} entities + {args.relationships:,} relationships "
        f"(seed {args.seed}, bundles of {args.batch_size:,} items, {batches} bundles)"
    )
    print(f"  API, UNWIND batches:      {api_seconds:8.1f} s   {api_rate:10,.0f} relationships/s (entities included)")
    print(
        f"  naive, 1 query per item:  {naive_seconds:8.1f} s   {naive_rate:10,.0f} relationships/s "
        f"({naive_count:,} relationships)"
    )
    print(f"  speed-up over naive:      {api_rate / naive_rate:8.1f}x")
    print("  for scale, this machine now: bare CREATE of 10,000 relationships with 3 properties and no")
    print(f"  provenance, one transaction: {ceiling_rate:10,.0f} relationships/s")
    print(
        f"  target: >= 10,000 relationships/s and >= 20x naive -> "
        f"{'met' if api_rate >= 10_000 and api_rate / naive_rate >= 20 else 'NOT met'}"
    )
    return 0


def raw_create_ceiling(store: GraphStore, ecosystem: Any) -> float:
    """The machine's ceiling for relationship writes right now: plain CREATEs, best of three, then removed."""
    ids = [entity["id"] for entity in ecosystem.entities]
    rng = random.Random(0)
    best = float("inf")
    for trial in range(3):
        rows = [{"s": rng.choice(ids), "t": rng.choice(ids), "k": f"{trial}|{i}"} for i in range(10_000)]
        started = time.perf_counter()
        store.write_transaction(lambda tx, rows=rows: tx.run(store.queries[CEILING_CREATE], rows=rows).consume())
        best = min(best, time.perf_counter() - started)
    store.write_transaction(lambda tx: tx.run(store.queries[CEILING_DELETE]).consume())
    return 10_000 / best


def naive_baseline(
    store: GraphStore, entities: list[dict[str, Any]], relationships: list[dict[str, Any]], count: int
) -> tuple[float, int]:
    """Write `count` relationships (and the entities they need) one item per transaction, as a naive client would."""
    chosen = relationships[:count]
    needed = {ref["id"] for rel in chosen for ref in (rel["source"], rel["target"])}
    bundle = BundleIn.model_validate({"entities": [e for e in entities if e["id"] in needed], "relationships": chosen})
    plan = plan_bundle(bundle.entities, bundle.relationships, {})
    now = datetime.now(UTC)
    organization = "Bench Org"

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
                "assertion_id": f"assertion--naive-{entity.id}",
                "claim": entity.claim,
            },
        )
    for rel in plan.relationships:
        store.write_transaction(write_relationship, relationship_row(rel, organization, f"assertion--naive-{rel.key}"))
    return time.perf_counter() - started, len(plan.relationships)


if __name__ == "__main__":
    sys.exit(main())
