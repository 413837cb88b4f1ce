"""Chokepoint rankings and takedown simulations on the graph the caller may see, directly or as jobs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from atlas_graph import analysis
from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.analysis import (
    ChokepointOut,
    ChokepointsOut,
    DisruptionImpactOut,
    DisruptionIn,
    DisruptionOut,
    FragmentationOut,
    JobOut,
    LostAccessOut,
    PlanIn,
    PlanOut,
    RankingMethod,
    RemovedOut,
    StabilityOut,
    Substitution,
)
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services import plans
from atlas_graph.services.caller import Caller
from atlas_graph.services.jobs import Job, JobRunner, Progress
from atlas_graph.services.plans import scope_out
from atlas_graph.services.workers import AnalysisWorkers, Kept
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import Projection, ProjectionCache
from atlas_graph.store.scope import GraphScope

# Above this many nodes plus edges, or with stability, an analysis runs as a job (202) rather than inline.
INLINE_LIMIT = 20_000
LOST_ACCESS_SHOWN = 1_000

Answer = TypeVar("Answer", bound=BaseModel)


@dataclass(frozen=True)
class AnalysisRuntime:
    """What an analysis needs from the running service: the store, the projection cache, jobs and workers."""

    store: GraphStore
    cache: ProjectionCache
    jobs: JobRunner
    workers: AnalysisWorkers
    max_elements: int


@dataclass(frozen=True)
class Ranking:
    """What a chokepoint ranking asks for: the query of GET /v1/analysis/chokepoints, minus the graph's scope.

    `kinds` are the kinds that may be ranked. With method=capability, `substitution` is the loss's rule and
    `actionable` keeps what the coalition (every organization with a profile) can act on. `stability` also
    reranks on `samples` graphs resampled by confidence.
    """

    method: RankingMethod
    top: int
    kinds: tuple[EntityKind, ...] | None
    stability: bool
    samples: int
    seed: int
    substitution: Substitution = "affiliates"
    actionable: bool = False


def chokepoints(
    runtime: AnalysisRuntime, *, caller: Caller, background: bool, scope: GraphScope, ranking: Ranking
) -> ChokepointsOut | Job:
    """The ranking of the caller's visible graph within `scope`: answered at once, or a job (asked for,
    stability, or large)."""
    capability = ranking.method == "capability"
    if ranking.actionable and not capability:
        raise InvalidInput([Problem(("query", "actionable"), "actionable=true goes with method=capability only")])
    coalition = plans.coalition_profiles(runtime.store, None) if capability else ()
    projection = projection_for(runtime, caller=caller, scope=scope)
    return _answer_or_job(
        runtime,
        rank,
        projection,
        kind="chokepoints",
        caller=caller,
        background=background,
        stability=ranking.stability,
        ranking=ranking,
        scope=scope,
        coalition=coalition,
    )


def plan(runtime: AnalysisRuntime, *, caller: Caller, background: bool, body: PlanIn) -> PlanOut | Job:
    """The best plan within the budget for the coalition: answered at once, or a job (asked for, or large)."""
    scope = body_scope(body)
    coalition = plans.coalition_profiles(runtime.store, body.coalition)
    projection = projection_for(runtime, caller=caller, scope=scope)
    arguments = plans.check_plan(projection.entities(), body, coalition)
    return _answer_or_job(
        runtime,
        plans.make_plan,
        projection,
        kind="plan",
        caller=caller,
        background=background,
        scope=scope,
        **arguments,
    )


def body_scope(body: DisruptionIn | PlanIn) -> GraphScope:
    """The graph a what-if or a plan reads, as its body's filters name it."""
    return GraphScope.of(
        types=body.types,
        min_confidence=body.min_confidence,
        as_of=body.as_of,
        categories=body.categories,
        only_mine=body.only_mine,
    )


