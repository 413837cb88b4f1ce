"""Paths between entities and the neighborhood of one, as the caller may see them, with the claims behind each hop."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from neo4j import ManagedTransaction, Record

from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.store.claims import COMMUNITY_TLP_VALUES
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import EntityNaming, RelationshipClaim, entity_naming, present, relationship_claim
from atlas_graph.store.scope import GraphScope, read_parameters

SHORTEST_PATHS_ANY = "read/paths_shortest_any"
SHORTEST_PATHS_FORWARD = "read/paths_shortest_forward"
PATHS_ANY = "read/paths_any"
PATHS_FORWARD = "read/paths_forward"
RELATIONSHIP_CLAIMS = "read/relationship_claims"
NEIGHBORHOOD_STEP = "read/neighborhood_step"
RESOLVE_IDS = "read/paths_resolve_ids"
CATEGORY_MEMBERS = "read/paths_category_members"
ENTITY_NAMINGS = "read/entity_namings"
QUERIES = (
    SHORTEST_PATHS_ANY,
    SHORTEST_PATHS_FORWARD,
    PATHS_ANY,
    PATHS_FORWARD,
    RELATIONSHIP_CLAIMS,
    NEIGHBORHOOD_STEP,
    RESOLVE_IDS,
    CATEGORY_MEMBERS,
    ENTITY_NAMINGS,
)


EntitySummary = tuple[str, list[EntityNaming]]
"""An entity's kind and the naming fields of the claims the caller may see."""


@dataclass(frozen=True)
class Hop:
    key: str
    type: str
    source: str
    target: str
    confidence: int


@dataclass(frozen=True)
class RawPath:
    node_ids: list[str]
    hops: list[Hop]


@dataclass(frozen=True)
class SearchPlan:
    """What to search once the ids are resolved: from each of `sources` to each of `targets`, through no entity of
    `avoid` (resolved ids) except a pair's own ends."""

    sources: list[str]
    targets: list[str]
    avoid: set[str]


@dataclass(frozen=True)
class PathSearch:
    plan: SearchPlan
    paths: list[RawPath]
    claims: dict[str, list[RelationshipClaim]]
    nodes: dict[str, EntitySummary]


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
    nodes: dict[str, EntitySummary]
    claims: dict[str, list[RelationshipClaim]]


def resolve_ids(store: GraphStore, ids: Sequence[str], organization: str) -> list[str | None]:
    """The canonical id of the entity each of `ids` names for the caller, or None where it names nothing visible."""
    return store.read_transaction(_resolved, store, ids, organization) if ids else []


def _resolved(tx: ManagedTransaction, store: GraphStore, ids: Sequence[str], organization: str) -> list[str | None]:
    records = tx.run(
        store.queries[RESOLVE_IDS],
        {
            "ids": list(ids),
            "kinds": [kind.value for kind in EntityKind],
            "organization": organization,
            "community_tlps": COMMUNITY_TLP_VALUES,
        },
    )
    found = {record["position"]: record["id"] for record in records}
    return [found.get(position) for position in range(len(ids))]


