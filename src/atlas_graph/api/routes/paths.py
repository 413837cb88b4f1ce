"""Investigators' queries: paths between two entities, and the neighborhood of one."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query

from atlas_graph.api.deps import ReaderDep, StoreDep
from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.paths import Direction, NeighborhoodOut, PathsOut
from atlas_graph.models.vocabulary import EntityKind, RelationshipType
from atlas_graph.services import paths
from atlas_graph.services.paths import MAX_HOPS, MAX_PATHS

router = APIRouter(prefix="/v1", tags=["investigation"])

E = TypeVar("E", bound=StrEnum)

TypesQuery = Annotated[
    list[str] | None,
    Query(description="Relationship types a path may use: repeat the parameter or separate with commas."),
]
MinConfidence = Annotated[int, Query(ge=0, le=100, description="Ignore assertions below this confidence.")]
AsOf = Annotated[date | None, Query(description="Only relationships true on this date (first_seen..last_seen).")]


def parse_enum_list(values: list[str] | None, enum: type[E], name: str) -> list[E] | None:
    """`?types=USES,TARGETS` or `?types=USES&types=TARGETS`; unknown values are a 422 naming them."""
    if not values:
        return None
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    allowed = {member.value: member for member in enum}
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise InvalidInput(
            [Problem(("query", name), f"unknown value(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")]
        )
    return [allowed[item] for item in dict.fromkeys(items)] or None


@router.get(
    "/paths",
    response_model=PathsOut,
    response_model_by_alias=True,
    summary="How two entities are connected: shortest paths with the assertions behind every hop",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def get_paths(
    store: StoreDep,
    caller: ReaderDep,
    source: Annotated[str, Query(alias="from", min_length=1, max_length=256)],
    target: Annotated[str, Query(alias="to", min_length=1, max_length=256)],
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 6,
    limit: Annotated[int, Query(ge=1, le=MAX_PATHS, description="How many paths, shortest first")] = 5,
    direction: Annotated[Direction, Query(description="any, or forward: along relationship direction")] = "any",
    types: TypesQuery = None,
    kinds: Annotated[list[str] | None, Query(description="Entity kinds a path may pass through")] = None,
    min_confidence: MinConfidence = 0,
    as_of: AsOf = None,
    include_longer: Annotated[
        bool,
        Query(description="Also fill `limit` with paths longer than the shortest ones (an exact but slower search)"),
    ] = False,
) -> PathsOut:
    return paths.find_paths(
        store,
        caller=caller,
        source=source,
        target=target,
        max_hops=max_hops,
        limit=limit,
        direction=direction,
        types=parse_enum_list(types, RelationshipType, "types"),
        kinds=parse_enum_list(kinds, EntityKind, "kinds"),
        min_confidence=min_confidence,
        as_of=as_of,
        include_longer=include_longer,
    )


@router.get(
    "/entities/{entity_id}/neighborhood",
    response_model=NeighborhoodOut,
    summary="The subgraph around an entity, ready to draw",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def get_neighborhood(
    entity_id: str,
    store: StoreDep,
    caller: ReaderDep,
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many entities")] = 100,
    types: TypesQuery = None,
    min_confidence: MinConfidence = 0,
    as_of: AsOf = None,
) -> NeighborhoodOut:
    return paths.neighborhood(
        store,
        caller=caller,
        entity_id=entity_id,
        depth=depth,
        limit=limit,
        types=parse_enum_list(types, RelationshipType, "types"),
        min_confidence=min_confidence,
        as_of=as_of,
    )
