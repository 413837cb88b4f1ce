"""Investigators' queries: paths between two entities, and the neighborhood of one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from atlas_graph.api.deps import ReaderDep, StoreDep
from atlas_graph.api.scope import PathScopeDep, ScopeDep
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.paths import Direction, NeighborhoodOut, PathsOut
from atlas_graph.services import paths
from atlas_graph.services.paths import MAX_HOPS, MAX_PATHS

router = APIRouter(prefix="/v1", tags=["investigation"])


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
    scope: PathScopeDep,
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 6,
    limit: Annotated[int, Query(ge=1, le=MAX_PATHS, description="How many paths, shortest first")] = 5,
    direction: Annotated[Direction, Query(description="any, or forward: along relationship direction")] = "any",
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
        scope=scope,
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
    scope: ScopeDep,
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many entities")] = 100,
) -> NeighborhoodOut:
    return paths.neighborhood(store, caller=caller, entity_id=entity_id, depth=depth, limit=limit, scope=scope)