def disruption(
    runtime: AnalysisRuntime,
    *,
    caller: Caller,
    background: bool,
    remove: Sequence[str],
    scope: GraphScope,
    substitution: Substitution = "affiliates",
) -> DisruptionOut | Job:
    """What taking `remove` down would change: answered at once, or a job (asked for, or a large graph)."""
    projection = projection_for(runtime, caller=caller, scope=scope)
    return _answer_or_job(
        runtime,
        disrupt,
        projection,
        kind="disruption",
        caller=caller,
        background=background,
        remove=plans.visible_ids(projection.entities(), remove, "remove"),
        scope=scope,
        substitution=substitution,
    )


def _answer_or_job(
    runtime: AnalysisRuntime,
    compute: Callable[..., Answer],
    projection: Projection,
    *,
    kind: str,
    caller: Caller,
    background: bool,
    stability: bool = False,
    **arguments: Any,
) -> Answer | Job:
    """`compute(projection, **arguments)` in the inline worker, or submitted as a job that keeps its JSON: a job
    when the caller asks for one (`background`), when it resamples (`stability`), or when the graph is large.

    The workers keep the projection by its version and content, so that the next analysis of the same graph sends
    them its key only.
    """
    workers = runtime.workers
    kept = Kept(key=(projection.graph_version, projection.fingerprint), value=projection)
    if not (background or stability or projection.node_count + projection.edge_count > INLINE_LIMIT):
        return workers.run(compute, kept, **arguments)

    def work(job: Job) -> Any:
        return workers.run(
            compute, kept, background=True, progress=job.report, cancelled=job.cancelled, **arguments
        ).model_dump(mode="json")

    return runtime.jobs.submit(kind=kind, organization=caller.organization, work=work)


def job_out(job: Job) -> JobOut:
    """A job as its organization reads it: its result only once it succeeded."""
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        status=job.status,
        progress=round(job.progress, 4),
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        result=job.result if job.status == "succeeded" else None,
        error=job.error,
    )


def projection_for(runtime: AnalysisRuntime, *, caller: Caller, scope: GraphScope) -> Projection:
    """The caller's visible graph within `scope`, from the cache while no write has happened since.

    Raises PayloadTooLarge when it has more than `max_elements` nodes plus edges (ATLAS_MAX_ANALYSIS_ELEMENTS).
    """
    return runtime.cache.get(
        runtime.store, organization=caller.organization, scope=scope, max_elements=runtime.max_elements
    )


def rank(
    projection: Projection,
    *,
    ranking: Ranking,
    scope: GraphScope,
    coalition: tuple[analysis.MemberProfile, ...] = (),
    progress: Progress | None = None,
) -> ChokepointsOut:
    """Rank chokepoints by `ranking.method` (and, asked, how stable each is when edges are resampled by
    confidence); the capability ranking names what the `coalition` can act on."""
    ranking_share = 0.3 if ranking.stability else 1.0
    ranking_progress = _scaled(progress, 0.0, ranking_share)
    if ranking.method == "capability":
        ranked = plans.rank_by_capability(
            projection,
            top=ranking.top,
            kinds=ranking.kinds,
            scope=scope,
            substitution=ranking.substitution,
            coalition=coalition,
            only_actionable=ranking.actionable,
            seed=ranking.seed,
            progress=ranking_progress,
        )
    else:
        ranked = _rank_by_metric(projection, ranking=ranking, scope=scope, progress=ranking_progress)
    if ranking.stability:
        # Resampling reranks capability with the default rule over every target of the kinds asked
        # (chokepoint_stability), so a target it does not follow counts 0.0; a metric's ranking is followed whole.
        result = analysis.chokepoint_stability(
            projection.graph,
            method=ranking.method,
            top=ranking.top,
            kinds=_kind_values(ranking),
            samples=ranking.samples,
            seed=ranking.seed,
            progress=_scaled(progress, ranking_share, 1.0),
        )
        frequencies = {str(item.node): item.frequency for item in result.chokepoints}
        for point in ranked.chokepoints:
            point.stability = StabilityOut(frequency=frequencies.get(point.id, 0.0))
        ranked.stability_samples = result.samples
    return ranked


