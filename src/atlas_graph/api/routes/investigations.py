"""Investigations: an organization's saved working sets, private unless shared with named organizations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import StreamingResponse

from atlas_graph.api.deps import ReaderDep, StoreDep
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.investigations import (
    InvestigationIn,
    InvestigationListOut,
    InvestigationOut,
    InvestigationPatch,
)
from atlas_graph.services import investigations
from atlas_graph.stix.vocabulary import STIX_MEDIA_TYPE

router = APIRouter(prefix="/v1/investigations", tags=["investigations"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}}


@router.get(
    "", response_model=InvestigationListOut, summary="Your organization's investigations and those shared with it"
)
def list_investigations(store: StoreDep, caller: ReaderDep) -> InvestigationListOut:
    return investigations.list_investigations(store, caller=caller)


@router.post(
    "",
    response_model=InvestigationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Save a working set as your organization's investigation (private unless share_with names others)",
    responses={422: {"model": ErrorOut}},
)
def create_investigation(body: InvestigationIn, store: StoreDep, caller: ReaderDep) -> InvestigationOut:
    return investigations.create_investigation(store, caller=caller, body=body)


@router.get(
    "/{investigation_id}",
    response_model=InvestigationOut,
    summary="One investigation, as you may see it",
    responses=NOT_FOUND,
)
def get_investigation(investigation_id: str, store: StoreDep, caller: ReaderDep) -> InvestigationOut:
    return investigations.get_investigation(store, caller=caller, investigation_id=investigation_id)


@router.patch(
    "/{investigation_id}",
    response_model=InvestigationOut,
    summary="Change your organization's investigation; fields left out are kept",
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def update_investigation(
    investigation_id: str, body: InvestigationPatch, store: StoreDep, caller: ReaderDep
) -> InvestigationOut:
    return investigations.update_investigation(store, caller=caller, investigation_id=investigation_id, patch=body)


@router.delete(
    "/{investigation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete your organization's investigation",
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}},
)
def delete_investigation(investigation_id: str, store: StoreDep, caller: ReaderDep) -> None:
    investigations.delete_investigation(store, caller=caller, investigation_id=investigation_id)


@router.get(
    "/{investigation_id}/stix",
    response_class=StreamingResponse,
    response_model=None,
    summary="The investigation's entities and the relationships among them, as a STIX 2.1 bundle",
    responses={200: {"description": "A STIX 2.1 bundle", "content": {STIX_MEDIA_TYPE: {}}}, **NOT_FOUND},
)
def export_investigation_stix(investigation_id: str, store: StoreDep, caller: ReaderDep) -> StreamingResponse:
    chunks = investigations.investigation_stix(store, caller=caller, investigation_id=investigation_id)
    return StreamingResponse(
        chunks,
        media_type=STIX_MEDIA_TYPE,
        headers={"Content-Disposition": 'attachment; filename="investigation.stix.json"'},
    )
