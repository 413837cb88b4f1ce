"""How two entities are connected, shortest first, with the evidence behind every hop; and neighborhoods."""

from __future__ import annotations

import math
from collections.abc import Sequence

from atlas_graph.errors import InvalidInput, NotFound, Problem
from atlas_graph.models.paths import (
    Direction,
    HopAssertionOut,
    HopOut,
    NeighborEdgeOut,
    NeighborhoodOut,
    NeighborNodeOut,
    PathBoundsOut,
    PathNodeOut,
    PathOut,
    PathsOut,
)
from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.services.caller import Caller
from atlas_graph.services.entities import assertion_fields, describe, get_entity
from atlas_graph.store import paths as path_store
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.records import RelationshipClaim
from atlas_graph.store.scope import GraphScope

MAX_HOPS = 10
MAX_PATHS = 10
MAX_ENDS = 10
"""At most this many entities in `from`, and in `to`: each pair of them is a search of its own."""
MAX_EXCLUDED = 100


def find_paths(
    store: GraphStore,
    *,
    caller: Caller,
    sources: Sequence[str],
    targets: Sequence[str],
    max_hops: int,
    limit: int,
    direction: Direction,
    scope: GraphScope,
    include_longer: bool = False,
    exclude: Sequence[str] = (),
    exclude_categories: Sequence[str] = (),
) -> PathsOut:
    """The `limit` shortest distinct simple paths from any of `sources` to any of `targets`, each hop with the
    assertions behind it (404 for an unknown end).

    No path passes through an entity of `exclude`, of a category in `exclude_categories`, or of either set other
    than its own two ends. An excluded id the caller may not see excludes nothing, exactly as an id that names
    nothing: a path never passes through what the caller cannot see anyway.
    """
    # Every end must exist for the caller; their canonical ids also resolve external and merged ids. One query for
    # the ends and the excluded ids, in the search's own transaction; the 404 names the first missing end, as a
    # request with that end alone would.
    ends = [*sources, *targets]

    def plan(resolved: list[str | None]) -> path_store.SearchPlan:
        for given, found_id in zip(ends, resolved[: len(ends)], strict=True):
            if found_id is None:
                raise NotFound(f"no entity {given!r}")
        source_ids = list(dict.fromkeys(found_id for found_id in resolved[: len(sources)] if found_id is not None))
        target_ids = list(
            dict.fromkeys(found_id for found_id in resolved[len(sources) : len(ends)] if found_id is not None)
        )
        if set(source_ids) & set(target_ids):
            message = "from and to are the same entity" if len(ends) == 2 else "an entity is in both from and to"
            raise InvalidInput([Problem(("query", "to"), message)])
        excluded = {found_id for found_id in resolved[len(ends) :] if found_id}
        if excluded & {*source_ids, *target_ids}:
            raise InvalidInput([Problem(("query", "exclude"), "an end of the search (from or to) cannot be excluded")])
        # Paths inside either set are not asked for: a path through another end is a longer way to that end.
        return path_store.SearchPlan(
            sources=source_ids, targets=target_ids, avoid=excluded | set(source_ids) | set(target_ids)
        )

    found = path_store.find_paths(
        store,
        ids=[*ends, *exclude],
        plan=plan,
        max_hops=max_hops,
        forward=direction == "forward",
        organization=caller.organization,
        scope=scope,
        choose=lambda candidates: best_paths(candidates, limit),
        wanted=limit,
        include_longer=include_longer,
        avoid_categories=exclude_categories,
    )
    source_ids, target_ids = found.plan.sources, found.plan.targets
    chosen = [
        PathOut(
            nodes=[_node(node_id, found.nodes) for node_id in raw.node_ids],
            relationships=[
                _hop(hop, raw.node_ids[index], found.claims.get(hop.key, []), caller)
                for index, hop in enumerate(raw.hops)
            ],
            length=len(raw.hops),
            confidence=round(path_confidence(raw), 2),
        )
        for raw in found.paths
        # A path through an entity that vanished (retracted, merged away) since the search is no path any more.
        if all(node_id in found.nodes for node_id in raw.node_ids)
    ]
    return PathsOut(
        source=source_ids[0],
        target=target_ids[0],
        sources=source_ids,
        targets=target_ids,
        paths=chosen,
        bounds=PathBoundsOut(
            max_hops=max_hops,
            limit=limit,
            direction=direction,
            types=list(scope.types) if scope.types else None,
            kinds=list(scope.kinds) if scope.kinds else None,
            min_confidence=scope.min_confidence,
            as_of=scope.as_of,
            include_longer=include_longer,
            # As given, not as resolved: which of them name something the caller may see is not told.
            exclude=list(exclude),
            exclude_categories=list(exclude_categories),
        ),
    )


