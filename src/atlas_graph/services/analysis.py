"""Chokepoint rankings and takedown simulations on the graph the caller may see, directly or as jobs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import networkx as nx
from pydantic import BaseModel

from atlas_graph import analysis
from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.analysis import (
    ChokepointOut,
    ChokepointsOut,
    DisruptionImpactOut,
    DisruptionOut,
    FragmentationOut,
    GraphScopeOut,
    LostAccessOut,
    RankingMethod,
    RemovedOut,
    StabilityOut,
)
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.services.caller import Caller
from atlas_graph.services.jobs import Job, JobRunner, Progress
from atlas_graph.services.workers import AnalysisWorkers
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


def chokepoints(
    runtime: AnalysisRuntime,
    *,
    caller: Caller,
    background: bool,
    method: RankingMethod,
    top: int,
    kinds: Sequence[EntityKind] | None,
    scope: GraphScope,
    stability: bool,
    samples: int,
    seed: int,
) -> ChokepointsOut | Job:
    """The ranking of the caller's visible graph: answered at once, or a job (asked for, stability, or large).

    `kinds` are the kinds that may be ranked; the graph ranked on is the caller's within `scope`.
    """
    projection = projection_for(runtime, caller=caller, scope=scope)
    return _answer_or_job(
        runtime,
        rank,
        projection,
        kind="chokepoints",
        caller=caller,
        as_job=background or needs_job(projection, stability=stability),
        method=method,
        top=top,
        kinds=kinds,
        scope=scope,
        stability=stability,
        samples=samples,
        seed=seed,
    )


def disruption(
    runtime: AnalysisRuntime,
    *,
    caller: Caller,
    background: bool,
    remove: Sequence[str],
    scope: GraphScope,
) -> DisruptionOut | Job:
    """What taking `remove` down would change: answered at once, or a job (asked for, or a large graph)."""
    projection = projection_for(runtime, caller=caller, scope=scope)
    return _answer_or_job(
        runtime,
        disrupt,
        projection,
        kind="disruption",
        caller=caller,
        as_job=background or needs_job(projection, stability=False),
        remove=check_removal(projection, remove),
        scope=scope,
    )


def _answer_or_job(
    runtime: AnalysisRuntime,
    compute: Callable[..., Answer],
    projection: Projection,
    *,
    kind: str,
    caller: Caller,
    as_job: bool,
    **arguments: Any,
) -> Answer | Job:
    """`compute(projection, **arguments)` in the inline worker, or submitted as a job that keeps its JSON."""
    workers = runtime.workers
    if not as_job:
        return workers.run(compute, projection, **arguments)
    return runtime.jobs.submit(
        kind=kind,
        organization=caller.organization,
        work=lambda progress: workers.run(
            compute, projection, background=True, progress=progress, **arguments
        ).model_dump(mode="json"),
    )


def projection_for(runtime: AnalysisRuntime, *, caller: Caller, scope: GraphScope) -> Projection:
    """The caller's visible graph within `scope`, from the cache while no write has happened since.

    Raises PayloadTooLarge when it has more than `max_elements` nodes plus edges (ATLAS_MAX_ANALYSIS_ELEMENTS).
    """
    return runtime.cache.get(
        runtime.store, organization=caller.organization, scope=scope, max_elements=runtime.max_elements
    )


def needs_job(projection: Projection, *, stability: bool) -> bool:
    graph = projection.graph
    return stability or graph.number_of_nodes() + graph.number_of_edges() > INLINE_LIMIT


def rank(
    projection: Projection,
    *,
    method: RankingMethod,
    top: int,
    kinds: Sequence[EntityKind] | None,
    scope: GraphScope,
    stability: bool,
    samples: int,
    seed: int,
    progress: Progress | None = None,
) -> ChokepointsOut:
    """Rank chokepoints (and, asked, how stable each is when edges are resampled by confidence)."""
    graph = projection.graph
    kind_values = [k.value for k in kinds] if kinds else None
    ranking_share = 0.3 if stability else 1.0
    ranked = analysis.rank_chokepoints(
        graph, method=method, top=top, kinds=kind_values, seed=seed, progress=_scaled(progress, 0.0, ranking_share)
    )
    frequencies: dict[Any, float] = {}
    stability_samples = None
    if stability:
        result = analysis.chokepoint_stability(
            graph,
            method=method,
            top=top,
            kinds=kind_values,
            samples=samples,
            seed=seed,
            progress=_scaled(progress, ranking_share, 1.0),
        )
        frequencies = {item.node: item.frequency for item in result.chokepoints}
        stability_samples = result.samples
    return ChokepointsOut(
        method=method,
        top=top,
        kinds=list(kinds) if kinds else None,
        seed=seed,
        scope=_scope(projection, scope),
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
                stability=StabilityOut(frequency=frequencies[point.node]) if point.node in frequencies else None,
            )
            for point in ranked
        ],
        stability_samples=stability_samples,
    )


def check_removal(projection: Projection, remove: Sequence[str]) -> list[str]:
    """The ids to remove, each an entity the caller may see (422 listing the others, like unknown ids)."""
    graph = projection.graph
    problems = [
        Problem(("body", "remove", index), f"no entity {entity_id!r} visible to you in this graph")
        for index, entity_id in enumerate(remove)
        if entity_id not in graph
    ]
    if problems:
        raise InvalidInput(problems)
    return list(dict.fromkeys(remove))


def disrupt(
    projection: Projection,
    *,
    remove: Sequence[str],
    scope: GraphScope,
    progress: Progress | None = None,
) -> DisruptionOut:
    """Metrics before and after taking `remove` down, the pieces created and who lost which services."""
    graph = projection.graph
    impact = analysis.disruption_impact(graph, remove, progress=progress)
    lost = sorted(impact.lost_service_access.items(), key=lambda item: (-len(item[1]), str(item[0])))
    return DisruptionOut(
        scope=_scope(projection, scope),
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
    )


def _scope(projection: Projection, scope: GraphScope) -> GraphScopeOut:
    graph: nx.MultiDiGraph = projection.graph
    return GraphScopeOut(
        graph_version=projection.fingerprint,
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
        types=list(scope.types) if scope.types else None,
        min_confidence=scope.min_confidence,
        as_of=scope.as_of,
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
