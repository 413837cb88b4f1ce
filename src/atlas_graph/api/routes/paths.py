"""Investigators' queries: paths between two entities, and the neighborhood of one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from atlas_graph.api.deps import ReaderDep, StoreDep
from atlas_graph.api.scope import PathScopeDep
from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.paths import Direction, NeighborhoodOut, PathsOut
from atlas_graph.models.vocabulary import CATEGORY_VALUES
from atlas_graph.services import paths
from atlas_graph.services.paths import MAX_ENDS, MAX_EXCLUDED, MAX_HOPS, MAX_PATHS

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
    sources: Annotated[
        list[str],
        Query(alias="from", description=f"Where paths start: an entity id, or up to {MAX_ENDS} (repeat it)"),
    ],
    targets: Annotated[
        list[str], Query(alias="to", description=f"Where paths end: an entity id, or up to {MAX_ENDS} (repeat it)")
    ],
    scope: PathScopeDep,
    max_hops: Annotated[int, Query(ge=1, le=MAX_HOPS)] = 6,
    limit: Annotated[int, Query(ge=1, le=MAX_PATHS, description="How many paths, shortest first")] = 5,
    direction: Annotated[Direction, Query(description="any, or forward: along relationship direction")] = "any",
    include_longer: Annotated[
        bool,
        Query(description="Also fill `limit` with paths longer than the shortest ones (an exact but slower search)"),
    ] = False,
    exclude: Annotated[
        list[str] | None,
        Query(description=f"Entity ids no path may pass through (repeat it; at most {MAX_EXCLUDED})"),
    ] = None,
    exclude_categories: Annotated[
        list[str] | None,
        Query(description="Categories of entities no path may pass through, e.g. tool (repeat it or use commas)"),
    ] = None,
) -> PathsOut:
    problems = [
        *_ids_problems("from", sources, MAX_ENDS),
        *_ids_problems("to", targets, MAX_ENDS),
        *_ids_problems("exclude", exclude or [], MAX_EXCLUDED),
    ]
    categories = [item.strip() for value in exclude_categories or [] for item in value.split(",") if item.strip()]
    unknown = sorted(set(categories) - CATEGORY_VALUES)
    if unknown:
        problems.append(
            Problem(
                ("query", "exclude_categories"),
                f"unknown category(ies) {', '.join(unknown)}; allowed: {', '.join(sorted(CATEGORY_VALUES))}",
            )
        )
    if problems:
        raise InvalidInput(problems)
    return paths.find_paths(
        store,
        caller=caller,
        sources=sources,
        targets=targets,
        exclude=list(dict.fromkeys(exclude or [])),
        exclude_categories=list(dict.fromkeys(categories)),
        max_hops=max_hops,
        limit=limit,
        direction=direction,
        scope=scope,
        include_longer=include_longer,
    )


def _ids_problems(name: str, ids: list[str], most: int) -> list[Problem]:
    """Each id 1 to 256 characters, and at most `most` of them."""
    problems = [Problem(("query", name), f"at most {most} ids")] if len(ids) > most else []
    if any(not 1 <= len(entity_id) <= 256 for entity_id in ids):
        problems.append(Problem(("query", name), "an id is 1 to 256 characters"))
    return problems


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
    scope: PathScopeDep,
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many entities")] = 100,
) -> NeighborhoodOut:
    return paths.neighborhood(store, caller=caller, entity_id=entity_id, depth=depth, limit=limit, scope=scope)
