"""Disruption plans and the capability ranking on the graph the caller may see, with the coalition's profiles."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from atlas_graph.analysis import briefing
from atlas_graph.analysis.capabilities import (
    SUPPLIER_KINDS,
    MemberProfile,
    Substitution,
    actionable_targets,
    capability_loss,
    harm,
    is_target,
)
from atlas_graph.analysis.plans import capability_ranking, plan
from atlas_graph.errors import InvalidInput, Problem
from atlas_graph.models.analysis import (
    ActorLossOut,
    BaselineOut,
    CapabilityImpactOut,
    ChokepointOut,
    ChokepointsOut,
    DisplacementOut,
    EntityRefOut,
    GapOut,
    GraphScopeOut,
    ObjectiveOut,
    PlanActionOut,
    PlanIn,
    PlanOut,
    PlanTargetOut,
    TaskOut,
    TaskTargetOut,
)
from atlas_graph.models.vocabulary import EntityKind
from atlas_graph.processes import collector_paused
from atlas_graph.services import organizations
from atlas_graph.services.jobs import Progress
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import EdgeColumns, Projection
from atlas_graph.store.scope import GraphScope

LISTED = 1_000
"""Losses and displacements listed in an answer, largest first."""
GAPS = 10


def coalition_profiles(store: GraphStore, names: Sequence[str] | None) -> tuple[MemberProfile, ...]:
    """The coalition's members with what they can do: the named organizations, or every one with a profile.

    A named organization without a profile is a member that can act on nothing; a name that is no organization is
    a 422 naming it (organization names are no secret between members: profiles and share_with show them).
    """
    profiles = {
        profile.name: MemberProfile(profile.name, frozenset(profile.jurisdictions), frozenset(profile.actions))
        for profile in organizations.list_profiles(store)
    }
    if names is None:
        return tuple(profiles.values())
    known = {organization.name for organization in organizations.list_organizations(store)}
    problems = [
        Problem(("body", "coalition", index), f"no organization named {name!r}")
        for index, name in enumerate(names)
        if name not in known
    ]
    if problems:
        raise InvalidInput(problems)
    return tuple(profiles.get(name, MemberProfile(name, frozenset(), frozenset())) for name in dict.fromkeys(names))


def check_plan(graph: nx.MultiDiGraph, body: PlanIn, coalition: tuple[MemberProfile, ...]) -> dict[str, Any]:
    """The plan's arguments for `make_plan`, checked against the caller's graph (422 naming each bad field).

    Ids the caller cannot see are answered exactly as ids that do not exist.
    """
    actors = visible_ids(graph, body.actors, "actors", kinds={EntityKind.ACTOR.value}) if body.actors else None
    exclude = visible_ids(graph, body.exclude, "exclude")
    require = visible_ids(graph, body.require, "require")
    _check_criticality(body.criticality)
    actionable = actionable_targets(graph, coalition)
    problems = [
        Problem(("body", "require", index), f"no coalition member can act on {v!r}")
        for index, v in enumerate(body.require)
        if v not in actionable
    ]
    if problems:
        raise InvalidInput(problems)
    required_cost = sum(float(graph.nodes[v].get("cost", 1.0)) for v in require)
    if required_cost > body.budget:
        message = f"the required targets cost {required_cost:g}, more than the budget {body.budget:g}"
        raise InvalidInput([Problem(("body", "require"), message)])
    return {
        "budget": body.budget,
        "substitution": body.substitution,
        "coalition": coalition,
        "actors": actors,
        "criticality": dict(body.criticality),
        "exclude": exclude,
        "require": require,
        "time_limit": body.time_limit,
    }


# The attribution builds loss models of its own besides the plan's: with the collector on, its full
# collections walk the whole graph again and again (a fifth of the call at 100,000).
@collector_paused()
def make_plan(
    projection: Projection,
    *,
    budget: float,
    substitution: Substitution,
    coalition: tuple[MemberProfile, ...],
    actors: list[str] | None,
    criticality: dict[str, float],
    exclude: list[str],
    require: list[str],
    time_limit: float,
    scope: GraphScope,
    progress: Progress | None = None,
) -> PlanOut:
    """The plan, its explanations, tasks, gaps and baselines (runs in a worker: module level, plain arguments)."""
    graph = projection.graph
    actionable = actionable_targets(graph, coalition)
    found = plan(
        graph,
        budget,
        substitution=substitution,
        actors=actors,
        criticality=criticality,
        exclude=exclude,
        require=require,
        candidates=list(actionable),
        time_limit=time_limit,
        scores=True,  # the gaps' scores, from the plan's model rather than one of their own
    )
    if progress is not None:
        progress(0.7)
    attribution = briefing.attribute_targets(
        graph, found, substitution=substitution, actors=actors, criticality=criticality
    )
    tasks = briefing.assign_tasks((t.node for t in found.targets), actionable)
    harms = harm(graph)
    if progress is not None:
        progress(1.0)
    return PlanOut(
        scope=scope_out(projection, scope),
        budget=budget,
        substitution=substitution,
        coalition=[member.name for member in coalition],
        targets=[
            PlanTargetOut(
                id=str(t.node),
                name=_name(graph, t.node),
                kind=EntityKind(graph.nodes[t.node]["kind"]),
                category=graph.nodes[t.node].get("category"),
                countries=list(graph.nodes[t.node].get("countries") or ()),
                cost=t.cost,
                loss=t.loss,
                actions=[PlanActionOut(organization=m, action=a) for m, a in actionable.get(t.node, ())],
                explanation=briefing.explain_target(
                    graph, t.node, attribution[t.node], actionable.get(t.node, ()), substitution
                ),
            )
            for t in sorted(found.targets, key=lambda t: -t.loss)
        ],
        objective=ObjectiveOut(
            loss=found.objective.loss,
            optimal=found.objective.optimal,
            upper_bound=found.objective.upper_bound,
            solver=found.objective.solver,
            seconds=round(found.objective.seconds, 3),
        ),
        losses=_losses(graph, found.losses, harms),
        displacement=_displacement(graph, found.displacement),
        tasks=[
            TaskOut(
                organization=member,
                targets=[TaskTargetOut(id=str(v), name=_name(graph, v), actions=list(a)) for v, a in assigned],
            )
            for member, assigned in tasks.items()
        ],
        gaps=[
            GapOut(
                id=str(v),
                name=_name(graph, v),
                kind=EntityKind(graph.nodes[v]["kind"]),
                category=graph.nodes[v].get("category"),
                countries=list(graph.nodes[v].get("countries") or ()),
                loss=score,
            )
            for v, score in briefing.gaps(found.scores or {}, actionable, top=GAPS)
        ],
        baselines=[_baseline(b) for b in found.baselines],
        notes=_notes(graph, coalition, actionable),
    )


def rank_by_capability(
    projection: Projection,
    *,
    top: int,
    kinds: Sequence[EntityKind] | None,
    scope: GraphScope,
    substitution: Substitution,
    coalition: tuple[MemberProfile, ...],
    only_actionable: bool,
    seed: int,
    progress: Progress | None = None,
) -> ChokepointsOut:
    """The capability ranking: score = loss({v}); never victims or software; each with the members who can act
    on it (`only_actionable`: only those some member can act on)."""
    graph = projection.graph
    allowed = {kind.value for kind in kinds} if kinds else None
    actionable = actionable_targets(graph, coalition)
    candidates = [
        v
        for v, attributes in graph.nodes(data=True)
        if is_target(attributes.get("kind"), attributes.get("category"))
        and (allowed is None or attributes.get("kind") in allowed)
        and (not only_actionable or v in actionable)
    ]
    ranked = capability_ranking(graph, substitution=substitution, candidates=candidates, top=top)
    if progress is not None:
        progress(1.0)
    points = []
    for rank, target in enumerate(ranked, start=1):
        v, score, single = target.node, target.score, target.account
        capabilities = sorted({c for lost in single.losses.values() for c in lost})
        why = briefing.Attribution(
            lost=single.losses,
            victims=target.victims,
            kept={a: found for (a, _), (_, found) in single.displacement.items()},
        )
        points.append(
            ChokepointOut(
                id=str(v),
                name=_name(graph, v),
                kind=EntityKind(graph.nodes[v]["kind"]),
                category=graph.nodes[v].get("category"),
                rank=rank,
                score=score,
                metrics={
                    "loss": score,
                    "actors_losing": len(single.losses),
                    "capabilities_lost": capabilities,
                    "countries": list(graph.nodes[v].get("countries") or ()),
                    "cost": float(graph.nodes[v].get("cost", 1.0)),
                    "actions": [list(pair) for pair in actionable.get(v, ())],
                },
                explanation=briefing.explain_target(graph, v, why, actionable.get(v, ()), substitution),
            )
        )
    notes = briefing.coverage_notes(graph)
    if not actionable:
        notes.append(
            "No coalition member can act on any entity of this graph: set the members' profiles "
            "(PATCH /v1/organizations/{name}: jurisdictions, actions)."
        )
    return ChokepointsOut(
        method="capability",
        top=top,
        kinds=list(kinds) if kinds else None,
        seed=seed,
        scope=scope_out(projection, scope),
        chokepoints=points,
        substitution=substitution,
        actionable=only_actionable,
        notes=notes,
    )


def capability_impact(graph: nx.MultiDiGraph, remove: Sequence[str], substitution: Substitution) -> CapabilityImpactOut:
    """The what-if's capability part: the loss, the losses per actor and the displacement of removing `remove`."""
    result = capability_loss(graph, remove, substitution=substitution)
    return CapabilityImpactOut(
        substitution=substitution,
        loss=result.loss,
        losses=_losses(graph, result.losses, harm(graph)),
        displacement=_displacement(graph, result.displacement),
    )


