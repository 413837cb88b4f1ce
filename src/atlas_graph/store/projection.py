"""The subgraph a caller may see, streamed from Neo4j into NetworkX for the analysis layer (two queries; a third first
finds the entities a scope's categories keep)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

import networkx as nx
from neo4j import ManagedTransaction, Result

from atlas_graph.errors import PayloadTooLarge
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import GRAPH_VERSION, graph_version
from atlas_graph.store.scope import GraphScope, read_parameters

PROJECTION_NODES = "read/projection_nodes"
PROJECTION_EDGES = "read/projection_edges"
QUERIES = (PROJECTION_NODES, PROJECTION_EDGES)


@dataclass(frozen=True)
class Projection:
    """A MultiDiGraph of what the caller may see; the write counter it was read at; a digest of its content.

    The digest, not the counter, is what answers show: it changes only when what the caller may see changes,
    so another organization's hidden writes leave no trace in a caller's answers.
    """

    graph: nx.MultiDiGraph
    graph_version: str
    fingerprint: str


def load_projection(
    store: GraphStore, *, organization: str, scope: GraphScope, max_elements: int | None = None
) -> Projection:
    """Nodes carry kind, name, category, countries (sorted) and cost (default 1); edges (keyed by type) carry type,
    confidence and organizations.

    Raises PayloadTooLarge when nodes plus edges exceed `max_elements`: past the limit, rows are only counted,
    so an oversized graph costs a stream, not the memory of a NetworkX graph.
    """

    def work(tx: ManagedTransaction) -> Projection:
        version = tx.run(store.queries[GRAPH_VERSION]).single(strict=True)["version"]
        parameters = read_parameters(tx, store, scope, organization)
        room = max_elements
        node_rows, node_count = _rows_within(
            tx.run(store.queries[PROJECTION_NODES], parameters),
            ("id", "kind", "name", "category", "countries", "cost"),
            room,
        )
        room = None if max_elements is None else max(0, max_elements - node_count)
        edge_rows, edge_count = _rows_within(
            tx.run(store.queries[PROJECTION_EDGES], parameters),
            ("source", "target", "type", "confidence", "organizations"),
            room,
        )
        check_analysis_size(node_count, edge_count, max_elements=max_elements)
        nodes = sorted(_node_row(row) for row in node_rows)
        edges = sorted(edge_rows)
        return Projection(graph=_build(nodes, edges), graph_version=version, fingerprint=_fingerprint(nodes, edges))

    return store.read_transaction(work)


def check_analysis_size(nodes: int, edges: int, *, max_elements: int | None) -> None:
    """Refuse (413) a graph of more than `max_elements` nodes plus edges, naming the limit and the size."""
    if max_elements is not None and nodes + edges > max_elements:
        raise PayloadTooLarge(
            f"the graph to analyse has {nodes + edges:,} nodes plus edges ({nodes:,} nodes, {edges:,} edges); "
            f"the analysis size limit is {max_elements:,} (ATLAS_MAX_ANALYSIS_ELEMENTS): narrow it with types, "
            "categories, only_mine, min_confidence or as_of"
        )


def _rows_within(result: Result, fields: tuple[str, ...], room: int | None) -> tuple[list[tuple[Any, ...]], int]:
    """The result's rows as tuples while they fit in `room`, and how many rows there were in all."""
    rows: list[tuple[Any, ...]] = []
    count = 0
    for record in result:
        count += 1
        if room is None or count <= room:
            rows.append(tuple(record[field] for field in fields))
    return rows, count


NodeRow = tuple[str, str, str, str | None, tuple[str, ...], float]
"""id, kind, name, category, countries, cost."""
DEFAULT_COST = 1.0
"""What acting on an entity costs a plan when no visible claim says (`attributes.disruption_cost`)."""


def _node_row(row: tuple[Any, ...]) -> NodeRow:
    node, kind, name, category, countries, cost = row
    return node, kind, name, category, tuple(sorted(set(countries or ()))), float(cost or DEFAULT_COST)


def _build(nodes: list[NodeRow], edges: list[tuple[str, str, str, int, int]]) -> nx.MultiDiGraph:
    # Sorted input gives the same node and edge order for the same content, so that tie-breaks in the analysis
    # layer (which follow graph order) cannot depend on storage order or on what others wrote.
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(
        (node, {"kind": kind, "name": name, "category": category, "countries": countries, "cost": cost})
        for node, kind, name, category, countries, cost in nodes
    )
    graph.add_edges_from(
        (source, target, rel_type, {"type": rel_type, "confidence": confidence, "organizations": organizations})
        for source, target, rel_type, confidence, organizations in edges
    )
    return graph


def _fingerprint(nodes: list[NodeRow], edges: list[tuple[str, str, str, int, int]]) -> str:
    digest = hashlib.blake2b(digest_size=12)
    for row in (*nodes, *edges):
        digest.update(repr(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def current_graph_version(store: GraphStore) -> str:
    return graph_version(store)


class ProjectionCache:
    """Projections by (graph version, organization, scope), least recently used out: any write bumps the version."""

    def __init__(self, capacity: int = 8) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str, GraphScope], Projection] = OrderedDict()
        self._lock = Lock()

    def get(
        self, store: GraphStore, *, organization: str, scope: GraphScope, max_elements: int | None = None
    ) -> Projection:
        version = current_graph_version(store)
        key = (version, organization, scope)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
        if cached is not None:
            check_analysis_size(
                cached.graph.number_of_nodes(), cached.graph.number_of_edges(), max_elements=max_elements
            )
            return cached
        projection = load_projection(store, organization=organization, scope=scope, max_elements=max_elements)
        with self._lock:
            # The version read inside the load is the one the graph reflects; a write in between makes it newer.
            key = (projection.graph_version, organization, scope)
            self._entries[key] = projection
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return projection