def path_confidence(path: path_store.RawPath) -> float:
    """Product over hops of each hop's best passing confidence, as a probability, times 100 (docs/paths.md)."""
    return 100 * math.prod(hop.confidence / 100 for hop in path.hops)


def best_paths(candidates: Sequence[path_store.RawPath], limit: int) -> list[path_store.RawPath]:
    """The `limit` best simple paths: shortest first, then most confident, then by entity ids (stable)."""
    # SHORTEST k may return walks that revisit an entity; an investigator wants simple chains.
    simple = [path for path in candidates if len(set(path.node_ids)) == len(path.node_ids)]
    unique = {tuple(hop.key for hop in path.hops): path for path in simple}
    ranked = sorted(unique.values(), key=lambda p: (len(p.hops), -path_confidence(p), p.node_ids))
    return ranked[:limit]


def neighborhood(
    store: GraphStore,
    *,
    caller: Caller,
    entity_id: str,
    depth: int,
    limit: int,
    scope: GraphScope,
) -> NeighborhoodOut:
    """The entities within `depth` hops and the relationships among them, at most `limit` entities."""
    center = get_entity(store, caller=caller, entity_id=entity_id).id
    found = path_store.explore_neighborhood(
        store, center=center, depth=depth, limit=limit, organization=caller.organization, scope=scope
    )
    if center not in found.nodes:
        # Retracted or merged away since it was read: absent, as it would be for a request a moment later.
        raise NotFound(f"no entity {entity_id!r}")
    nodes = [
        NeighborNodeOut(**_node(node_id, found.nodes).model_dump(), depth=level)
        for node_id, level in sorted(found.depth_of.items(), key=lambda item: (item[1], item[0]))
        if node_id in found.nodes
    ]
    edges = [
        NeighborEdgeOut(
            key=edge.key,
            type=RelationshipType(edge.type),
            source=edge.source,
            target=edge.target,
            confidence=edge.confidence,
            organizations=edge.claims,
            assertions=[_assertion(claim, caller) for claim in found.claims.get(edge.key, [])],
        )
        for edge in found.edges
        if edge.source in found.nodes and edge.target in found.nodes
    ]
    return NeighborhoodOut(center=center, nodes=nodes, edges=edges, truncated=found.truncated, depth=depth, limit=limit)


def _node(node_id: str, nodes: dict[str, path_store.EntitySummary]) -> PathNodeOut:
    kind, claims = nodes[node_id]
    name, _, category, _ = describe(claims)
    return PathNodeOut(id=node_id, kind=EntityKind(kind), name=name, category=category)


def _hop(hop: path_store.Hop, previous: str, claims: list[RelationshipClaim], caller: Caller) -> HopOut:
    assertions = [_assertion(claim, caller) for claim in claims]
    return HopOut(
        type=RelationshipType(hop.type),
        source=hop.source,
        target=hop.target,
        direction="forward" if hop.source == previous else "backward",
        confidence=max((a.confidence for a in assertions), default=0),
        assertions=assertions,
    )


def _assertion(claim: RelationshipClaim, caller: Caller) -> HopAssertionOut:
    return HopAssertionOut(
        **assertion_fields(claim, caller),
        amount=claim.get("amount"),
        currency=claim.get("currency"),
    )
