"""Flat exports of everything the caller may see: GraphML, and CSV nodes and edges in a zip, streamed.

Each entity is a node and each relationship an edge, summarizing the assertions the caller may see (the best
confidence, the organizations, the strictest TLP, the widest dates). The sharing rule decides what is exported
(docs/sharing.md): the store reads only the claims the caller may see. STIX exports are in `atlas_graph.stix`.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from atlas_graph.models.export import CSV_LIST_SEPARATOR
from atlas_graph.models.vocabulary import Tlp
from atlas_graph.services.caller import Caller
from atlas_graph.services.csv_cells import neutralize_csv_row
from atlas_graph.services.entities import describe
from atlas_graph.services.streaming import CHUNK_BYTES, started
from atlas_graph.store import export as export_store
from atlas_graph.store.export import ExportedEntity, ExportedRelationship
from atlas_graph.store.graph import GraphStore


@dataclass(frozen=True)
class NodeRow:
    """An entity as a node of a flat graph: what the caller would see of it."""

    id: str
    kind: str
    name: str
    category: str | None
    aliases: list[str]
    organizations: list[str]
    confidence: int
    tlp: str


@dataclass(frozen=True)
class EdgeRow:
    """A relationship as an edge of a flat graph, summarizing the assertions the caller may see."""

    key: str
    type: str
    source: str
    target: str
    confidence: int
    organizations: list[str]
    claims: int
    tlp: str
    first_seen: date | None
    last_seen: date | None


def node_row(entity: ExportedEntity) -> NodeRow:
    """Name, aliases and category as `GET /v1/entities/{id}` shows them; the best confidence; the strictest TLP."""
    name, aliases, category, _ = describe(entity.claims)
    return NodeRow(
        id=entity.id,
        kind=entity.kind,
        name=name,
        category=category,
        aliases=aliases,
        organizations=list(dict.fromkeys(claim["organization"] for claim in entity.claims)),
        confidence=max(claim["confidence"] for claim in entity.claims),
        tlp=strictest_tlp(claim["tlp"] for claim in entity.claims),
    )


def edge_row(relationship: ExportedRelationship) -> EdgeRow:
    """The best confidence, the organizations, the strictest TLP and the widest dates of the visible assertions."""
    claims = relationship.claims
    firsts = [claim["first_seen"] for claim in claims if claim.get("first_seen")]
    lasts = [claim["last_seen"] for claim in claims if claim.get("last_seen")]
    return EdgeRow(
        key=relationship.key,
        type=relationship.type,
        source=relationship.source,
        target=relationship.target,
        confidence=max(claim["confidence"] for claim in claims),
        organizations=list(dict.fromkeys(claim["organization"] for claim in claims)),
        claims=len(claims),
        tlp=strictest_tlp(claim["tlp"] for claim in claims),
        first_seen=min(firsts) if firsts else None,
        last_seen=max(lasts) if lasts else None,
    )


def strictest_tlp(levels: Iterable[str]) -> str:
    """The most restrictive of some TLP levels: what a row summarizing those claims must be handled as."""
    return max((Tlp(level) for level in levels), key=list(Tlp).index).value


NODE_COLUMNS = ("id", "label", "kind", "category", "aliases", "organizations", "confidence", "tlp")
EDGE_COLUMNS = (
    "source",
    "target",
    "relationship",
    "key",
    "confidence",
    "organizations",
    "claims",
    "tlp",
    "first_seen",
    "last_seen",
)


def node_values(row: NodeRow) -> list[str | int]:
    return [
        row.id,
        row.name,
        row.kind,
        row.category or "",
        CSV_LIST_SEPARATOR.join(row.aliases),
        CSV_LIST_SEPARATOR.join(row.organizations),
        row.confidence,
        row.tlp,
    ]


def edge_values(row: EdgeRow) -> list[str | int]:
    return [
        row.source,
        row.target,
        row.type,
        row.key,
        row.confidence,
        CSV_LIST_SEPARATOR.join(row.organizations),
        row.claims,
        row.tlp,
        row.first_seen.isoformat() if row.first_seen else "",
        row.last_seen.isoformat() if row.last_seen else "",
    ]


def csv_zip(store: GraphStore, *, caller: Caller) -> Iterator[bytes]:
    """A zip of nodes.csv and edges.csv (UTF-8, header row, lists joined by `|`), streamed as it is written."""
    return started(_csv_zip_chunks(store, caller.organization))


def _csv_zip_chunks(store: GraphStore, organization: str) -> Iterator[bytes]:
    with export_store.export_reader(store, organization=organization) as reader:
        sink = _Sink()
        with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
            yield from _csv_entry(
                archive, sink, "nodes.csv", NODE_COLUMNS, (node_values(node_row(e)) for e in reader.entities())
            )
            yield from _csv_entry(
                archive, sink, "edges.csv", EDGE_COLUMNS, (edge_values(edge_row(r)) for r in reader.relationships())
            )
        yield sink.take()


def _csv_entry(
    archive: zipfile.ZipFile, sink: _Sink, name: str, columns: tuple[str, ...], rows: Iterable[list[str | int]]
) -> Iterator[bytes]:
    with archive.open(name, mode="w", force_zip64=True) as entry:
        text = io.TextIOWrapper(entry, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(neutralize_csv_row(row))
            if sink.size >= CHUNK_BYTES:
                yield sink.take()
        text.flush()
        text.detach()
    yield sink.take()


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that zipfile writes into and the response drains."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self.size += len(chunk)
        return len(chunk)

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


_GRAPHML_NODE_KEYS = (
    ("n_kind", "kind", "string"),
    ("n_name", "name", "string"),
    ("n_category", "category", "string"),
    ("n_aliases", "aliases", "string"),
    ("n_organizations", "organizations", "string"),
    ("n_confidence", "confidence", "int"),
    ("n_tlp", "tlp", "string"),
)
_GRAPHML_EDGE_KEYS = (
    ("e_type", "type", "string"),
    ("e_confidence", "confidence", "int"),
    ("e_organizations", "organizations", "string"),
    ("e_claims", "claims", "int"),
    ("e_tlp", "tlp", "string"),
    ("e_first_seen", "first_seen", "string"),
    ("e_last_seen", "last_seen", "string"),
)
# Characters XML 1.0 cannot carry at all, even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def graphml(store: GraphStore, *, caller: Caller) -> Iterator[bytes]:
    """A directed GraphML graph (parallel edges of different types allowed), streamed as it is written."""
    return started(_graphml_chunks(store, caller.organization))


def _graphml_chunks(store: GraphStore, organization: str) -> Iterator[bytes]:
    with export_store.export_reader(store, organization=organization) as reader:
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
            'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
        ]
        for keys, domain in ((_GRAPHML_NODE_KEYS, "node"), (_GRAPHML_EDGE_KEYS, "edge")):
            parts.extend(
                f'<key id="{key}" for="{domain}" attr.name="{name}" attr.type="{kind}"/>\n' for key, name, kind in keys
            )
        parts.append('<graph id="atlas-graph" edgedefault="directed">\n')
        size = 0
        # Nodes first; chain() starts the edges' query only once the nodes' result is read to its end.
        nodes = (_graphml_node(node_row(entity)) for entity in reader.entities())
        edges = (_graphml_edge(edge_row(relationship)) for relationship in reader.relationships())
        for text in itertools.chain(nodes, edges):
            parts.append(text)
            size += len(text)
            if size >= CHUNK_BYTES:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
        parts.append("</graph>\n</graphml>\n")
        yield "".join(parts).encode("utf-8")


def _graphml_node(row: NodeRow) -> str:
    values: list[str | int | None] = [row.kind, row.name, row.category, CSV_LIST_SEPARATOR.join(row.aliases)]
    values += [CSV_LIST_SEPARATOR.join(row.organizations), row.confidence, row.tlp]
    return f"<node id={_xml_attribute(row.id)}>{_graphml_data(_GRAPHML_NODE_KEYS, values)}</node>\n"


def _graphml_edge(row: EdgeRow) -> str:
    values: list[str | int | None] = [row.type, row.confidence, CSV_LIST_SEPARATOR.join(row.organizations), row.claims]
    values += [row.tlp, row.first_seen.isoformat() if row.first_seen else None]
    values += [row.last_seen.isoformat() if row.last_seen else None]
    return (
        f"<edge id={_xml_attribute(row.key)} source={_xml_attribute(row.source)} "
        f"target={_xml_attribute(row.target)}>{_graphml_data(_GRAPHML_EDGE_KEYS, values)}</edge>\n"
    )


def _graphml_data(keys: tuple[tuple[str, str, str], ...], values: list[str | int | None]) -> str:
    return "".join(
        f'<data key="{key}">{escape(_XML_ILLEGAL.sub("", str(value)))}</data>'
        for (key, _, _), value in zip(keys, values, strict=True)
        if value is not None and value != ""
    )


def _xml_attribute(value: str) -> str:
    return quoteattr(_XML_ILLEGAL.sub("", value))
