"""Resolution review: same-as candidates, listed, accepted (a merge), rejected, or suggested by an analyst; and the
data quality report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from atlas_graph.api.deps import CuratorDep, ReaderDep, StoreDep
from atlas_graph.models.candidates import (
    CandidateAcceptIn,
    CandidateDecisionOut,
    CandidatePageOut,
    CandidateStatus,
    CandidateSuggestionIn,
)
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.quality import QualityReportOut
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services import candidates, quality

router = APIRouter(prefix="/v1/resolution", tags=["resolution"])


@router.get("/candidates", response_model=CandidatePageOut, summary="Same-as candidates you may see, newest first")
def list_candidates(
    store: StoreDep,
    caller: ReaderDep,
    status: CandidateStatus = "open",
    kind: EntityKind | None = None,
    entity: Annotated[str | None, Query(max_length=256, description="Only candidates involving this entity")] = None,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CandidatePageOut:
    return candidates.list_candidates(
        store, caller=caller, status=status, kind=kind, entity_id=entity, offset=offset, limit=limit
    )


@router.post(
    "/candidates",
    response_model=CandidateDecisionOut,
    summary="Suggest that two entities are one",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def suggest_candidate(body: CandidateSuggestionIn, store: StoreDep, caller: CuratorDep) -> CandidateDecisionOut:
    return candidates.suggest_candidate(store, caller=caller, a=body.a, b=body.b, note=body.note)


@router.post(
    "/candidates/{candidate_id}/accept",
    response_model=CandidateDecisionOut,
    summary="Accept a candidate: merge its two entities",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def accept_candidate(
    candidate_id: str, body: CandidateAcceptIn, store: StoreDep, caller: CuratorDep
) -> CandidateDecisionOut:
    return candidates.accept_candidate(store, caller=caller, candidate_id=candidate_id, into=body.into)


@router.post(
    "/candidates/{candidate_id}/reject",
    response_model=CandidateDecisionOut,
    summary="Reject a candidate: the two stay apart, and the pair is never proposed again",
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def reject_candidate(candidate_id: str, store: StoreDep, caller: CuratorDep) -> CandidateDecisionOut:
    return candidates.reject_candidate(store, caller=caller, candidate_id=candidate_id)


@router.get(
    "/report",
    response_model=QualityReportOut,
    summary="Data quality: counts per kind, merges, candidates, ambiguous names, isolated entities, alike victims",
)
def quality_report(store: StoreDep, caller: ReaderDep) -> QualityReportOut:
    return quality.report_for(store, caller=caller)
