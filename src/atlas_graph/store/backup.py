"""Logical backup and restore of the whole database: every node and relationship, whatever its label or type.

Nothing here knows atlas-graph's model, so that what later code adds (merge records, candidates, investigations)
is backed up and restored without a change here. Property values are turned into JSON and back without loss:
Neo4j's temporal, duration, spatial and byte-array values become small tagged objects (a map can never be a
property value, so a JSON object always is such a tag).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta, timezone, tzinfo
from typing import Any

import neo4j.spatial
import neo4j.time
import pytz  # the driver's own dependency, for its zones
from neo4j import ManagedTransaction

from atlas_graph.store.graph import GraphStore
from atlas_graph.store.values import BulkParameter

BACKUP_LOCK = "write/backup_lock"
BACKUP_NODES = "read/backup_nodes"
BACKUP_RELATIONSHIPS = "read/backup_relationships"
BACKUP_CONSTRAINTS = "read/backup_constraints"
BACKUP_INDEXES = "read/backup_indexes"
NODE_COUNT = "read/backup_node_count"
RESTORE_NODES = "write/restore_nodes"
RESTORE_RELATIONSHIPS = "write/restore_relationships"
QUERIES = (
    BACKUP_LOCK,
    BACKUP_NODES,
    BACKUP_RELATIONSHIPS,
    BACKUP_CONSTRAINTS,
    BACKUP_INDEXES,
    NODE_COUNT,
    RESTORE_NODES,
    RESTORE_RELATIONSHIPS,
)

TAG = "$"
"""The key of a tagged value: ``{"$": "datetime", ...}``."""


@dataclass(frozen=True)
class DumpedNode:
    number: int
    labels: list[str]
    properties: dict[str, Any]


@dataclass(frozen=True)
class DumpedRelationship:
    start: int
    end: int
    type: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class DumpSummary:
    graph_version: str
    nodes: int
    relationships: int
    skipped_relationships: int


@dataclass(frozen=True)
class SchemaListing:
    constraints: list[dict[str, Any]]
    indexes: list[dict[str, Any]]


def dump_graph(
    store: GraphStore,
    *,
    begin: Callable[[str], None],
    node: Callable[[DumpedNode], None],
    relationship: Callable[[DumpedRelationship], None],
) -> DumpSummary:
    """Read every node, then every relationship, in one transaction that holds the graph's write lock.

    `begin` is called first with the graph version (and again if the driver retries the transaction, which the
    caller must treat as a fresh start). Values reach `node` and `relationship` already encoded as JSON-ready.

    Bundles, merges and retractions take the same lock first, so none commits while this reads. Writes that do
    not take it (organizations, keys, audit events written outside a bundle) create single nodes, or a node and
    its relationships in one transaction: a relationship whose end was created after the node pass is left out,
    so each such write is in the backup entirely or not at all.
    """

    def work(tx: ManagedTransaction) -> DumpSummary:
        version: str = tx.run(store.queries[BACKUP_LOCK]).single(strict=True)["version"]
        begin(version)
        numbers: dict[str, int] = {}
        for record in tx.run(store.queries[BACKUP_NODES]):
            number = len(numbers)
            numbers[record["id"]] = number
            node(DumpedNode(number=number, labels=list(record["labels"]), properties=encode_map(record["properties"])))
        written = skipped = 0
        for record in tx.run(store.queries[BACKUP_RELATIONSHIPS]):
            start, end = numbers.get(record["start"]), numbers.get(record["end"])
            if start is None or end is None:
                skipped += 1
                continue
            relationship(
                DumpedRelationship(
                    start=start, end=end, type=record["type"], properties=encode_map(record["properties"])
                )
            )
            written += 1
        return DumpSummary(
            graph_version=version, nodes=len(numbers), relationships=written, skipped_relationships=skipped
        )

    return store.write_transaction(work)


def schema_listing(store: GraphStore) -> SchemaListing:
    return SchemaListing(
        constraints=[_plain(record.data()) for record in store.read(BACKUP_CONSTRAINTS)],
        indexes=[_plain(record.data()) for record in store.read(BACKUP_INDEXES)],
    )


def node_count(store: GraphStore) -> int:
    count: int = store.read(NODE_COUNT)[0]["nodes"]
    return count


def restore_nodes(store: GraphStore, nodes: Iterable[DumpedNode]) -> dict[int, str]:
    """Create one batch of nodes in one transaction; returns the new element id of each backup number."""
    rows = BulkParameter(
        {"number": node.number, "labels": node.labels, "properties": decode_map(node.properties)} for node in nodes
    )

    def work(tx: ManagedTransaction) -> dict[int, str]:
        return {record["number"]: record["id"] for record in tx.run(store.queries[RESTORE_NODES], rows=rows)}

    return store.write_transaction(work)


def restore_relationships(
    store: GraphStore, relationships: Iterable[DumpedRelationship], element_ids: dict[int, str]
) -> int:
    """Create one batch of relationships in one transaction, between nodes restored before; returns how many."""
    rows = BulkParameter(
        {
            "start": element_ids[relationship.start],
            "end": element_ids[relationship.end],
            "type": relationship.type,
            "properties": decode_map(relationship.properties),
        }
        for relationship in relationships
    )

    def work(tx: ManagedTransaction) -> int:
        created: int = tx.run(store.queries[RESTORE_RELATIONSHIPS], rows=rows).single(strict=True)["created"]
        return created

    return store.write_transaction(work)


# --- values ---------------------------------------------------------------------------------------------------


def encode_map(properties: dict[str, Any]) -> dict[str, Any]:
    return {key: encode_value(value) for key, value in properties.items()}


def decode_map(properties: dict[str, Any]) -> dict[str, Any]:
    return {key: decode_value(value) for key, value in properties.items()}


def encode_value(value: Any) -> Any:
    """A property value as JSON: scalars as they are, the rest as ``{"$": kind, ...}``; lossless.

    >>> encode_value(neo4j.time.Date(2024, 2, 29))
    {'$': 'date', 'v': '2024-02-29'}
    >>> decode_value(encode_value(neo4j.time.Duration(months=14, days=3, seconds=4, nanoseconds=5)))
    neo4j.time.Duration(months=14, days=3, seconds=4, nanoseconds=5)
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # JSON has no NaN or infinities; repr keeps every bit of the others.
        return value if math.isfinite(value) else {TAG: "float", "v": repr(value)}
    # Durations and points are tuples too: they are told apart before any plain list.
    if isinstance(value, list | tuple) and not isinstance(value, neo4j.time.Duration | neo4j.spatial.Point):
        return [encode_value(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return {TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, neo4j.time.DateTime):
        return _encode_datetime(value)
    if isinstance(value, neo4j.time.Date):
        return {TAG: "date", "v": value.iso_format()}
    if isinstance(value, neo4j.time.Time):
        return _encode_time(value)
    if isinstance(value, neo4j.time.Duration):
        return {
            TAG: "duration",
            "months": value.months,
            "days": value.days,
            "seconds": value.seconds,
            "nanoseconds": value.nanoseconds,
        }
    if isinstance(value, neo4j.spatial.Point):
        return {TAG: "point", "srid": value.srid, "coordinates": [float(c) for c in value]}
    raise TypeError(f"a backup cannot hold a property value of type {type(value).__name__}")


def decode_value(value: Any) -> Any:
    """The driver's value for what `encode_value` wrote."""
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if not isinstance(value, dict):
        return value
    kind = value.get(TAG)
    if kind == "float":
        return float(value["v"])
    if kind == "bytes":
        return base64.b64decode(value["v"])
    if kind == "date":
        return neo4j.time.Date.from_iso_format(value["v"])
    if kind in ("datetime", "localdatetime"):
        return _decode_datetime(value)
    if kind in ("time", "localtime"):
        return _decode_time(value)
    if kind == "duration":
        return neo4j.time.Duration(
            months=value["months"], days=value["days"], seconds=value["seconds"], nanoseconds=value["nanoseconds"]
        )
    if kind == "point":
        return _point(value["srid"], value["coordinates"])
    raise ValueError(f"unknown tagged value in a backup: {kind!r}")


_PARTS = ("year", "month", "day", "hour", "minute", "second", "nanosecond")


def _encode_datetime(value: neo4j.time.DateTime) -> dict[str, Any]:
    parts = [value.year, value.month, value.day, value.hour, value.minute, value.second, value.nanosecond]
    if value.tzinfo is None:
        return {TAG: "localdatetime", "v": parts}
    return {TAG: "datetime", "v": parts, **_zone(value.tzinfo, value)}


def _decode_datetime(value: dict[str, Any]) -> neo4j.time.DateTime:
    year, month, day, hour, minute, second, nanosecond = value["v"]
    naive = neo4j.time.DateTime(year, month, day, hour, minute, second, nanosecond)
    if value[TAG] == "localdatetime":
        return naive
    if "zone" in value:
        return _localize(naive, value["zone"], value["offset"])
    return naive.replace(tzinfo=_fixed_offset(value["offset"]))


def _encode_time(value: neo4j.time.Time) -> dict[str, Any]:
    parts = [value.hour, value.minute, value.second, value.nanosecond]
    if value.tzinfo is None:
        return {TAG: "localtime", "v": parts}
    offset = value.utc_offset()
    return {TAG: "time", "v": parts, "offset": int(offset.total_seconds()) if offset is not None else 0}


def _decode_time(value: dict[str, Any]) -> neo4j.time.Time:
    hour, minute, second, nanosecond = value["v"]
    if value[TAG] == "localtime":
        return neo4j.time.Time(hour, minute, second, nanosecond)
    return neo4j.time.Time(hour, minute, second, nanosecond, tzinfo=_fixed_offset(value["offset"]))


def _fixed_offset(seconds: int) -> tzinfo:
    # The driver's own kind of fixed offset (pytz's, in minutes): it asks a time's zone for its offset without a
    # date, which the standard library's timezone refuses.
    if seconds % 60 == 0:
        offset: tzinfo = pytz.FixedOffset(seconds // 60)
        return offset
    return timezone(timedelta(seconds=seconds))


def _zone(tzinfo: Any, moment: neo4j.time.DateTime) -> dict[str, Any]:
    # A named zone (pytz's `zone`, zoneinfo's `key`) stays a name, so that a restored time keeps its rules.
    # The offset as well: it tells the two readings of a wall time that a change of clocks makes ambiguous apart.
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    name = getattr(tzinfo, "zone", None) or getattr(tzinfo, "key", None)
    if isinstance(name, str):
        return {"zone": name, "offset": seconds}
    return {"offset": seconds}


def _localize(naive: neo4j.time.DateTime, zone: str, offset: int) -> neo4j.time.DateTime:
    rules = pytz.timezone(zone)
    for is_dst in (False, True):
        localized: neo4j.time.DateTime = rules.localize(naive, is_dst=is_dst)
        moved = localized.utcoffset()
        if moved is not None and int(moved.total_seconds()) == offset:
            return localized
    fallback: neo4j.time.DateTime = rules.localize(naive)
    return fallback


def _point(srid: int, coordinates: list[float]) -> neo4j.spatial.Point:
    kinds: dict[int, type[neo4j.spatial.Point]] = {
        7203: neo4j.spatial.CartesianPoint,
        9157: neo4j.spatial.CartesianPoint,
        4326: neo4j.spatial.WGS84Point,
        4979: neo4j.spatial.WGS84Point,
    }
    return kinds[srid](coordinates)


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {key: list(value) if isinstance(value, tuple) else value for key, value in record.items()}


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
