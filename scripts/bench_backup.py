#!/usr/bin/env python3
"""Backup and restore benchmark: a generated ecosystem of 100,000 relationships, backed up and restored.

It loads a generated ecosystem through the real API (as bench_ingest.py does), times `write_backup` to a file,
empties the database and times `restore_backup` from that file into it, then checks that the restored graph is
the same: the same numbers of nodes and relationships, and a second backup whose nodes and relationships match
the first line for line once sorted (element ids aside, which a backup never holds).

Calibration, measured in the same run on the same Neo4j, for reading the figures on a busy machine:
- reading: every node and relationship with its properties through the driver, with nothing encoded or written
  (the floor of a backup, which adds JSON, gzip and the file);
- writing: bare CREATE of 10,000 relationships with 3 properties in one transaction, as bench_ingest.py prints it.

    .venv/bin/python scripts/bench_backup.py                       # 20,000 entities, 100,000 relationships
    ATLAS_BENCH_NEO4J_PORT=7700 .venv/bin/python scripts/bench_backup.py --relationships 20000
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from atlas_graph.services import backup
from atlas_graph.store.backup import BACKUP_NODES, BACKUP_RELATIONSHIPS
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from atlas_graph.synthetic import generate_ecosystem
from bench_ingest import post_bundles, raw_create_ceiling
from benchlib import api_server, bench_settings, bench_store, calibrate, headline, issue_key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--relationships", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=10_000, help="items per bundle when loading")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8763)
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--password")
    args = parser.parse_args()

    ecosystem = generate_ecosystem(entities=args.entities, relationships=args.relationships, seed=args.seed)
    bundles = list(ecosystem.batches(args.batch_size))
    bodies = [json.dumps(bundle).encode() for bundle in bundles]
    settings = bench_settings(args.neo4j_uri, args.password)
    with bench_store(settings) as store, tempfile.TemporaryDirectory(prefix="atlas-bench-backup-") as folder:
        calibration = calibrate(store)
        token = issue_key(store, "Bench Org")
        with api_server(settings, port=args.port) as api:
            print("loading the ecosystem through the API:", file=sys.stderr)
            post_bundles(args.port, bundles, bodies, token, api.pid, None)

        read_seconds, read_items = driver_read(store)
        first = Path(folder) / "first.jsonl.gz"
        taken = backup.write_backup(store, path=first, progress=say)
        delete_everything(store)
        restored = backup.restore_backup(store, path=first, progress=say)
        second = Path(folder) / "second.jsonl.gz"
        again = backup.write_backup(store, path=second)
        same = sorted_body(first) == sorted_body(second)
        ceiling_rate = raw_create_ceiling(store, ecosystem)

    items = taken.nodes + taken.relationships
    print()
    print(
        f"backup and restore of a generated ecosystem ({args.entities:,} entities, {args.relationships:,} "
        f"relationships posted, seed {args.seed}): {taken.nodes:,} nodes and {taken.relationships:,} "
        "relationships in Neo4j"
    )
    print(
        f"  backup:   {taken.seconds:7.1f} s  {items / taken.seconds:9,.0f} items/s  "
        f"file {taken.bytes / 1e6:.1f} MB (gzip JSON lines)"
    )
    print(f"  restore:  {restored.seconds:7.1f} s  {items / restored.seconds:9,.0f} items/s  (check, schema, load)")
    print(
        f"  restored graph backed up again: {again.nodes:,} nodes, {again.relationships:,} relationships, "
        f"{'identical' if same else 'DIFFERENT'} content"
    )
    print("  calibration, this machine now:")
    print(
        f"    driver read of every node and relationship, nothing encoded: {read_seconds:7.1f} s "
        f"{read_items / read_seconds:9,.0f} items/s  (backup / read = {taken.seconds / read_seconds:.1f}x)"
    )
    print(
        f"    bare CREATE of 10,000 relationships, one transaction: {ceiling_rate:9,.0f} relationships/s  "
        f"(restore at {taken.relationships / ceiling_rate:.1f} s of bare creates for its relationships alone)"
    )
    headline("backup", f"{items / taken.seconds:,.0f} items/s ({calibration.create_share(items / taken.seconds)})")
    headline(
        "restore", f"{items / restored.seconds:,.0f} items/s ({calibration.create_share(items / restored.seconds)})"
    )
    return 0 if same and (again.nodes, again.relationships) == (taken.nodes, taken.relationships) else 1


def driver_read(store: GraphStore) -> tuple[float, int]:
    started = time.perf_counter()
    items = len(store.read(BACKUP_NODES)) + len(store.read(BACKUP_RELATIONSHIPS))
    return time.perf_counter() - started, items


def sorted_body(path: Path) -> list[str]:
    """The node and relationship lines of a backup with the node numbers replaced by the nodes themselves."""
    nodes: dict[int, str] = {}
    relationships: list[dict[str, Any]] = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            document = json.loads(line)
            if "n" in document:
                nodes[document["n"]] = json.dumps([sorted(document["labels"]), document["properties"]], sort_keys=True)
            elif "r" in document:
                relationships.append(document)
    return sorted(nodes.values()) + sorted(
        f"{nodes[r['r'][0]]} {json.dumps([r['type'], r['properties']], sort_keys=True)} {nodes[r['r'][1]]}"
        for r in relationships
    )


def say(progress: backup.Progress) -> None:
    of = f"/{progress.total:,}" if progress.total is not None else ""
    print(f"  {progress.phase}: {progress.done:,}{of}  {progress.elapsed:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
