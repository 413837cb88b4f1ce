"""Disruption planners' endpoints: chokepoint rankings, what-if takedowns, and the jobs that run long ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse

from atlas_graph.api.deps import AnalysisDep, JobsDep, ReaderDep
from atlas_graph.api.scope import ScopeDep, parse_enum_list
from atlas_graph.models.analysis import (
    ChokepointsOut,
    DisruptionIn,
    DisruptionOut,
    JobAcceptedOut,
    JobOut,
    PlanIn,
    PlanOut,
    RankingMethod,
    Substitution,
)
from atlas_graph.models.errors import ErrorOut
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services import analysis
from atlas_graph.services.jobs import Job

router = APIRouter(prefix="/v1/analysis", tags=["analysis"])

ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": JobAcceptedOut, "description": "Too large to answer at once: a job was started."}
}


def chokepoint_ranking(
    method: Annotated[
        RankingMethod,
        Query(
            description="capability (default): the capability loss of removing the entity alone, never victims "
            "or software (docs/planning.md); the structural methods: docs/analysis.md"
        ),
    ] = "capability",
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    kinds: Annotated[list[str] | None, Query(description="Kinds that may be ranked, e.g. service_provider")] = None,
    stability: Annotated[bool, Query(description="Also rerank on graphs resampled by confidence")] = False,
    samples: Annotated[int, Query(ge=5, le=500, description="Resampled graphs, with stability")] = 50,
    seed: Annotated[int, Query(ge=0, description="Same seed, same answer")] = 0,
    substitution: Annotated[
        Substitution, Query(description="method=capability: where actors may find a capability they lost")
    ] = "affiliates",
    actionable: Annotated[
        bool, Query(description="method=capability: only what some coalition member (a profile) can act on")
    ] = False,
) -> analysis.Ranking:
    """`?method=&top=&kinds=&stability=&samples=&seed=&substitution=&actionable=`: what a ranking asks for."""
    ranked_kinds = parse_enum_list(kinds, EntityKind, "kinds")
    return analysis.Ranking(
        method=method,
        top=top,
        kinds=tuple(ranked_kinds) if ranked_kinds else None,
        stability=stability,
        samples=samples,
        seed=seed,
        substitution=substitution,
        actionable=actionable,
    )


RankingDep = Annotated[analysis.Ranking, Depends(chokepoint_ranking)]

T = TypeVar("T")


@dataclass(frozen=True)
class JobAnswer:
    """How an analysis answers: its result at once, or 202 with where to poll when the service started a job."""

    request: Request
    background: bool
    """Always run as a job, however small the graph."""

    def __call__(self, outcome: T | Job) -> T | JSONResponse:
        if not isinstance(outcome, Job):
            return outcome
        location = str(self.request.url_for("get_job", job_id=outcome.id).path)
        body = JobAcceptedOut(job_id=outcome.id, status=outcome.status, progress=outcome.progress, location=location)
        return JSONResponse(
            body.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


def job_answer(
    request: Request, background: Annotated[bool, Query(description="Always run as a job")] = False
) -> JobAnswer:
    """`?background=`: what every analysis that may run as a job asks for."""
    return JobAnswer(request=request, background=background)


JobAnswerDep = Annotated[JobAnswer, Depends(job_answer)]


@router.get(
    "/chokepoints",
    response_model=ChokepointsOut,
    summary="Rank the entities whose removal would cut the most criminal capability (or fragment the ecosystem "
    "most, with a structural method), and say why",
    responses={**ACCEPTED, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def get_chokepoints(
    runtime: AnalysisDep, caller: ReaderDep, scope: ScopeDep, ranking: RankingDep, answer: JobAnswerDep
) -> ChokepointsOut | JSONResponse:
    return answer(
        analysis.chokepoints(runtime, caller=caller, background=answer.background, scope=scope, ranking=ranking)
    )


@router.post(
    "/plans",
    response_model=PlanOut,
    summary="The coordinated takedowns, within a budget, that cut the most criminal capability, and who does each",
    description="docs/planning.md: the loss, the substitution rules, the solver (optimal within time_limit, else "
    "the best found with the solver's bound), explanations, tasks per member, gaps and baselines.",
    responses={**ACCEPTED, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def post_plans(body: PlanIn, runtime: AnalysisDep, caller: ReaderDep, answer: JobAnswerDep) -> PlanOut | JSONResponse:
    return answer(analysis.plan(runtime, caller=caller, background=answer.background, body=body))


@router.post(
    "/disruption",
    response_model=DisruptionOut,
    summary="What taking these entities down would change: metrics before and after",
    responses={**ACCEPTED, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}},
)
def post_disruption(
    body: DisruptionIn, runtime: AnalysisDep, caller: ReaderDep, answer: JobAnswerDep
) -> DisruptionOut | JSONResponse:
    return answer(
        analysis.disruption(
            runtime,
            caller=caller,
            background=answer.background,
            remove=body.remove,
            scope=analysis.body_scope(body),
            substitution=body.substitution,
        )
    )


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="A job's status and progress, and its result when done",
    responses={404: {"model": ErrorOut}},
)
def get_job(job_id: str, jobs: JobsDep, caller: ReaderDep) -> JobOut:
    return analysis.job_out(jobs.get(job_id, organization=caller.organization))


@router.delete(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="Cancel a job: a queued one never runs, a running one stops and frees its worker; a finished one is "
    "left as it is (200 either way: the status says which)",
    responses={404: {"model": ErrorOut}},
)
def delete_job(job_id: str, jobs: JobsDep, caller: ReaderDep) -> JobOut:
    return analysis.job_out(jobs.cancel(job_id, organization=caller.organization))
