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


def find_paths(
    store: GraphStore,
    *,
    caller: Caller,
    source: str,
    target: str,
    max_hops: int,
    limit: int,
    direction: Direction,
    scope: GraphScope,
    include_longer: bool = False,
) -> PathsOut:
    """The `limit` shortest distinct simple paths, each hop with the assertions behind it (404 for unknown ids)."""
    # Both ends must exist for the caller; their canonical ids also resolve external and merged ids.
    source_id = get_entity(store, caller=caller, entity_id=source).id
    target_id = get_entity(store, caller=caller, entity_id=target).id
    if source_id == target_id:
        raise InvalidInput([Problem(("query", "to"), "from and to are the same entity")])
    found = path_store.find_paths(
        store,
        source=source_id,
        target=target_id,
        max_hops=max_hops,
        forward=direction == "forward",
        organization=caller.organization,
        scope=scope,
        choose=lambda candidates: best_paths(candidates, limit),
        wanted=limit,
        include_longer=include_longer,
    )
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
        source=source_id,
        target=target_id,
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
