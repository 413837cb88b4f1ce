"""`atlas-graph backup FILE` and `atlas-graph restore FILE`: the whole graph to a file and back.

Progress goes to stderr, one line per batch; the summary goes to stdout. `cli.build_parser` adds both commands with
`add_backup_parsers(commands)`. What a backup holds and how consistent it is: docs/operations.md.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from atlas_graph.config import Settings

if TYPE_CHECKING:
    from atlas_graph.cli.common import SubParsers
    from atlas_graph.services.backup import Progress
    from atlas_graph.store.graph import GraphStore


def add_backup_parsers(subparsers: SubParsers) -> None:
    """Add `backup` and `restore` to the `atlas-graph` command's subcommands."""
    for name, help_text, description, run in _COMMANDS:
        command = subparsers.add_parser(name, help=help_text, description=description)
        command.add_argument("file", type=Path, metavar="FILE")
        command.set_defaults(handler=functools.partial(_run_on_file, run))


def _run_on_file(run: Callable[[GraphStore, Path], str], args: argparse.Namespace, settings: Settings) -> int:
    """Both commands: one store, FILE, and the summary line on stdout once the store is closed."""
    from atlas_graph.cli.common import cli_store

    with cli_store(settings) as store:
        summary = run(store, args.file)
    print(summary)
    return 0


def _back_up(store: GraphStore, file: Path) -> str:
    from atlas_graph.services import backup

    summary = backup.write_backup(store, path=file, progress=_say_progress)
    return (
        f"backed up {summary.nodes:,} nodes and {summary.relationships:,} relationships (graph version "
        f"{summary.graph_version}) to {summary.path}: {summary.bytes / 1e6:.1f} MB in {summary.seconds:.1f} s"
    )


def _restore(store: GraphStore, file: Path) -> str:
    from atlas_graph.services import backup

    summary = backup.restore_backup(store, path=file, progress=_say_progress)
    return (
        f"restored {summary.nodes:,} nodes and {summary.relationships:,} relationships from {file} (made by "
        f"atlas-graph {summary.atlas_graph_version}, graph version {summary.graph_version}) in "
        f"{summary.seconds:.1f} s"
    )


def _say_progress(progress: Progress) -> None:
    of = f"/{progress.total:,}" if progress.total is not None else ""
    print(f"{progress.phase}: {progress.done:,}{of}  ({progress.elapsed:.1f} s)", file=sys.stderr, flush=True)


_COMMANDS: tuple[tuple[str, str, str, Callable[[GraphStore, Path], str]], ...] = (
    (
        "backup",
        "write everything in the graph to FILE (gzip JSON lines), consistently, while the service runs",
        "Write every node and relationship (entities, claims, organizations, key hashes, audit events, merges...) "
        "to FILE, gzip-compressed JSON lines readable by its owner only. Bundles, merges and retractions wait while "
        "it reads. FILE must not exist. See docs/operations.md.",
        _back_up,
    ),
    (
        "restore",
        "load a backup FILE into an empty database (local or ATLAS_NEO4J_URI)",
        "Check FILE whole, create the schema, then load its nodes and relationships in batches into the configured "
        "database, which must be empty. See docs/operations.md.",
        _restore,
    ),
)
"""Each command's name, help, description, and what it does with the store and FILE (its summary line)."""
