"""The subgraph a caller may see, read from Neo4j in pages into rows and arrays, and built into NetworkX for the
analysis layer where it is used (two paged queries; a third first finds the entities a scope's categories keep)."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from threading import Lock
from typing import Any, LiteralString

import networkx as nx
import numpy as np
import numpy.typing as npt
from neo4j import ManagedTransaction

from atlas_graph.errors import PayloadTooLarge
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.ingestion import GRAPH_VERSION, graph_version
from atlas_graph.store.scope import GraphScope, read_parameters

PROJECTION_NODES = "read/projection_nodes"
PROJECTION_EDGES = "read/projection_edges"
QUERIES = (PROJECTION_NODES, PROJECTION_EDGES)

NodeRow = tuple[str, str, str, str | None, tuple[str, ...], float]
"""id, kind, name, category, countries, cost."""
DEFAULT_COST = 1.0
"""What acting on an entity costs a plan when no visible claim says (`attributes.disruption_cost`)."""
PAGE_ENTITIES = 5_000
"""Entities per page of the projection's queries: a page is one message, and the driver's cost is per message."""
PAGES_WITH_KEPT_ENTITIES = 8
"""At most about this many pages (each way) when a scope's categories keep a list of entities."""

EdgeGroup = list[Any]
"""A source id and the parallel lists of its edges: target ids, types, confidences, organizations."""
Column = npt.NDArray[np.int32]


@dataclass(frozen=True)
class EdgeColumns:
    """A projection's edges as arrays, one entry per edge in graph order: ends as positions in the sorted nodes,
    the type as a position in `types` (sorted), the best passing confidence and the organizations counted.

    A few flat arrays pickle as bytes: the hand-off to a worker process costs a copy, not a walk of the graph.
    """

    sources: Column
    targets: Column
    type_codes: Column
    confidences: Column
    organizations: Column
    types: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.sources)


@dataclass(frozen=True, eq=False)
class Projection:
    """What the caller may see, as sorted node rows and edge columns; the write counter it was read at; a digest
    of its content. `graph` is the MultiDiGraph the analyses take, built on first use in each process.

    The digest, not the counter, is what answers show: it changes only when what the caller may see changes,
    so another organization's hidden writes leave no trace in a caller's answers.
    """

    nodes: tuple[NodeRow, ...]
    edges: EdgeColumns
    graph_version: str
    fingerprint: str
    _building: Lock = field(default_factory=Lock, init=False, repr=False, compare=False)

    @property
    def node_count(self) -> int:
        return len(self.nodes)

    @property
    def edge_count(self) -> int:
        return len(self.edges)

    @property
    def graph(self) -> nx.MultiDiGraph:
        built: nx.MultiDiGraph | None = self.__dict__.get("_graph")
        if built is None:
            # Several API threads may ask at once: a large projection's graph is built once, not once each.
            with self._building:
                built = self.__dict__.get("_graph")
                if built is None:
                    built = _build(self.nodes, self.edges)
                    object.__setattr__(self, "_graph", built)
        return built

    def entities(self) -> nx.MultiDiGraph:
        """The graph's nodes with their attributes, without its edges: enough to check a request's ids and targets
        in the API process, where building the whole graph (3.5 s at 100,000 entities) would only be done again
        by the worker that analyses it."""
        return _entities(self.nodes)

    def __getstate__(self) -> dict[str, Any]:
        # The rows and columns travel; the graph (several times their size) is built again where it is needed.
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "graph_version": self.graph_version,
            "fingerprint": self.fingerprint,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _building=Lock())


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
        node_rows: list[NodeRow] = []
        node_count = 0
        for page in _pages(tx, store.queries[PROJECTION_NODES], parameters):
            node_count += len(page)
            if max_elements is None or node_count <= max_elements:
                node_rows.extend(map(_node_row, page))
        room = None if max_elements is None else max(0, max_elements - node_count)
        edge_groups: list[EdgeGroup] = []
        edge_count = 0
        for page in _pages(tx, store.queries[PROJECTION_EDGES], parameters):
            for group in page:
                edge_count += len(group[1])
                if room is None or edge_count <= room:
                    edge_groups.append(group)
        check_analysis_size(node_count, edge_count, max_elements=max_elements)
        return assemble(node_rows, edge_groups, graph_version=version)

    return store.read_transaction(work)


def check_analysis_size(nodes: int, edges: int, *, max_elements: int | None) -> None:
    """Refuse (413) a graph of more than `max_elements` nodes plus edges, naming the limit and the size."""
    if max_elements is not None and nodes + edges > max_elements:
        raise PayloadTooLarge(
            f"the graph to analyse has {nodes + edges:,} nodes plus edges ({nodes:,} nodes, {edges:,} edges); "
            f"the analysis size limit is {max_elements:,} (ATLAS_MAX_ANALYSIS_ELEMENTS): narrow it with types, "
            "categories, only_mine, min_confidence or as_of"
        )


