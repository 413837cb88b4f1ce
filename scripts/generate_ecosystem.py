"""Write a seeded synthetic cybercrime ecosystem as one bundle JSON file, or as a folder of postable batches.

Examples::

    python scripts/generate_ecosystem.py --entities 100000 --relationships 500000 --seed 7 --out eco.json
    python scripts/generate_ecosystem.py --seed 7 --batch-size 5000 --out-dir var/ecosystem-7

Batch files are named ``batch-000001.json``, ``batch-000002.json``, ...; post them in name order: each one's
relationships reference only entities of that batch or of earlier ones. Counts per entity kind and per
relationship type go to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from atlas_graph.synthetic import Ecosystem, generate_ecosystem


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, generate the ecosystem, write it and report what was written."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.batch_size < 1:
        parser.error(f"--batch-size must be at least 1, got {arguments.batch_size}")
    started = time.perf_counter()
    try:
        ecosystem = generate_ecosystem(
            entities=arguments.entities,
            relationships=arguments.relationships,
            seed=arguments.seed,
            id_prefix=arguments.id_prefix,
        )
    except ValueError as impossible:
        parser.error(str(impossible))
    generated = time.perf_counter()
    if arguments.out is not None:
        _write_json(arguments.out, ecosystem.as_bundle())
        written = f"1 bundle to {arguments.out}"
    else:
        files = _write_batches(ecosystem, arguments.out_dir, arguments.batch_size)
        written = f"{files} batch files of at most {arguments.batch_size} items to {arguments.out_dir}"
    finished = time.perf_counter()
    _report(ecosystem, sys.stderr)
    print(
        f"seed {ecosystem.seed}: generated in {generated - started:.1f} s, wrote {written} "
        f"in {finished - generated:.1f} s",
        file=sys.stderr,
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Write a seeded synthetic cybercrime ecosystem as JSON.")
    parser.add_argument("--entities", type=int, default=1000, help="how many entities (default: 1000)")
    parser.add_argument("--relationships", type=int, default=5000, help="how many relationships (default: 5000)")
    parser.add_argument("--seed", type=int, default=None, help="seed; omit for a fresh one, printed at the end")
    parser.add_argument("--id-prefix", default="syn", help='first part of every entity id (default: "syn")')
    destination = parser.add_mutually_exclusive_group(required=True)
    destination.add_argument("--out", type=Path, help="write one bundle to this JSON file")
    destination.add_argument("--out-dir", type=Path, help="write batch files to this folder")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=5000,
        help="most entities plus relationships per batch file, with --out-dir (default: 5000)",
    )
    return parser


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as file:
        json.dump(document, file, ensure_ascii=False, separators=(",", ":"))
        file.write("\n")


def _write_batches(ecosystem: Ecosystem, folder: Path, batch_size: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for count, batch in enumerate(ecosystem.batches(batch_size), start=1):
        _write_json(folder / f"batch-{count:06d}.json", batch)
    return count


def _report(ecosystem: Ecosystem, stream: Any) -> None:
    kinds = Counter(entity["kind"] for entity in ecosystem.entities)
    types = Counter(relationship["type"] for relationship in ecosystem.relationships)
    print(f"{len(ecosystem.entities)} entities:", file=stream)
    for kind, count in kinds.most_common():
        print(f"  {kind:<20} {count:>9}", file=stream)
    print(f"{len(ecosystem.relationships)} relationships:", file=stream)
    for relationship_type, count in types.most_common():
        print(f"  {relationship_type:<20} {count:>9}", file=stream)


if __name__ == "__main__":
    raise SystemExit(main())
