"""Paths between entities and the neighborhood of one, as the caller may see them, with the claims behind each hop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import ManagedTransaction

from atlas_graph.store.claims import COMMUNITY_TLP_VALUES
from atlas_graph.store.cypher import query_name
from atlas_graph.store.entities import ENTITY_SUMMARIES
from atlas_graph.store.graph import GraphStore

PATHS_ANY = query_name("read/paths_any")
PATHS_FORWARD = query_name("read/paths_forward")
RELATIONSHIP_CLAIMS = query_name("read/relationship_claims")
NEIGHBORHOOD_STEP = query_name("read/neighborhood_step")


@dataclass(frozen=True)
class PathFilters:
    """What a path or neighborhood may pass through, and whose claims count."""

    organization: str
    types: list[str] | None
    kinds: list[str] | None
    min_confidence: int
    as_of: date | None

    def parameters(self) -> dict[str, Any]:
        return {
            "types": self.types,
            "kinds": self.kinds,
            "min_confidence": self.min_confidence,
            "as_of": self.as_of,
            "organization": self.organization,
            "organization_token": f"|{self.organization}|",
            "community_tlps": COMMUNITY_TLP_VALUES,
        }


@dataclass(frozen=True)
class Hop:
    key: str
    type: str
    source: str
    target: str


@dataclass(frozen=True)
class RawPath:
    node_ids: list[str]
    hops: list[Hop]


@dataclass(frozen=True)
class PathSearch:
    paths: list[RawPath]
    claims: dict[str, list[dict[str, Any]]]
    nodes: dict[str, tuple[str, list[dict[str, Any]]]]


@dataclass(frozen=True)
class NeighborEdge:
    key: str
    type: str
    source: str
    target: str
    confidence: int
    claims: int


@dataclass(frozen=True)
class Neighborhood:
    depth_of: dict[str, int]
    edges: list[NeighborEdge]
    truncated: bool
    nodes: dict[str, tuple[str, list[dict[str, Any]]]]
    claims: dict[str, list[dict[str, Any]]]


def find_paths(
    store: GraphStore, *, source: str, target: str, max_hops: int, forward: bool, filters: PathFilters
) -> PathSearch:
    """Up to 10 shortest paths, their hops' visible claims and their nodes' visible claims, in one transaction."""

    def work(tx: ManagedTransaction) -> PathSearch:
        parameters = {"from": source, "to": target, "max_hops": max_hops, **filters.parameters()}
        records = tx.run(store.queries[PATHS_FORWARD if forward else PATHS_ANY], parameters)
        paths = [
            RawPath(node_ids=list(record["node_ids"]), hops=[Hop(**hop) for hop in record["hops"]])
            for record in records
        ]
        keys = sorted({hop.key for path in paths for hop in path.hops})
        node_ids = sorted({node for path in paths for node in path.node_ids})
        return PathSearch(
            paths=paths, claims=_claims(tx, store, keys, filters), nodes=_nodes(tx, store, node_ids, filters)
        )

    return store.read_transaction(work)


def explore_neighborhood(
    store: GraphStore, *, center: str, depth: int, limit: int, filters: PathFilters
) -> Neighborhood:
    """Breadth-first from `center`, one query per level, until `depth` levels or `limit` entities."""

    def work(tx: ManagedTransaction) -> Neighborhood:
        depth_of = {center: 0}
        edges: dict[str, NeighborEdge] = {}
        frontier = [center]
        truncated = False
        for level in range(1, depth + 1):
            if not frontier:
                break
            budget = limit - len(depth_of)
            rows = list(
                tx.run(
                    store.queries[NEIGHBORHOOD_STEP],
                    {"frontier": frontier, "budget": max(budget, 0) * 20 + 1, **filters.parameters()},
                )
            )
            next_frontier: list[str] = []
            for row in rows:
                other = row["to_id"]
                if other not in depth_of:
                    if len(depth_of) >= limit:
                        truncated = True
                        continue
                    depth_of[other] = level
                    next_frontier.append(other)
                edges.setdefault(
                    row["key"],
                    NeighborEdge(
                        key=row["key"],
                        type=row["type"],
                        source=row["source"],
                        target=row["target"],
                        confidence=row["confidence"],
                        claims=row["claims"],
                    ),
                )
            if len(rows) >= max(budget, 0) * 20 + 1:
                truncated = True
            frontier = next_frontier
        kept = [edge for edge in edges.values() if edge.source in depth_of and edge.target in depth_of]
        return Neighborhood(
            depth_of=depth_of,
            edges=kept,
            truncated=truncated,
            nodes=_nodes(tx, store, list(depth_of), filters),
            claims=_claims(tx, store, [edge.key for edge in kept], filters),
        )

    return store.read_transaction(work)


def _claims(
    tx: ManagedTransaction, store: GraphStore, keys: list[str], filters: PathFilters
) -> dict[str, list[dict[str, Any]]]:
    if not keys:
        return {}
    records = tx.run(store.queries[RELATIONSHIP_CLAIMS], {"keys": keys, **filters.parameters()})
    return {record["key"]: [dict(claim) for claim in record["claims"]] for record in records}


def _nodes(
    tx: ManagedTransaction, store: GraphStore, ids: list[str], filters: PathFilters
) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    if not ids:
        return {}
    records = tx.run(
        store.queries[ENTITY_SUMMARIES],
        {"ids": ids, "organization": filters.organization, "community_tlps": COMMUNITY_TLP_VALUES},
    )
    return {record["id"]: (record["kind"], [dict(claim) for claim in record["claims"]]) for record in records}