def find_paths(
    store: GraphStore,
    *,
    ids: Sequence[str],
    plan: Callable[[list[str | None]], SearchPlan],
    max_hops: int,
    forward: bool,
    organization: str,
    scope: GraphScope,
    choose: Callable[[list[RawPath]], list[RawPath]],
    wanted: int,
    include_longer: bool,
    avoid_categories: Collection[str] = (),
) -> PathSearch:
    """Resolve `ids` (None where one names nothing the caller may see), let `plan` say what to search (it may
    raise, undoing nothing: the transaction only reads), then find candidate paths between each source and target,
    `choose`n in the transaction, with the visible claims behind the chosen ones' hops. One read transaction for it
    all: a round trip less than resolving on its own, and the ends are resolved in the state that is searched.

    No path passes through an entity of the plan's `avoid` or of a category in `avoid_categories` as the caller
    sees it, except at its own two ends. All shortest paths first (a bidirectional search, fast even through hubs).
    With `include_longer`, when those are fewer than `wanted`, the search for the k shortest paths of any length
    runs too, to fill in longer ones: it is exact but much slower on hub-heavy graphs (see docs/paths.md), hence
    opt-in.
    """

    def work(tx: ManagedTransaction) -> PathSearch:
        search_plan = plan(_resolved(tx, store, ids, organization))
        scoped = read_parameters(tx, store, scope, organization)
        avoided = set(search_plan.avoid)
        if avoid_categories:
            records = tx.run(
                store.queries[CATEGORY_MEMBERS],
                {
                    "categories": sorted(avoid_categories),
                    "organization": organization,
                    "community_tlps": COMMUNITY_TLP_VALUES,
                },
            )
            avoided.update(record["id"] for record in records)

        def search(query: str) -> list[RawPath]:
            found: list[RawPath] = []
            for source, target in product(search_plan.sources, search_plan.targets):
                parameters = {
                    "from": source,
                    "to": target,
                    "max_hops": max_hops,
                    # A pair's own ends are never avoided: an end of the category avoided still starts its path.
                    "exclude": sorted(avoided - {source, target}),
                    **scoped,
                }
                found += _raw_paths(tx.run(store.queries[query], parameters))
            return found

        candidates = search(SHORTEST_PATHS_FORWARD if forward else SHORTEST_PATHS_ANY)
        if include_longer and len(choose(candidates)) < wanted:
            longer = search(PATHS_FORWARD if forward else PATHS_ANY)
            seen = {tuple(hop.key for hop in path.hops) for path in candidates}
            candidates += [path for path in longer if tuple(hop.key for hop in path.hops) not in seen]
        paths = choose(candidates)
        keys = sorted({hop.key for path in paths for hop in path.hops})
        node_ids = sorted({node for path in paths for node in path.node_ids})
        return PathSearch(
            plan=search_plan,
            paths=paths,
            claims=_claims(tx, store, keys, scoped),
            nodes=_nodes(tx, store, node_ids, organization),
        )

    return store.read_transaction(work)


def _raw_paths(records: Iterable[Record]) -> list[RawPath]:
    return [
        RawPath(node_ids=list(record["node_ids"]), hops=[Hop(**hop) for hop in record["hops"]]) for record in records
    ]


def explore_neighborhood(
    store: GraphStore, *, center: str, depth: int, limit: int, organization: str, scope: GraphScope
) -> Neighborhood:
    """Breadth-first from `center`, one query per level, until `depth` levels or `limit` entities.

    The centre is always kept; its neighbours pass the scope's kinds and entity filters.
    """

    def work(tx: ManagedTransaction) -> Neighborhood:
        scoped = read_parameters(tx, store, scope, organization)
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
                    {"frontier": frontier, "budget": max(budget, 0) * 20 + 1, **scoped},
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
            nodes=_nodes(tx, store, list(depth_of), organization),
            claims=_claims(tx, store, [edge.key for edge in kept], scoped),
        )

    return store.read_transaction(work)


def _claims(
    tx: ManagedTransaction, store: GraphStore, keys: list[str], scoped: dict[str, Any]
) -> dict[str, list[RelationshipClaim]]:
    # Every visible claim that passes confidence and date, other organizations' too with only_mine: that filter
    # chose which relationships are drawn, and the evidence on those is still the whole of what the caller may see.
    if not keys:
        return {}
    records = tx.run(store.queries[RELATIONSHIP_CLAIMS], {"keys": keys, **scoped})
    return {record["key"]: [relationship_claim(claim) for claim in present(record["claims"])] for record in records}


def _nodes(tx: ManagedTransaction, store: GraphStore, ids: list[str], organization: str) -> dict[str, EntitySummary]:
    """The entities of `ids` the caller may still see: one whose last visible claim went meanwhile is left out.

    A read transaction sees each query's own committed state (read committed, not a snapshot), so a retraction or a
    merge that commits between the search and this query leaves an entity with no claim, or no node at all.
    """
    if not ids:
        return {}
    records = tx.run(
        store.queries[ENTITY_NAMINGS],
        {"ids": ids, "organization": organization, "community_tlps": COMMUNITY_TLP_VALUES},
    )
    return {
        record["id"]: (record["kind"], [entity_naming(claim) for claim in present(record["claims"])])
        for record in records
        if record["kind"] is not None and present(record["claims"])
    }