def visible_ids(graph: nx.MultiDiGraph, ids: Sequence[str], field: str, *, kinds: set[str] | None = None) -> list[str]:
    """The ids, each an entity the caller may see (422 naming the others exactly as ids that do not exist)."""
    problems = []
    for index, entity_id in enumerate(ids):
        if entity_id not in graph:
            problems.append(Problem(("body", field, index), f"no entity {entity_id!r} visible to you in this graph"))
        elif kinds is not None and graph.nodes[entity_id].get("kind") not in kinds:
            problems.append(Problem(("body", field, index), f"{entity_id!r} is not an {' or '.join(sorted(kinds))}"))
    if problems:
        raise InvalidInput(problems)
    return list(dict.fromkeys(ids))


def _check_criticality(criticality: Mapping[str, float]) -> None:
    problems = []
    for capability in criticality:
        kind, _, category = capability.partition("/")
        if kind not in SUPPLIER_KINDS or not category:
            problems.append(
                Problem(
                    ("body", "criticality", capability),
                    "a capability is kind/category with kind service_provider, financier or infrastructure",
                )
            )
    if problems:
        raise InvalidInput(problems)


def _losses(
    graph: nx.MultiDiGraph, losses: Mapping[Hashable, frozenset[str]], harms: Mapping[Hashable, int]
) -> list[ActorLossOut]:
    ordered = sorted(losses.items(), key=lambda item: (-harms.get(item[0], 1) * len(item[1]), str(item[0])))
    return [
        ActorLossOut(id=str(a), name=_name(graph, a), harm=float(harms.get(a, 1)), lost=sorted(lost))
        for a, lost in ordered[:LISTED]
    ]


