"""`atlas-graph backup FILE` and `atlas-graph restore FILE`: the whole graph to a file and back.

Progress goes to stderr, one line per batch; the summary goes to stdout. `cli.build_parser` adds both commands with
`add_backup_parsers(commands)`. What a backup holds and how consistent it is: docs/operations.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from atlas_graph.config import Settings

if TYPE_CHECKING:
    from atlas_graph.cli.common import SubParsers
    from atlas_graph.services.backup import Progress


def add_backup_parsers(subparsers: SubParsers) -> None:
    """Add `backup` and `restore` to the `atlas-graph` command's subcommands."""
    backup = subparsers.add_parser(
        "backup",
        help="write everything in the graph to FILE (gzip JSON lines), consistently, while the service runs",
        description="Write every node and relationship (entities, claims, organizations, key hashes, audit events, "
        "merges...) to FILE, gzip-compressed JSON lines readable by its owner only. Bundles, merges and "
        "retractions wait while it reads. FILE must not exist. See docs/operations.md.",
    )
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.set_defaults(handler=run_backup)

    restore = subparsers.add_parser(
        "restore",
        help="load a backup FILE into an empty database (local or ATLAS_NEO4J_URI)",
        description="Check FILE whole, create the schema, then load its nodes and relationships in batches into "
        "the configured database, which must be empty. See docs/operations.md.",
    )
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.cli.common import cli_store
    from atlas_graph.services import backup

    with cli_store(settings) as store:
        summary = backup.write_backup(store, path=args.file, progress=_say_progress)
    print(
        f"backed up {summary.nodes:,} nodes and {summary.relationships:,} relationships (graph version "
        f"{summary.graph_version}) to {summary.path}: {summary.bytes / 1e6:.1f} MB in {summary.seconds:.1f} s"
    )
    return 0


def run_restore(args: argparse.Namespace, settings: Settings) -> int:
    from atlas_graph.cli.common import cli_store
    from atlas_graph.services import backup

    with cli_store(settings) as store:
        summary = backup.restore_backup(store, path=args.file, progress=_say_progress)
    print(
        f"restored {summary.nodes:,} nodes and {summary.relationships:,} relationships from {args.file} (made by "
        f"atlas-graph {summary.atlas_graph_version}, graph version {summary.graph_version}) in "
        f"{summary.seconds:.1f} s"
    )
    return 0


def _say_progress(progress: Progress) -> None:
    of = f"/{progress.total:,}" if progress.total is not None else ""
    print(f"{progress.phase}: {progress.done:,}{of}  ({progress.elapsed:.1f} s)", file=sys.stderr, flush=True)
