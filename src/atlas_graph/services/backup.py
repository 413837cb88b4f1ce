"""Backups that restore: the whole graph as gzip-compressed JSON lines, and loading one into an empty database.

A backup file is, one JSON document a line, gzip-compressed:

- a header: ``{"format": "atlas-graph-backup", "format_version": 1, "atlas_graph_version", "created_at",
  "graph_version", "neo4j": {...}, "schema": {"files", "constraints", "indexes"}}``;
- every node: ``{"n": number, "labels": [...], "properties": {...}}``;
- every relationship: ``{"r": [start number, end number], "type": ..., "properties": {...}}``;
- a trailer: ``{"end": {"nodes": n, "relationships": m}}``, without which the file is refused as cut short.

Property values are JSON, or tagged objects for Neo4j's other types (see store.backup.encode_value). The file
holds API key hashes and every organization's RED claims: it is written readable by its owner only.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from atlas_graph.errors import AtlasGraphError, Conflict
from atlas_graph.store import backup as backup_store
from atlas_graph.store.backup import DumpedNode, DumpedRelationship
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.schema import SCHEMA_PREFIX, apply_schema, sync_community_labels

FORMAT = "atlas-graph-backup"
FORMAT_VERSION = 1
BATCH_SIZE = 5_000


class BackupFileError(AtlasGraphError):
    """A file that is not a whole atlas-graph backup this version can read."""


@dataclass(frozen=True)
class Progress:
    """How far a backup or restore has come: `phase` is "nodes" or "relationships"; `total` is None if unknown."""

    phase: str
    done: int
    total: int | None
    elapsed: float


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    nodes: int
    relationships: int
    graph_version: str
    bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreSummary:
    nodes: int
    relationships: int
    graph_version: str
    atlas_graph_version: str
    seconds: float


def atlas_graph_version() -> str:
    try:
        return metadata.version("atlas-graph")
    except metadata.PackageNotFoundError:
        return "unknown"


def write_backup(store: GraphStore, *, path: Path, progress: ProgressCallback | None = None) -> BackupSummary:
    """Dump every node and relationship to `path` (gzip JSON lines) in one transaction that holds the write lock.

    The file appears only once complete: it is written beside `path` and renamed. An existing `path` is refused.
    """
    if path.exists():
        raise Conflict(f"{path} exists already; a backup never overwrites a file")
    started = time.monotonic()
    server = store.server_info()
    schema = backup_store.schema_listing(store)
    partial = path.with_name(path.name + ".partial")
    state: dict[str, Any] = {}

    def begin(graph_version: str) -> None:
        # Called again when the driver retries the transaction: start the file afresh.
        if "file" in state:
            state["file"].close()
        state["file"] = _open_private(partial)
        state["phase"], state["count"] = "nodes", 0
        _write_line(
            state["file"],
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "atlas_graph_version": atlas_graph_version(),
                "created_at": datetime.now(UTC).isoformat(),
                "graph_version": graph_version,
                "neo4j": {"version": server.version, "edition": server.edition, "database": server.database},
                "schema": {
                    "files": [name.removeprefix(SCHEMA_PREFIX) for name in store.queries.names(SCHEMA_PREFIX)],
                    "constraints": schema.constraints,
                    "indexes": schema.indexes,
                },
            },
        )

    def tick(phase: str) -> None:
        state["count"] += 1
        if progress is not None and state["count"] % BATCH_SIZE == 0:
            progress(Progress(phase=phase, done=state["count"], total=None, elapsed=time.monotonic() - started))

    def node(dumped: DumpedNode) -> None:
        _write_line(state["file"], {"n": dumped.number, "labels": dumped.labels, "properties": dumped.properties})
        tick("nodes")

    def relationship(dumped: DumpedRelationship) -> None:
        if state.get("phase") != "relationships":
            state["phase"], state["count"] = "relationships", 0
        _write_line(
            state["file"],
            {"r": [dumped.start, dumped.end], "type": dumped.type, "properties": dumped.properties},
        )
        tick("relationships")

    try:
        summary = backup_store.dump_graph(store, begin=begin, node=node, relationship=relationship)
        _write_line(state["file"], {"end": {"nodes": summary.nodes, "relationships": summary.relationships}})
        state["file"].close()
        os.replace(partial, path)
    except BaseException:
        if "file" in state:
            state["file"].close()
        partial.unlink(missing_ok=True)
        raise
    return BackupSummary(
        path=path,
        nodes=summary.nodes,
        relationships=summary.relationships,
        graph_version=summary.graph_version,
        bytes=path.stat().st_size,
        seconds=time.monotonic() - started,
    )


def read_header(path: Path) -> dict[str, Any]:
    """The header of a backup, after checking that the file is whole (its trailer is there and adds up)."""
    header: dict[str, Any] | None = None
    nodes = relationships = 0
    trailer: dict[str, Any] | None = None
    for line_number, document in _documents(path):
        if header is None:
            header = _checked_header(path, document)
        elif trailer is not None:
            raise BackupFileError(f"{path}: line {line_number} follows the end marker")
        elif "n" in document:
            nodes += 1
        elif "r" in document:
            relationships += 1
        elif "end" in document:
            trailer = document["end"]
        else:
            raise BackupFileError(f"{path}: line {line_number} is neither a node nor a relationship")
    if header is None:
        raise BackupFileError(f"{path} is empty")
    if trailer is None:
        raise BackupFileError(f"{path} is cut short: it has no end marker (was the backup interrupted?)")
    if trailer != {"nodes": nodes, "relationships": relationships}:
        raise BackupFileError(
            f"{path} says it holds {trailer.get('nodes')} nodes and {trailer.get('relationships')} relationships "
            f"but has {nodes} and {relationships}"
        )
    return {**header, "nodes": nodes, "relationships": relationships}


def restore_backup(store: GraphStore, *, path: Path, progress: ProgressCallback | None = None) -> RestoreSummary:
    """Load a backup into an empty database, whose schema (this version's) is already applied.

    The whole file is checked before anything is written; a database holding any node is refused.
    """
    started = time.monotonic()
    header = read_header(path)
    apply_schema(store)
    unknown = sorted(
        set(header["schema"]["files"])
        - {name.removeprefix(SCHEMA_PREFIX) for name in store.queries.names(SCHEMA_PREFIX)}
    )
    if unknown:
        raise BackupFileError(
            f"{path} was made by atlas-graph {header['atlas_graph_version']}, whose schema has steps this version "
            f"lacks ({', '.join(unknown)}): restore it with that version or a later one"
        )
    present = backup_store.node_count(store)
    if present:
        raise Conflict(
            f"the database is not empty ({present} nodes): a backup is restored only into an empty database, "
            "so that nothing is mixed or overwritten"
        )
    element_ids: dict[int, str] = {}
    totals = {"nodes": header["nodes"], "relationships": header["relationships"]}
    done = {"nodes": 0, "relationships": 0}

    def report(phase: str, count: int) -> None:
        done[phase] += count
        if progress is not None:
            progress(Progress(phase=phase, done=done[phase], total=totals[phase], elapsed=time.monotonic() - started))

    for batch in backup_store.batched(_nodes(path), BATCH_SIZE):
        element_ids.update(backup_store.restore_nodes(store, batch))
        report("nodes", len(batch))
    for batch in backup_store.batched(_relationships(path), BATCH_SIZE):
        report("relationships", backup_store.restore_relationships(store, batch, element_ids))
    # A backup made before the CommunityVisible label existed restores without it.
    sync_community_labels(store)
    return RestoreSummary(
        nodes=done["nodes"],
        relationships=done["relationships"],
        graph_version=header["graph_version"],
        atlas_graph_version=header["atlas_graph_version"],
        seconds=time.monotonic() - started,
    )


def _checked_header(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    if document.get("format") != FORMAT:
        raise BackupFileError(f"{path} is not an atlas-graph backup")
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupFileError(
            f"{path} is in backup format {version!r}, made by atlas-graph {document.get('atlas_graph_version')}; "
            f"this version reads format {FORMAT_VERSION} and older"
        )
    return document


def _nodes(path: Path) -> Iterator[DumpedNode]:
    for _, document in _documents(path):
        if "n" in document:
            yield DumpedNode(number=document["n"], labels=document["labels"], properties=document["properties"])


def _relationships(path: Path) -> Iterator[DumpedRelationship]:
    for _, document in _documents(path):
        if "r" in document:
            start, end = document["r"]
            yield DumpedRelationship(start=start, end=end, type=document["type"], properties=document["properties"])


def _documents(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line_number, line in enumerate(lines, start=1):
                document = json.loads(line)
                if not isinstance(document, dict):
                    raise BackupFileError(f"{path}: line {line_number} is not a JSON object")
                yield line_number, document
    except FileNotFoundError:
        raise BackupFileError(f"{path} does not exist") from None
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupFileError(f"{path} is not a readable backup: {error}") from None


def _open_private(path: Path) -> IO[str]:
    # Key hashes and RED claims: readable by the owner only, from the first byte (gzip keeps the file's mode).
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return gzip.open(path, "wt", encoding="utf-8", compresslevel=6)


def _write_line(handle: IO[str], document: dict[str, Any]) -> None:
    handle.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