def _displacement(
    graph: nx.MultiDiGraph, displacement: Mapping[tuple[Hashable, str], tuple[str, tuple[Hashable, ...]]]
) -> list[DisplacementOut]:
    out = []
    for (actor, capability), (route, found) in sorted(displacement.items(), key=lambda item: str(item[0]))[:LISTED]:
        out.append(
            DisplacementOut(
                id=str(actor),
                name=_name(graph, actor),
                capability=capability,
                route=route,  # type: ignore[arg-type]
                suppliers=[EntityRefOut(id=str(s), name=_name(graph, s)) for s in found],
            )
        )
    return out


def _baseline(baseline: Any) -> BaselineOut:
    return BaselineOut(
        method=baseline.method,
        targets=[str(v) for v in baseline.targets],
        cost=baseline.cost,
        loss=baseline.loss,
    )


def _notes(
    graph: nx.MultiDiGraph, coalition: tuple[MemberProfile, ...], actionable: Mapping[Hashable, Any]
) -> list[str]:
    notes = briefing.coverage_notes(graph)
    if not coalition:
        notes.append(
            "No coalition: no organization has a profile. Set one with PATCH /v1/organizations/{name} "
            "(jurisdictions, actions) or name the members in `coalition`."
        )
    elif not actionable:
        notes.append("No coalition member can act on any entity of this graph (jurisdictions and actions).")
    return notes


def scope_out(projection: Projection, scope: GraphScope) -> GraphScopeOut:
    """Which graph an answer was computed on: its nodes and edges counted from the projection's rows and columns
    (the graph's own edge count walks every node's adjacency: 0.4 s at 100,000 entities)."""
    return GraphScopeOut(
        graph_version=projection.fingerprint,
        nodes=projection.node_count,
        edges=graph_edges(projection.edges),
        types=list(scope.types) if scope.types else None,
        min_confidence=scope.min_confidence,
        as_of=scope.as_of,
        categories=list(scope.categories) if scope.categories else None,
        only_mine=scope.only_mine,
    )


def graph_edges(edges: EdgeColumns) -> int:
    """The number of edges of the graph built from `edges`: rows with the same ends and type are one edge there
    (edges are keyed by type), and the columns are sorted, so such rows are neighbours."""
    if len(edges) == 0:
        return 0
    repeated = (
        (edges.sources[1:] == edges.sources[:-1])
        & (edges.targets[1:] == edges.targets[:-1])
        & (edges.type_codes[1:] == edges.type_codes[:-1])
    )
    return len(edges) - int(np.count_nonzero(repeated))


def _name(graph: nx.MultiDiGraph, v: Hashable) -> str:
    return str(graph.nodes[v].get("name") or v)