def _rank_by_metric(
    projection: Projection, *, ranking: Ranking, scope: GraphScope, progress: Progress | None
) -> ChokepointsOut:
    """The ranking by a graph metric (every method but capability), without its stability."""
    graph = projection.graph
    ranked = analysis.rank_chokepoints(
        graph,
        method=ranking.method,
        top=ranking.top,
        kinds=_kind_values(ranking),
        seed=ranking.seed,
        progress=progress,
    )
    return ChokepointsOut(
        method=ranking.method,
        top=ranking.top,
        kinds=list(ranking.kinds) if ranking.kinds else None,
        seed=ranking.seed,
        scope=scope_out(projection, scope),
        chokepoints=[
            ChokepointOut(
                id=str(point.node),
                name=graph.nodes[point.node].get("name") or str(point.node),
                kind=EntityKind(graph.nodes[point.node]["kind"]),
                category=graph.nodes[point.node].get("category"),
                rank=point.rank,
                score=point.score,
                metrics=_plain(point.metrics),
                explanation=point.explanation,
            )
            for point in ranked
        ],
    )


def _kind_values(ranking: Ranking) -> list[str] | None:
    """The kinds that may be ranked, as the analyses name them (None: every kind)."""
    return [k.value for k in ranking.kinds] if ranking.kinds else None


def disrupt(
    projection: Projection,
    *,
    remove: Sequence[str],
    scope: GraphScope,
    substitution: Substitution = "affiliates",
    progress: Progress | None = None,
) -> DisruptionOut:
    """Metrics before and after taking `remove` down, the pieces created, who lost which services, and the
    capability loss under `substitution` (who loses what, and where the others go)."""
    graph = projection.graph
    impact = analysis.disruption_impact(graph, remove, progress=progress)
    lost = sorted(impact.lost_service_access.items(), key=lambda item: (-len(item[1]), str(item[0])))
    return DisruptionOut(
        scope=scope_out(projection, scope),
        removed=[
            RemovedOut(id=node, name=graph.nodes[node].get("name") or node, kind=EntityKind(graph.nodes[node]["kind"]))
            for node in remove
        ],
        before=_fragmentation(impact.before),
        after=_fragmentation(impact.after),
        impact=DisruptionImpactOut(
            components_created=impact.components_created,
            actor_victim_pairs_cut=impact.actor_victim_pairs_cut,
            actors_losing_service=len(lost),
            lost_service_access=[
                LostAccessOut(id=str(actor), name=graph.nodes[actor].get("name") or str(actor), lost=sorted(kinds))
                for actor, kinds in lost[:LOST_ACCESS_SHOWN]
            ],
        ),
        capabilities=plans.capability_impact(graph, remove, substitution),
    )


def _fragmentation(metrics: analysis.FragmentationMetrics) -> FragmentationOut:
    reaching = Counter(kind for kinds in metrics.service_access.values() for kind in kinds)
    return FragmentationOut(
        nodes=metrics.nodes,
        components=metrics.components,
        largest_component=metrics.largest_component,
        pairwise_connectivity=metrics.pairwise_connectivity,
        fragmentation=metrics.fragmentation,
        actor_victim_pairs=metrics.actor_victim_pairs,
        actors_reaching_service=dict(sorted(reaching.items())),
    )


def _plain(metrics: Any) -> dict[str, Any]:
    plain: dict[str, Any] = {}
    for name, value in metrics.items():
        if isinstance(value, tuple):
            plain[name] = list(value)
        elif hasattr(value, "items"):
            plain[name] = dict(value)
        else:
            plain[name] = value
    return plain


def _scaled(progress: Progress | None, start: float, end: float) -> Callable[[float], None] | None:
    if progress is None:
        return None
    return lambda fraction: progress(start + (end - start) * fraction)
