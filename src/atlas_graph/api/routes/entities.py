"""Entities: read one, search or list them, merge two; retract one's own assertions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from atlas_graph.api.deps import CuratorDep, ReaderDep, RetractorDep, StoreDep
from atlas_graph.models.entities import EntityOut, EntityPageOut
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.history import EntityHistoryOut
from atlas_graph.models.merges import MergeIn, MergeOut, SplitIn, SplitOut
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services import entities, history, merges

router = APIRouter(prefix="/v1", tags=["entities"])


@router.get(
    "/entities/{entity_id}",
    response_model=EntityOut,
    summary="One entity, with the assertions you may see",
    responses={404: {"model": ErrorOut}},
)
def get_entity(entity_id: str, store: StoreDep, caller: ReaderDep) -> EntityOut:
    return entities.get_entity(store, caller=caller, entity_id=entity_id)


@router.get("/entities", response_model=EntityPageOut, summary="Search names and aliases, or list entities")
def find_entities(
    store: StoreDep,
    caller: ReaderDep,
    q: Annotated[str | None, Query(max_length=500, description="Words to find in names and aliases")] = None,
    kind: EntityKind | None = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EntityPageOut:
    return entities.find_entities(store, caller=caller, query=q, kind=kind, offset=offset, limit=limit)


@router.delete(
    "/assertions/{assertion_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retract one of your organization's assertions",
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
def retract_assertion(assertion_id: str, store: StoreDep, caller: RetractorDep) -> None:
    entities.retract_assertion(store, caller=caller, assertion_id=assertion_id)


@router.post(
    "/entities/{entity_id}/merge",
    response_model=MergeOut,
    summary="Merge this entity into another: one real-world thing reported twice",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def merge_entity(entity_id: str, body: MergeIn, store: StoreDep, caller: CuratorDep) -> MergeOut:
    return merges.merge_entities(store, caller=caller, entity_id=entity_id, into_id=body.into)


@router.post(
    "/entities/{entity_id}/split",
    response_model=SplitOut,
    summary="Undo a merge into this entity: the merged entity comes back with its own claims and relationships",
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
def split_entity(entity_id: str, body: SplitIn, store: StoreDep, caller: CuratorDep) -> SplitOut:
    return merges.split_entity(store, caller=caller, entity_id=entity_id, merged_id=body.merged_id)


@router.get(
    "/entities/{entity_id}/history",
    response_model=EntityHistoryOut,
    summary="How an entity and its relationships came to be: assertions added, updated, retracted; merges",
    responses={404: {"model": ErrorOut}},
)
def get_entity_history(entity_id: str, store: StoreDep, caller: ReaderDep) -> EntityHistoryOut:
    return history.entity_history(store, caller=caller, entity_id=entity_id)