def assemble(node_rows: Iterable[NodeRow], edge_groups: Iterable[EdgeGroup], *, graph_version: str) -> Projection:
    """The projection of these rows, in an order that depends on their content only (not on the order they came in).

    `edge_groups` are [source id, target ids, types, confidences, organizations], as the edge query returns them.
    """
    nodes = tuple(sorted(node_rows))
    edges = _edge_columns(nodes, edge_groups)
    return Projection(nodes=nodes, edges=edges, graph_version=graph_version, fingerprint=fingerprint(nodes, edges))


def _pages(tx: ManagedTransaction, query: LiteralString, parameters: dict[str, Any]) -> Iterator[list[Any]]:
    """The lists a paged projection query returns, page after page (by entity id) until one comes back short."""
    kept = parameters["kept_entities"]
    # Every page is sent the whole list of the entities a scope's categories keep: a few large pages, not many.
    page = max(PAGE_ENTITIES, len(kept) // PAGES_WITH_KEPT_ENTITIES) if kept is not None else PAGE_ENTITIES
    after = ""
    while True:
        rows, scanned, last = tx.run(query, {**parameters, "after": after, "page": page}).single(strict=True)
        yield rows
        if scanned < page:
            return
        after = last


def _node_row(row: list[Any]) -> NodeRow:
    node, kind, name, category, countries, cost = row
    return node, kind, name, category, tuple(sorted(set(countries))) if countries else (), float(cost or DEFAULT_COST)


def _edge_columns(nodes: tuple[NodeRow, ...], groups: Iterable[EdgeGroup]) -> EdgeColumns:
    """The edges as columns, in the order of their rows (source id, target id, type, confidence, organizations)
    sorted: the graph's edge order must not depend on storage order."""
    position = {row[0]: index for index, row in enumerate(nodes)}
    sources: list[int] = []
    targets: list[str] = []
    types: list[str] = []
    confidences: list[int] = []
    organizations: list[int] = []
    for source, group_targets, group_types, group_confidences, group_organizations in groups:
        sources.extend(repeat(position.get(source, -1), len(group_targets)))
        targets.extend(group_targets)
        types.extend(group_types)
        confidences.extend(group_confidences)
        organizations.extend(group_organizations)
    names = tuple(sorted(set(types)))
    code = {name: index for index, name in enumerate(names)}
    columns = (
        np.array(sources, dtype=np.int32),
        np.fromiter((position.get(target, -1) for target in targets), dtype=np.int32, count=len(targets)),
        np.fromiter(map(code.__getitem__, types), dtype=np.int32, count=len(types)),
        np.array(confidences, dtype=np.int32),
        np.array(organizations, dtype=np.int32),
    )
    # Both queries read one transaction, but not one snapshot: an entity a concurrent write hid between them is
    # left out with its edges (its graph version is already stale, so the next ranking reads afresh).
    known = (columns[0] >= 0) & (columns[1] >= 0)
    # Positions follow the sorted ids and codes the sorted type names, so sorting the numbers sorts the rows.
    order = np.lexsort(columns[::-1])
    order = order[known[order]]
    sources_in_order, targets_in_order, codes, best, counted = (column[order] for column in columns)
    return EdgeColumns(sources_in_order, targets_in_order, codes, best, counted, names)


def _build(nodes: tuple[NodeRow, ...], edges: EdgeColumns) -> nx.MultiDiGraph:
    # Sorted input gives the same node and edge order for the same content, so that tie-breaks in the analysis
    # layer (which follow graph order) cannot depend on storage order or on what others wrote.
    graph = _entities(nodes)
    ids = [row[0] for row in nodes]
    types = edges.types
    graph.add_edges_from(
        (
            ids[source],
            ids[target],
            types[code],
            {"type": types[code], "confidence": confidence, "organizations": organizations},
        )
        for source, target, code, confidence, organizations in zip(
            edges.sources.tolist(),
            edges.targets.tolist(),
            edges.type_codes.tolist(),
            edges.confidences.tolist(),
            edges.organizations.tolist(),
            strict=True,
        )
    )
    return graph


def _entities(nodes: tuple[NodeRow, ...]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(
        (node, {"kind": kind, "name": name, "category": category, "countries": countries, "cost": cost})
        for node, kind, name, category, countries, cost in nodes
    )
    return graph


def fingerprint(nodes: tuple[NodeRow, ...], edges: EdgeColumns) -> str:
    """A digest of everything the graph holds: the node rows, and the edge columns with the type names."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update("".join(f"{row!r}\n" for row in nodes).encode())
    digest.update(repr(edges.types).encode())
    for column in (edges.sources, edges.targets, edges.type_codes, edges.confidences, edges.organizations):
        digest.update(column.tobytes())
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
            check_analysis_size(cached.node_count, cached.edge_count, max_elements=max_elements)
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
