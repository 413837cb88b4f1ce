"""Disruption plans: the set of targets, within a budget, whose removal cuts the most criminal capability.

The loss of a set of targets is `capability_loss`'s. `plan` maximises it under a budget as an integer program
(SciPy's `milp`, which is HiGHS) over a reachability formulation, after reducing the graph to what the
candidates can cut; within the time limit the answer is proven optimal, otherwise it is the best of the
solver's incumbent, a lazy greedy with local swaps and the baselines, with the solver's bound.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np

from atlas_graph.analysis._adjacency import KERNEL_MIN_ELEMENTS, Indexed, reach_closure, undirected_view
from atlas_graph.analysis.capabilities import (
    CapabilityLoss,
    LossModel,
    LossState,
    Substitution,
    _capability_kernels,
    csr,
    kernel,
)
from atlas_graph.analysis.centrality import SUPPLY_CHAIN_TARGETS, betweenness_over_view
from atlas_graph.analysis.dismantling import dismantling_order
from atlas_graph.processes import collector_paused

__all__ = [
    "Baseline",
    "BaselineMethod",
    "Objective",
    "Plan",
    "PlanTarget",
    "RankedTarget",
    "capability_ranking",
    "capability_scores",
    "plan",
]

BaselineMethod = Literal["degree", "betweenness", "fragmentation"]
"""The rankings a plan is compared with."""

_BASELINES: tuple[BaselineMethod, ...] = ("degree", "betweenness", "fragmentation")
_GREEDY_SHARE = 0.25
"""Share of the time limit the greedy may take before the integer program gets the rest."""
_SWAP_POOL = 40
"""Candidates, by their loss alone, that local swaps try in place of a chosen target."""
_BETWEENNESS_SOURCES = 20
"""Actors sampled for the betweenness baseline: it needs the order of the top few candidates, not exact shares,
and the sample keeps it to seconds on 100,000 entities."""


@dataclass(frozen=True, slots=True)
class PlanTarget:
    """One target of a plan.

    Attributes
    ----------
    node : hashable
    cost : float
    loss : float
        Its marginal loss in the plan: the plan's loss minus the loss of the plan without it.
    """

    node: Hashable
    cost: float
    loss: float


@dataclass(frozen=True, slots=True)
class Objective:
    """How good the plan is, and how sure.

    Attributes
    ----------
    loss : float
        The plan's loss (`capability_loss`).
    optimal : bool
        Whether the solver proved that no plan within the budget loses more.
    upper_bound : float or None
        No plan within the budget loses more than this (equal to `loss` when optimal); None when the solver
        gave no bound.
    solver : str
        ``"highs"`` when the integer program's answer is the plan, else ``"greedy"``, ``"baseline:<method>"``
        or ``"none"`` (nothing to remove).
    seconds : float
        Time spent finding the plan: the model, its reduction, the greedy and the integer program (the
        baselines and the final scoring come on top).
    """

    loss: float
    optimal: bool
    upper_bound: float | None
    solver: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Baseline:
    """A ranking's first targets within the budget, scored with the plan's loss.

    Attributes
    ----------
    method : {"degree", "betweenness", "fragmentation"}
    targets : tuple
        Taken in the ranking's order, skipping those that no longer fit the budget.
    cost : float
    loss : float
    """

    method: BaselineMethod
    targets: tuple[Hashable, ...]
    cost: float
    loss: float


@dataclass(frozen=True, slots=True)
class Plan:
    """A disruption plan.

    Attributes
    ----------
    targets : tuple of PlanTarget
        In the graph's node order.
    objective : Objective
    losses : mapping
        Each actor in scope that loses something, mapped to the capabilities it loses.
    displacement : mapping
        Each (actor, capability) kept although the plan touched it, mapped to ``(route, suppliers)`` (see
        `CapabilityLoss`).
    baselines : tuple of Baseline
    budget : float
    substitution : str
    scores : mapping or None
        With ``plan(..., scores=True)``, every target's loss alone (`capability_scores` with the plan's actors and
        criticality), from the plan's own model; else None.
    """

    targets: tuple[PlanTarget, ...]
    objective: Objective
    losses: Mapping[Hashable, frozenset[str]]
    displacement: Mapping[tuple[Hashable, str], tuple[str, tuple[Hashable, ...]]]
    baselines: tuple[Baseline, ...]
    budget: float
    substitution: str
    scores: Mapping[Hashable, float] | None = None


# The search allocates millions of small lists and tuples, none in a cycle; with the collector on, each of its
# full collections walks the whole graph again: a fifth of the call at 100,000 entities (docs/performance.md).
@collector_paused()
def plan(
    G: nx.Graph,
    budget: float,
    *,
    costs: Mapping[Hashable, float] | None = None,
    substitution: Substitution = "affiliates",
    actors: Iterable[Hashable] | None = None,
    criticality: Mapping[str, float] | None = None,
    exclude: Iterable[Hashable] = (),
    require: Iterable[Hashable] = (),
    candidates: Iterable[Hashable] | None = None,
    time_limit: float = 30.0,
    baselines: Iterable[BaselineMethod] = _BASELINES,
    seed: int = 0,
    scores: bool = False,
) -> Plan:
    """Return the targets within `budget` whose removal cuts the most capability, with baselines to compare.

    Parameters
    ----------
    G : NetworkX multidigraph
        The ecosystem as the projection builds it; node attribute `cost` (default 1) is a target's cost.
    budget : float
        The most the targets may cost in all. Must be positive.
    costs : mapping or None, optional (default=None)
        Costs that override the node attribute; each must be positive.
    substitution : {"none", "affiliates", "market"}, optional (default="affiliates")
        The substitution rule of the loss (see `capability_loss`).
    actors : iterable or None, optional (default=None)
        The actors whose losses count; None for every actor.
    criticality : mapping or None, optional (default=None)
        A weight per capability (default 1).
    exclude : iterable, optional
        Nodes never to choose.
    require : iterable, optional
        Nodes to choose whatever else is chosen; they count against the budget.
    candidates : iterable or None, optional (default=None)
        The nodes that may be chosen: typically the targets the coalition can act on (`actionable_targets`).
        None for every target; victims and software are never chosen.
    time_limit : float, optional (default=30.0)
        Seconds the search may take: the greedy and the local swaps up to a quarter each, the integer program
        the rest but at least a quarter, so a search whose model took long may go beyond it (the baselines
        and the final scoring come on top).
    baselines : iterable, optional
        Which rankings to compare with: some of "degree", "betweenness", "fragmentation".
    seed : int, optional (default=0)
        Seed of the betweenness sample and of the dismantling order's tie breaks.
    scores : bool, optional (default=False)
        Also give every target's loss alone in `Plan.scores`: what `capability_scores` gives with the same
        substitution, actors and criticality, without building its model again.

    Returns
    -------
    plan : Plan

    Raises
    ------
    ValueError
        If the budget or a cost is not positive, the substitution rule is unknown, a required node is not a
        target or is excluded, or the required nodes cost more than the budget.

    Notes
    -----
    The integer program (see ``docs/planning.md``) has a binary x_v per candidate, a reach variable r_cu in
    [0, 1] per capability c and node u that may lose its route to c, and a loss variable per (actor,
    capability) pair that the candidates can cut. ``r_cu >= 1 - x_u`` where u still has a route to c that no
    candidate can cut, and ``r_cu >= r_cw - x_u`` along each dependency u -> w; the loss of a pair is at most
    ``1 - r`` of the actor and, under ``affiliates``, of each affiliate. Under ``market`` a capability is lost
    only when all its suppliers are chosen: ``y_c <= x_s`` for each supplier s.

    The graph is reduced first. Nodes that no candidate can cut off from c (they reach a supplier of c through
    nodes that are not candidates) hold r_cu = 1 and are left out; so are the nodes beyond a candidate that has
    such a route itself (removing it cuts its route whatever lies beyond), and the pairs that can never be lost.
    What remains is the part of the graph a plan can change.

    Greedy removal by gain per cost is within 1 - 1/e of the optimum where the loss is submodular [1]_; the
    loss here is not (two substitutes are worth nothing alone and much together), which is why the integer
    program decides and the greedy only stands in when it runs out of time.

    References
    ----------
    .. [1] Johnson, M. P., Gutfraind, A. and Ahmadizadeh, K., "Optimal layered defense for interdiction
       problems", Annals of Operations Research (2013).

    Examples
    --------
    Two gangs share one hoster; a third has two, so taking one of those changes nothing:

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for gang in ("gang", "crew", "band"):
    ...     G.add_node(gang, kind="actor")
    >>> for host in ("east", "west", "north"):
    ...     G.add_node(host, kind="service_provider", category="bulletproof_hosting", cost=2)
    >>> for user, host in (("gang", "east"), ("crew", "east"), ("band", "west"), ("band", "north")):
    ...     _ = G.add_edge(user, host, key="USES", type="USES")
    >>> best = plan(G, 2, candidates=["east", "west", "north"], substitution="none", baselines=())
    >>> [target.node for target in best.targets], best.objective.loss, best.objective.optimal
    (['east'], 2.0, True)
    """
    started = time.perf_counter()
    if not budget > 0:
        raise ValueError("budget must be positive")
    model = LossModel(G, substitution=substitution, actors=actors, criticality=criticality)
    cost = _costs(G, model, costs)
    excluded = {model.index[v] for v in exclude if v in model.index}
    required = sorted({_number(model, v, "required node") for v in require})
    eligible = set(model.targets(candidates))
    for v in required:
        if v in excluded:
            raise ValueError(f"{model.nodes[v]!r} is both required and excluded")
        if v not in set(model.targets([model.nodes[v]])):
            raise ValueError(f"required node {model.nodes[v]!r} is not a target")
    spent = sum(cost[v] for v in required)
    if spent > budget + 1e-9:
        raise ValueError(f"the required nodes cost {spent:g}, more than the budget {budget:g}")
    room = budget - spent
    chosen_ones = set(required)
    pool = [v for v in sorted(eligible - excluded - chosen_ones) if cost[v] <= room + 1e-9]

    base = model.state(model.flags(model.nodes[v] for v in required))
    reduced = _reduce(model, base, pool, cost, room)
    # Each step gets its share from when it starts, so that a slow model on a large graph still leaves the
    # greedy and the integer program their time: at least a quarter of the limit each.
    singles = _single_gains(reduced)
    greedy = _greedy(reduced, singles, room, deadline=time.perf_counter() + _GREEDY_SHARE * time_limit)
    greedy = _swap(reduced, singles, greedy, room, deadline=time.perf_counter() + _GREEDY_SHARE * time_limit)
    remaining = started + time_limit - time.perf_counter()
    solution = _solve(reduced, room, time_limit=max(_GREEDY_SHARE * time_limit, remaining))

    proposals: list[tuple[str, list[int]]] = [("greedy", greedy)]
    if solution.chosen is not None:
        proposals.insert(0, ("highs", solution.chosen))
    searched = time.perf_counter() - started
    scored: dict[frozenset[int], LossState] = {}
    compared = _baselines(G, model, baselines, pool, cost, room, required, base, scored, seed=seed)
    for baseline in compared:
        proposals.append((f"baseline:{baseline.method}", [model.index[v] for v in baseline.targets]))

    best_name, best_nodes, best_state = "none", required, base
    evaluated: set[frozenset[int]] = set()
    for name, extra in proposals:
        # The program, the greedy and the baselines often propose the same set: each is scored once, first wins.
        proposed = frozenset(extra)
        if proposed in evaluated:
            continue
        evaluated.add(proposed)
        state = scored.get(proposed)
        if state is None:
            state = model.state(model.flags(model.nodes[v] for v in (*required, *extra)))
        if state.loss > best_state.loss + 1e-9:
            best_name, best_nodes, best_state = name, sorted({*required, *extra}), state
    slack = _tolerance(solution.objective)
    optimal = solution.optimal and best_state.loss >= solution.objective + base.loss - slack
    upper = solution.bound + base.loss if solution.bound is not None else None
    if optimal:
        upper = best_state.loss
    elif upper is not None:
        upper = max(upper, best_state.loss)

    targets = []
    for v in best_nodes:
        without = model.flags(model.nodes[u] for u in best_nodes if u != v)
        targets.append(PlanTarget(node=model.nodes[v], cost=cost[v], loss=best_state.loss - model.loss(without)))
    losses = model.losses(best_state)
    return Plan(
        targets=tuple(targets),
        objective=Objective(
            loss=best_state.loss, optimal=optimal, upper_bound=upper, solver=best_name, seconds=searched
        ),
        losses=losses,
        displacement=model.displacement(best_state.removed, best_state, listed=5),
        baselines=tuple(compared),
        budget=float(budget),
        substitution=substitution,
        scores=_scores(model, model.targets()) if scores else None,
    )


def capability_scores(
    G: nx.Graph,
    *,
    substitution: Substitution = "affiliates",
    candidates: Iterable[Hashable] | None = None,
    actors: Iterable[Hashable] | None = None,
    criticality: Mapping[str, float] | None = None,
    costs: Mapping[Hashable, float] | None = None,
) -> dict[Hashable, float]:
    """Return loss({v}) for each candidate target `v`: the capability ranking's score.

    Parameters
    ----------
    G : NetworkX multidigraph
        The ecosystem.
    substitution, actors, criticality
        As for `capability_loss`.
    candidates : iterable or None, optional (default=None)
        The nodes to score; None for every target. Victims and software are never scored.
    costs : mapping or None, optional (default=None)
        As for `plan`; they only bound the reduction.

    Returns
    -------
    scores : dict
        Candidate to the loss its removal alone causes, in the graph's node order.

    Notes
    -----
    A pair is cut by v alone exactly when v dominates, against the dependencies, all the nodes whose routes
    decide it (the actor and, under ``affiliates``, its affiliates that reach the capability): one dominator tree
    per capability gives every candidate's loss at once (`single_losses`).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("gang", kind="actor")
    >>> G.add_node("host", kind="service_provider", category="bulletproof_hosting")
    >>> G.add_node("kit", kind="service_provider", category="tool")
    >>> for software in ("host", "kit"):
    ...     _ = G.add_edge("gang", software, key="USES", type="USES")
    >>> capability_scores(G)
    {'gang': 1.0, 'host': 1.0}
    """
    model = LossModel(G, substitution=substitution, actors=actors, criticality=criticality)
    _costs(G, model, costs)  # checked as for a plan, although a single removal needs no budget
    return _scores(model, model.targets(candidates))


def _scores(model: LossModel, pool: list[int]) -> dict[Hashable, float]:
    """loss({v}) of each node number of `pool`, by node."""
    if not pool:
        return {}
    singles = single_losses(model)
    return {model.nodes[v]: singles[v] for v in pool}


@dataclass(frozen=True, slots=True)
class RankedTarget:
    """One target of the capability ranking, with the account of its removal.

    Attributes
    ----------
    node : hashable
    score : float
        loss({node}), as `capability_scores` gives it.
    account : CapabilityLoss
        Who loses what when it alone is removed, and where the others go.
    victims : int
        Distinct victims the actors in ``account.losses`` target.
    """

    node: Hashable
    score: float
    account: CapabilityLoss
    victims: int


def capability_ranking(
    G: nx.Graph,
    *,
    substitution: Substitution = "affiliates",
    candidates: Iterable[Hashable] | None = None,
    top: int = 10,
    listed: int = 3,
) -> list[RankedTarget]:
    """Return the `top` candidates of highest `capability_scores`, each with its `capability_loss`.

    Parameters
    ----------
    G : NetworkX multidigraph
        The ecosystem.
    substitution : {"none", "affiliates", "market"}, optional (default="affiliates")
        As for `capability_loss`.
    candidates : iterable or None, optional (default=None)
        The nodes to rank; None for every target. Victims and software are never ranked.
    top : int, optional (default=10)
        How many to return.
    listed : int, optional (default=3)
        Most suppliers named per displaced (actor, capability) in each account.

    Returns
    -------
    ranked : list of RankedTarget
        Scores above 0 only, highest first, ties in the graph's order.

    Notes
    -----
    The same as `capability_scores` followed by `capability_loss` of each of the first `top`, but on one model
    of the graph: each account then costs a search of the target's upstream, not a model and a search of the
    whole graph.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("gang", kind="actor")
    >>> G.add_node("host", kind="service_provider", category="bulletproof_hosting")
    >>> _ = G.add_edge("gang", "host", key="USES", type="USES")
    >>> [(t.node, t.score, dict(t.account.losses)) for t in capability_ranking(G, top=1)]
    [('gang', 1.0, {'gang': frozenset({'service_provider/bulletproof_hosting'})})]
    """
    model = LossModel(G, substitution=substitution)
    pool = model.targets(candidates)
    singles = single_losses(model) if pool else []
    scored = [v for v in pool if singles[v] > 0]
    chosen = heapq.nsmallest(top, scored, key=lambda v: (-singles[v], v)) if top > 0 else []
    ranked = []
    for v in chosen:
        account = model.capability_loss([model.nodes[v]], listed=listed)
        victims = model.victims_targeted(account.losses)
        ranked.append(RankedTarget(node=model.nodes[v], score=singles[v], account=account, victims=victims))
    return ranked


def single_losses(model: LossModel) -> list[float]:
    """Return, per node number, loss({node}) with nothing else removed (0 for nodes that cut nothing).

    An actor in scope loses everything it has when removed; beyond that, under ``market`` a node cuts a
    capability it alone supplies, for every actor in scope that has it; under ``none`` and ``affiliates`` the
    dominator trees of `_capability_kernels.single_removal_gains` say which pairs it cuts.
    """
    n = len(model.nodes)
    gains = [0.0] * n
    for a in model.scope:
        gains[a] = model.weight(a, model.before[a])
    if model.substitution == "market":
        for c, group in enumerate(model.suppliers_of):
            if len(group) == 1:
                (s,) = group
                bit = 1 << c
                gains[s] += sum(
                    model.harm[a] * model.criticality[c] for a in model.scope if a != s and model.before[a] & bit
                )
        return gains
    arrays = model.arrays
    supplies = np.full(n, -1, np.int64)
    for c, group in enumerate(model.suppliers_of):
        supplies[group] = c
    sup_ptr, sup_idx = model.supplier_arrays
    aff_ptr, aff_idx = csr(model.affiliates)
    cut = kernel(_capability_kernels().single_removal_gains, arrays.elements)(
        arrays.succ_ptr,
        arrays.succ_idx,
        arrays.pred_ptr,
        arrays.pred_idx,
        model.reach_rows,
        sup_ptr,
        sup_idx,
        supplies,
        np.array(model.scope, np.int64),
        np.array(model.harm, np.float64),
        np.array(model.criticality, np.float64),
        aff_ptr,
        aff_idx,
        model.substitution == "affiliates",
    )
    return [gain + float(extra) for gain, extra in zip(gains, cut.tolist(), strict=True)]


def _number(model: LossModel, v: Hashable, what: str) -> int:
    if v not in model.index:
        raise ValueError(f"{what} {v!r} is not in the graph")
    return model.index[v]


def _costs(G: nx.Graph, model: LossModel, costs: Mapping[Hashable, float] | None) -> list[float]:
    given = {} if costs is None else costs
    found = []
    for v in model.nodes:
        value = given.get(v, G.nodes[v].get("cost", 1.0))
        cost = float(value if value is not None else 1.0)
        if not cost > 0 or math.isinf(cost):
            raise ValueError(f"the cost of {v!r} must be a positive number, not {value!r}")
        found.append(cost)
    return found


def _tolerance(value: float) -> float:
    return 1e-6 * max(1.0, abs(value))


# ------------------------------------------------------------------------------------------ the reduction


@dataclass(slots=True)
class _Region:
    """The part of the dependency digraph in which one capability can be cut off."""

    capability: int
    nodes: list[int]
    """Global node numbers."""
    local: dict[int, int]
    successors: list[list[int]]
    """Local numbers; only for nodes that are not anchored."""
    anchored: bytearray
    """Candidates that reach the capability by a route no candidate can cut, unless removed themselves."""
    removable: bytearray
    """Candidates."""
    pairs: list[tuple[float, int, tuple[int, ...]]]
    """(weight, actor's global number if it is a candidate else -1, the local nodes that must all lose it)."""
    predecessors: list[list[int]] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    """Per local node, its cost."""

    def reach(self, removed: bytearray) -> bytearray:
        """Return per local node whether it still reaches the capability with the global `removed` gone."""
        nodes = self.nodes
        alive = bytearray(len(nodes))
        frontier = [u for u in range(len(nodes)) if self.anchored[u] and not removed[nodes[u]]]
        for u in frontier:
            alive[u] = 1
        predecessors = self.predecessors
        while frontier:
            for p in predecessors[frontier.pop()]:
                if not alive[p] and not removed[nodes[p]]:
                    alive[p] = 1
                    frontier.append(p)
        return alive

    def loss(self, removed: bytearray) -> float:
        """Return the weight of this region's pairs lost with `removed` gone (removed actors counted apart)."""
        alive = self.reach(removed)
        total = 0.0
        for weight, actor, watched in self.pairs:
            if actor >= 0 and removed[actor]:
                continue
            if not any(alive[w] for w in watched):
                total += weight
        return total


@dataclass(slots=True)
class _Reduced:
    """What the candidates can change: regions, market capabilities and removed actors' own losses."""

    model: LossModel
    pool: list[int]
    cost: list[float]
    own: dict[int, float]
    """Candidate actor -> the weight of what it still has (lost whole when it is removed)."""
    regions: list[_Region]
    member_of: dict[int, list[int]]
    """Candidate -> the regions it lies in."""
    wipeable: dict[int, list[int]]
    """Market: capability bit -> its remaining suppliers, all candidates."""
    wipe_weight: dict[int, float]
    """Market: capability bit -> the weight of its pairs whose actor is not a candidate."""
    wipe_pairs: list[tuple[int, int, float]]
    """Market: (capability bit, candidate actor, weight)."""
    base: LossState

    def loss(self, removed: bytearray) -> float:
        """Return the loss beyond the base's of removing the flagged candidates as well."""
        total = sum(weight for a, weight in self.own.items() if removed[a])
        for region in self.regions:
            total += region.loss(removed)
        for c, group in self.wipeable.items():
            if all(removed[s] for s in group):
                total += self.wipe_weight[c]
        for c, a, weight in self.wipe_pairs:
            if not removed[a] and all(removed[s] for s in self.wipeable[c]):
                total += weight
        return total


def _reduce(model: LossModel, base: LossState, pool: list[int], cost: list[float], room: float) -> _Reduced:
    candidate = bytearray(len(model.nodes))
    for v in pool:
        candidate[v] = 1
    own: dict[int, float] = {}
    for a in model.scope:
        if candidate[a]:
            p = model.position[a]
            rest = model.before[a] & ~base.lost[p]
            if rest:
                own[a] = model.weight(a, rest)
    reduced = _Reduced(
        model=model,
        pool=pool,
        cost=cost,
        own=own,
        regions=[],
        member_of={},
        wipeable={},
        wipe_weight={},
        wipe_pairs=[],
        base=base,
    )
    if model.substitution == "market":
        _reduce_market(reduced, candidate, room)
    else:
        _reduce_routes(reduced, candidate, room)
    return reduced


def _reduce_market(reduced: _Reduced, candidate: bytearray, room: float) -> None:
    model, base = reduced.model, reduced.base
    for c, group in enumerate(model.suppliers_of):
        left = [s for s in group if not base.removed[s]]
        # Only a capability whose remaining suppliers are all candidates, and affordable together, can go.
        if left and all(candidate[s] for s in left) and sum(reduced.cost[s] for s in left) <= room + 1e-9:
            reduced.wipeable[c] = left
            reduced.wipe_weight[c] = 0.0
            for s in left:
                reduced.member_of.setdefault(s, [])
    weights = model.criticality
    for p, a in enumerate(model.scope):
        if base.removed[a]:
            continue
        kept = model.before[a] & ~base.lost[p]
        for c in reduced.wipeable:
            if kept >> c & 1:
                weight = model.harm[a] * weights[c]
                if candidate[a]:
                    reduced.wipe_pairs.append((c, a, weight))
                else:
                    reduced.wipe_weight[c] += weight


def _reduce_routes(reduced: _Reduced, candidate: bytearray, room: float) -> None:
    model, base = reduced.model, reduced.base
    removed = base.removed
    successors = model.successors
    closure = base.closure
    # What each node reaches through nodes that are not candidates: routes no plan can cut.
    blocked = bytearray(removed)
    for v in reduced.pool:
        blocked[v] = 1
    sure = reach_closure(successors, model.marks, removed=blocked)
    for v in reduced.pool:
        mask = 0
        for w in successors[v]:
            if not blocked[w]:
                mask |= sure[w]
        sure[v] = mask
    affiliates = model.substitution == "affiliates"
    # Per capability: the pairs that a plan can cut, with the nodes whose routes decide them.
    pairs_of: dict[int, list[tuple[float, int, tuple[int, ...]]]] = {}
    for p, a in enumerate(model.scope):
        if removed[a]:
            continue
        kept = model.before[a] & ~base.lost[p]
        if not kept:
            continue
        others = [b for b in model.affiliates[a] if not removed[b]] if affiliates else []
        safe = sure[a]
        for b in others:
            if not candidate[b]:
                safe |= sure[b]
        cuttable = kept & ~safe
        while cuttable:
            low = cuttable & -cuttable
            cuttable ^= low
            c = low.bit_length() - 1
            watched = tuple([w for w in (a, *others) if closure[w] & low])
            pairs_of.setdefault(c, []).append(
                (model.harm[a] * model.criticality[c], a if candidate[a] else -1, watched)
            )
    for c, pairs in sorted(pairs_of.items()):
        parts = _RouteParts(model, candidate, sure, removed, closure, reduced.cost, room)
        region = parts.region(c, pairs)
        # Pairs whose routes no set of candidates within the budget can all cut are never lost: drop them.
        open_pairs = [pair for pair in region.pairs if not _cut_exceeds(region, pair, room)]
        if not open_pairs:
            continue
        if len(open_pairs) < len(region.pairs):
            region = _compact(region, open_pairs)
        number = len(reduced.regions)
        reduced.regions.append(region)
        for u in region.nodes:
            if candidate[u]:
                reduced.member_of.setdefault(u, []).append(number)


@dataclass(frozen=True, slots=True)
class _RouteParts:
    """What building a capability's region needs to know about the graph."""

    model: LossModel
    candidate: bytearray
    sure: list[int]
    removed: bytearray
    closure: list[int]
    cost: list[float]
    room: float

    def region(self, c: int, pairs: list[tuple[float, int, tuple[int, ...]]]) -> _Region:
        """Return the region of capability `c` that decides `pairs` (watched nodes as global numbers)."""
        model, candidate, sure, removed, closure = self.model, self.candidate, self.sure, self.removed, self.closure
        successors = model.successors
        bit = 1 << c
        local: dict[int, int] = {}
        nodes: list[int] = []
        frontier: list[int] = []
        for _, _, watched in pairs:
            for w in watched:
                if w not in local:
                    local[w] = len(nodes)
                    nodes.append(w)
                    frontier.append(w)
        region_successors: dict[int, list[int]] = {}
        while frontier:
            u = frontier.pop()
            if candidate[u] and (sure[u] & bit or model.marks[u] & bit):
                continue  # its route survives unless it is removed itself: what lies beyond does not matter
            # Direct suppliers (or anchored candidates) are routes of one hop each: more than the budget can
            # cut, and the node is robust without a search.
            direct = 0.0
            for w in successors[u]:
                if candidate[w] and not removed[w] and (sure[w] & bit or model.marks[w] & bit):
                    direct += self.cost[w]
            if direct > self.room + 1e-9:
                continue
            following = [w for w in successors[u] if not removed[w] and closure[w] & bit]
            for w in following:
                if w not in local:
                    local[w] = len(nodes)
                    nodes.append(w)
                    frontier.append(w)
            region_successors[u] = [local[w] for w in following]
        anchored = bytearray(len(nodes))
        removable = bytearray(len(nodes))
        lists: list[list[int]] = []
        for i, u in enumerate(nodes):
            removable[i] = candidate[u]
            if u in region_successors:
                lists.append(region_successors[u])
            else:
                anchored[i] = 1
                lists.append([])
        starts = list(dict.fromkeys([local[w] for _, _, watched in pairs for w in watched]))
        costs = [self.cost[u] for u in nodes]
        _anchor_robust(lists, anchored, removable, costs, self.room, starts)
        raw = _Region(
            capability=c,
            nodes=nodes,
            local=local,
            successors=lists,
            anchored=anchored,
            removable=removable,
            pairs=[(weight, actor, tuple(map(local.__getitem__, watched))) for weight, actor, watched in pairs],
            cost=costs,
        )
        return _compact(raw, raw.pairs)


def _compact(region: _Region, pairs: list[tuple[float, int, tuple[int, ...]]]) -> _Region:
    """Return the part of `region` that decides `pairs` (local numbers): what their watched nodes reach up to
    and including the first anchored node on each route. Nothing beyond an anchored node can matter."""
    anchored, lists = region.anchored, region.successors
    starts = list(dict.fromkeys([w for _, _, watched in pairs for w in watched]))
    kept: dict[int, int] = {}
    order: list[int] = []
    frontier = list(starts)
    for i in starts:
        kept[i] = len(order)
        order.append(i)
    while frontier:
        i = frontier.pop()
        if anchored[i]:
            continue
        for j in lists[i]:
            if j not in kept:
                kept[j] = len(order)
                order.append(j)
                frontier.append(j)
    final = [[] if anchored[i] else [kept[j] for j in lists[i]] for i in order]
    predecessors: list[list[int]] = [[] for _ in order]
    for i, following in enumerate(final):
        for j in following:
            predecessors[j].append(i)
    nodes = region.nodes
    return _Region(
        capability=region.capability,
        nodes=[nodes[i] for i in order],
        local={nodes[i]: k for k, i in enumerate(order)},
        successors=final,
        anchored=bytearray(anchored[i] for i in order),
        removable=bytearray(region.removable[i] for i in order),
        pairs=[(weight, actor, tuple(map(kept.__getitem__, watched))) for weight, actor, watched in pairs],
        predecessors=predecessors,
        cost=[region.cost[i] for i in order],
    )


def _anchor_robust(
    successors: list[list[int]],
    anchored: bytearray,
    removable: bytearray,
    cost: list[float],
    room: float,
    starts: list[int],
) -> None:
    """Anchor, in place, the nodes whose routes no set of candidates within `room` can all cut.

    Such a node reaches the capability under every plan within the budget unless it is removed itself, so it
    counts as anchored (a node that is not a candidate then always reaches it) and what lies beyond it does not
    matter. Nodes are settled in depth-first post-order, downstream first, so that later searches stop early
    at the nodes already anchored.
    """
    if len(successors) + sum(map(len, successors)) >= KERNEL_MIN_ELEMENTS:
        # A common capability's region at 100,000 entities (some 40,000 nodes, 25,000 of them searched from) took
        # 1.3 CPU-s here; the compiled twin anchors the same nodes.
        flags = np.frombuffer(anchored, np.uint8).copy()
        _capability_kernels().anchor_robust(
            *csr(successors),
            flags,
            np.frombuffer(removable, np.uint8),
            np.asarray(cost, np.float64),
            room,
            np.asarray(starts, np.int64),
        )
        for u in np.flatnonzero(flags > np.frombuffer(anchored, np.uint8)).tolist():
            anchored[u] = 1
            successors[u] = []
        return
    for u in _postorder(successors, starts):
        if not anchored[u] and _cut_bound(successors, anchored, removable, cost, u, room) > room:
            anchored[u] = 1
            successors[u] = []


def _postorder(successors: list[list[int]], starts: Iterable[int]) -> list[int]:
    """Return the nodes reachable from `starts`, each once, in depth-first post-order (iterative: no recursion
    limit on long chains)."""
    seen = bytearray(len(successors))
    order: list[int] = []
    for start in starts:
        if seen[start]:
            continue
        seen[start] = 1
        work = [(start, iter(successors[start]))]
        while work:
            v, pending = work[-1]
            for w in pending:
                if not seen[w]:
                    seen[w] = 1
                    work.append((w, iter(successors[w])))
                    break
            else:
                work.pop()
                order.append(v)
    return order


def _cut_bound(
    successors: list[list[int]],
    anchored: bytearray,
    removable: bytearray,
    cost: list[float],
    start: int,
    room: float,
) -> float:
    """Return a lower bound on the cost of cutting every route from `start` (not removed) to an anchored node.

    Routes that share no node but `start` must each be cut at a different node, so the cheapest candidate on
    each of a set of such routes, summed, is a lower bound on any cut. Routes are found one breadth-first search
    at a time, each stopping at the first anchored node, until the bound exceeds `room` or none is left.
    """
    used = bytearray(len(successors))
    total = 0.0
    while True:
        parent = {start: start}
        frontier = [start]
        end = -1
        while frontier and end < 0:
            following = []
            for u in frontier:
                for w in successors[u]:
                    if w in parent or used[w]:
                        continue
                    parent[w] = u
                    if anchored[w]:
                        end = w
                        break
                    following.append(w)
                if end >= 0:
                    break
            frontier = following
        if end < 0:
            return total
        cheapest = math.inf
        v = end
        while v != start:
            if removable[v] and cost[v] < cheapest:
                cheapest = cost[v]
            used[v] = 1
            v = parent[v]
        total += cheapest
        if total > room + 1e-9:
            return total


def _cut_exceeds(region: _Region, pair: tuple[float, int, tuple[int, ...]], room: float) -> bool:
    """Return whether every set of candidates that cuts all the pair's routes costs more than `room`.

    Routes that share no node but their start must each be cut at a different node, so the cheapest candidate
    on each of a set of such routes, summed, is a lower bound on any cut. Routes are found one breadth-first
    search at a time, each stopping at the first anchored node, until the bound exceeds `room` or none is left.
    """
    _, actor, watched = pair
    cost = region.cost
    used = bytearray(len(region.nodes))
    total = 0.0
    for start in watched:
        # The actor's own removal is not a cut of its pair; an affiliate that is a candidate can be removed.
        shared = region.nodes[start] == actor or not region.removable[start]
        while not used[start]:
            path = _shortest_route(region, start, used)
            if path is None:
                break
            cheapest = min(
                (cost[u] for u in path if region.removable[u] and not (shared and u == start)), default=math.inf
            )
            total += cheapest
            if total > room + 1e-9:
                return True
            for u in path:
                if u != start or not shared:
                    used[u] = 1
    return False


def _shortest_route(region: _Region, start: int, used: bytearray) -> list[int] | None:
    """Return the nodes of a shortest route from `start` to an anchored node avoiding `used`, or None."""
    if region.anchored[start]:
        return [start]
    parent = {start: start}
    frontier = [start]
    while frontier:
        following = []
        for u in frontier:
            for w in region.successors[u]:
                if w in parent or used[w]:
                    continue
                parent[w] = u
                if region.anchored[w]:
                    path = [w]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return path
                following.append(w)
        frontier = following
    return None


# ------------------------------------------------------------------------------------------ greedy and swaps


def _single_gains(reduced: _Reduced) -> dict[int, float]:
    """Return each candidate's loss alone, from one dominator tree per region."""
    gains = {v: reduced.own.get(v, 0.0) for v in reduced.pool}
    for region in reduced.regions:
        for v, gain in _region_single_gains(region).items():
            gains[v] = gains.get(v, 0.0) + gain
    for c, group in reduced.wipeable.items():
        if len(group) == 1:
            (v,) = group
            gains[v] = gains.get(v, 0.0) + reduced.wipe_weight[c]
            gains[v] += sum(weight for bit, a, weight in reduced.wipe_pairs if bit == c and a != v)
    return gains


def _region_single_gains(region: _Region) -> dict[int, float]:
    """Per candidate of the region, the weight of the region's pairs its removal alone cuts.

    A pair is cut by v when every route from the anchored nodes to each of its watched nodes, against the
    dependencies, passes through v: v dominates all of them, so it dominates their nearest common dominator.
    """
    size = len(region.nodes)
    root = size
    # Reversed region edges plus a root pointing at the anchored nodes; dominators over that.
    forward: list[list[int]] = [[] for _ in range(size + 1)]
    for i in range(size):
        for j in region.successors[i]:
            forward[j].append(i)
        if region.anchored[i]:
            forward[root].append(i)
    idom = _immediate_dominators(forward, root)
    depth = _depths(idom, root)
    carried = [0.0] * (size + 1)
    meets: list[int] = []
    for weight, _, watched in region.pairs:
        meet = watched[0]
        for w in watched[1:]:
            meet = _common_dominator(meet, w, idom, depth)
        meets.append(meet)
        if meet >= 0:
            carried[meet] += weight
    subtree = carried[:]
    for v in sorted(range(size), key=depth.__getitem__, reverse=True):
        if idom[v] >= 0:
            subtree[idom[v]] += subtree[v]
    gains = {region.nodes[i]: subtree[i] for i in range(size) if region.removable[i] and idom[i] >= 0}
    # A removed actor's pairs count in its own loss, not here as well.
    for (weight, actor, _), meet in zip(region.pairs, meets, strict=True):
        if actor >= 0 and actor in gains and meet >= 0 and _dominates(region.local[actor], meet, idom, root):
            gains[actor] -= weight
    return gains


def _depths(idom: list[int], root: int) -> list[int]:
    depth = [-1] * len(idom)
    depth[root] = 0
    for v in range(len(idom)):
        chain = []
        u = v
        while u >= 0 and depth[u] < 0 and idom[u] >= 0:
            chain.append(u)
            u = idom[u]
        if u < 0 or idom[u] < 0 and depth[u] < 0:
            continue
        d = depth[u]
        for w in reversed(chain):
            d += 1
            depth[w] = d
    return depth


def _dominates(v: int, w: int, idom: list[int], root: int) -> bool:
    while w != v and w != root and w >= 0:
        w = idom[w]
    return w == v


def _common_dominator(u: int, v: int, idom: list[int], depth: list[int]) -> int:
    if u < 0 or v < 0 or depth[u] < 0 or depth[v] < 0:
        return -1
    while depth[u] > depth[v]:
        u = idom[u]
    while depth[v] > depth[u]:
        v = idom[v]
    while u != v:
        u, v = idom[u], idom[v]
    return u


def _immediate_dominators(successors: list[list[int]], root: int) -> list[int]:
    """Return each node's immediate dominator (root's is root; -1 when unreachable).

    Cooper, Harvey and Kennedy's iterative algorithm, "A simple, fast dominance algorithm" (2001).
    """
    n = len(successors)
    order = _postorder(successors, [root])
    postorder = [-1] * n
    for i, v in enumerate(order):
        postorder[v] = i
    predecessors: list[list[int]] = [[] for _ in range(n)]
    for v in order:
        for w in successors[v]:
            predecessors[w].append(v)
    idom = [-1] * n
    idom[root] = root
    reverse_postorder = order[::-1]
    changed = True
    while changed:
        changed = False
        for v in reverse_postorder:
            if v == root:
                continue
            new = -1
            for p in predecessors[v]:
                if idom[p] < 0:
                    continue
                if new < 0:
                    new = p
                    continue
                a, b = p, new
                while a != b:
                    while postorder[a] < postorder[b]:
                        a = idom[a]
                    while postorder[b] < postorder[a]:
                        b = idom[b]
                new = a
            if idom[v] != new:
                idom[v] = new
                changed = True
    return idom


class _Search:
    """A set of chosen candidates with its loss, region by region, for cheap gains of one more or one less."""

    def __init__(self, reduced: _Reduced) -> None:
        self.reduced = reduced
        self.chosen = bytearray(len(reduced.model.nodes))
        self.region_loss = [region.loss(self.chosen) for region in reduced.regions]
        self.touches: dict[int, set[int]] = {v: set(numbers) for v, numbers in reduced.member_of.items()}
        for number, region in enumerate(reduced.regions):
            for _, actor, _ in region.pairs:
                if actor >= 0:
                    self.touches.setdefault(actor, set()).add(number)
        self.supplies: dict[int, list[int]] = {}
        for c, group in reduced.wipeable.items():
            for supplier in group:
                self.supplies.setdefault(supplier, []).append(c)
        self.wipe_pairs: dict[int, list[tuple[int, float]]] = {c: [] for c in reduced.wipeable}
        self.wiped_actor: dict[int, list[int]] = {}
        for c, actor, weight in reduced.wipe_pairs:
            self.wipe_pairs[c].append((actor, weight))
            self.wiped_actor.setdefault(actor, []).append(c)

    def market_loss(self, chosen: bytearray, capabilities: Iterable[int]) -> float:
        """Return the weight lost on the market through these capabilities, with `chosen` removed."""
        reduced = self.reduced
        total = 0.0
        for c in capabilities:
            if all(chosen[s] for s in reduced.wipeable[c]):
                total += reduced.wipe_weight[c]
                total += sum(weight for a, weight in self.wipe_pairs[c] if not chosen[a])
        return total

    def delta(self, flips: Iterable[int]) -> tuple[float, dict[int, float]]:
        """Return the change in loss of flipping the given candidates in or out, and the new region losses."""
        chosen = self.chosen
        flipped = list(flips)
        market = {c for v in flipped for c in self.supplies.get(v, ())} | {
            c for v in flipped for c in self.wiped_actor.get(v, ())
        }
        before_market = self.market_loss(chosen, market)
        for v in flipped:
            chosen[v] ^= 1
        try:
            change = 0.0
            for v in flipped:
                change += self.reduced.own.get(v, 0.0) * (1 if chosen[v] else -1)
            regions: dict[int, float] = {}
            for v in flipped:
                for number in self.touches.get(v, ()):
                    if number not in regions:
                        regions[number] = self.reduced.regions[number].loss(chosen)
            change += sum(loss - self.region_loss[number] for number, loss in regions.items())
            change += self.market_loss(chosen, market) - before_market
        finally:
            for v in flipped:
                chosen[v] ^= 1
        return change, regions

    def apply(self, flips: Iterable[int], regions: dict[int, float]) -> None:
        for v in flips:
            self.chosen[v] ^= 1
        for number, loss in regions.items():
            self.region_loss[number] = loss

    def members(self) -> list[int]:
        return [v for v, flag in enumerate(self.chosen) if flag]


def _greedy(reduced: _Reduced, singles: Mapping[int, float], room: float, *, deadline: float) -> list[int]:
    """Add the candidate of highest gain per cost while the budget allows, re-evaluating gains lazily."""
    cost = reduced.cost
    search = _Search(reduced)
    heap = [(-gain / cost[v], v, 0) for v, gain in singles.items() if gain > 0]
    heapq.heapify(heap)
    spent = 0.0
    step = 0
    while heap and time.perf_counter() < deadline:
        ratio, v, stamp = heapq.heappop(heap)
        if spent + cost[v] > room + 1e-9:
            continue
        if stamp == step:
            gain, regions = search.delta([v])
            if gain <= 0:
                continue
            search.apply([v], regions)
            spent += cost[v]
            step += 1
            continue
        gain, _ = search.delta([v])
        if gain > 0:
            heapq.heappush(heap, (-gain / cost[v], v, step))
    return search.members()


def _swap(
    reduced: _Reduced, singles: Mapping[int, float], start: list[int], room: float, *, deadline: float
) -> list[int]:
    """Improve a plan by adding a candidate or trading a chosen one for another, while that helps."""
    cost = reduced.cost
    pool = heapq.nlargest(_SWAP_POOL, singles, key=lambda v: (singles[v], -v))
    search = _Search(reduced)
    if start:
        _, regions = search.delta(start)
        search.apply(start, regions)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        chosen = search.members()
        spent = sum(cost[v] for v in chosen)
        moves: list[list[int]] = [[t] for t in pool if not search.chosen[t] and spent + cost[t] <= room + 1e-9]
        moves += [
            [s, t] for s in chosen for t in pool if not search.chosen[t] and spent - cost[s] + cost[t] <= room + 1e-9
        ]
        for move in moves:
            if time.perf_counter() >= deadline:
                break
            gain, regions = search.delta(move)
            if gain > _tolerance(gain):
                search.apply(move, regions)
                improved = True
                break
    return search.members()


# ------------------------------------------------------------------------------------------ the integer program


@dataclass(frozen=True, slots=True)
class _Solution:
    chosen: list[int] | None
    optimal: bool
    objective: float
    bound: float | None


class _Program:
    """Sparse rows of the integer program, built column by column."""

    def __init__(self) -> None:
        self.objective: list[float] = []
        self.integral: list[int] = []
        self.rows: list[int] = []
        self.columns: list[int] = []
        self.values: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def variable(self, objective: float, *, integral: bool) -> int:
        self.objective.append(objective)
        self.integral.append(1 if integral else 0)
        return len(self.objective) - 1

    def row(self, terms: Iterable[tuple[int, float]], lower: float, upper: float) -> None:
        number = len(self.lower)
        for column, value in terms:
            self.rows.append(number)
            self.columns.append(column)
            self.values.append(value)
        self.lower.append(lower)
        self.upper.append(upper)


def _solve(reduced: _Reduced, room: float, *, time_limit: float) -> _Solution:
    # Imported here: SciPy takes seconds to import on a loaded machine, and every analysis worker and the API
    # import this package, most of them never to plan.
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    program = _Program()
    x: dict[int, int] = {}

    def chosen(v: int) -> int:
        if v not in x:
            x[v] = program.variable(-reduced.own.get(v, 0.0), integral=True)
        return x[v]

    for v in reduced.own:
        chosen(v)
    inf = math.inf
    for region in reduced.regions:
        r = [program.variable(0.0, integral=False) for _ in region.nodes]
        for i, u in enumerate(region.nodes):
            if region.anchored[i]:
                if region.removable[i]:
                    program.row([(r[i], 1.0), (chosen(u), 1.0)], 1.0, inf)
                else:
                    program.row([(r[i], 1.0)], 1.0, inf)
                continue
            for j in region.successors[i]:
                terms = [(r[i], 1.0), (r[j], -1.0)]
                if region.removable[i]:
                    terms.append((chosen(u), 1.0))
                program.row(terms, 0.0, inf)
        for weight, actor, watched in region.pairs:
            lost = program.variable(-weight, integral=False)
            for w in watched:
                program.row([(lost, 1.0), (r[w], 1.0)], -inf, 1.0)
            if actor >= 0:
                program.row([(lost, 1.0), (chosen(actor), 1.0)], -inf, 1.0)
    for c, group in reduced.wipeable.items():
        wiped = program.variable(-reduced.wipe_weight[c], integral=False)
        for s in group:
            program.row([(wiped, 1.0), (chosen(s), -1.0)], -inf, 0.0)
        for bit, actor, weight in reduced.wipe_pairs:
            if bit == c:
                lost = program.variable(-weight, integral=False)
                program.row([(lost, 1.0), (wiped, -1.0)], -inf, 0.0)
                program.row([(lost, 1.0), (chosen(actor), 1.0)], -inf, 1.0)
    if not x:
        return _Solution(chosen=[], optimal=True, objective=0.0, bound=0.0)
    program.row([(column, reduced.cost[v]) for v, column in x.items()], -inf, room)
    size = len(program.objective)
    matrix = coo_array(
        (np.array(program.values), (np.array(program.rows), np.array(program.columns))),
        shape=(len(program.lower), size),
    ).tocsr()
    result = milp(
        c=np.array(program.objective),
        integrality=np.array(program.integral),
        bounds=Bounds(np.zeros(size), np.ones(size)),
        constraints=[LinearConstraint(matrix, np.array(program.lower), np.array(program.upper))],
        options={"time_limit": max(0.1, time_limit), "mip_rel_gap": 1e-7},
    )
    bound = getattr(result, "mip_dual_bound", None)
    upper = None if bound is None or not np.isfinite(bound) else -float(bound)
    if result.x is None:
        return _Solution(chosen=None, optimal=False, objective=0.0, bound=upper)
    picked = sorted(v for v, column in x.items() if result.x[column] > 0.5)
    return _Solution(chosen=picked, optimal=result.status == 0, objective=-float(result.fun), bound=upper)


# ------------------------------------------------------------------------------------------ baselines


def _baselines(
    G: nx.Graph,
    model: LossModel,
    methods: Iterable[BaselineMethod],
    pool: list[int],
    cost: list[float],
    room: float,
    required: list[int],
    base: LossState,
    scored: dict[frozenset[int], LossState],
    *,
    seed: int,
) -> list[Baseline]:
    """Each ranking's head within the budget, scored; each state scored kept in `scored` by its targets beyond the
    required ones, so that the plan's comparison of proposals does not score the same set again."""
    methods = list(dict.fromkeys(methods))
    for method in methods:
        if method not in _BASELINES:
            raise ValueError(f"unknown baseline {method!r}; expected some of {_BASELINES}")
    # Degree and betweenness read the same undirected view: projected once (a second each at 100,000 entities).
    view = undirected_view(G) if {"degree", "betweenness"} & set(methods) else None
    compared = []
    for method in methods:
        picked, spent = _picked(_ranking(G, model, method, pool, view, seed=seed), cost, room)
        loss = base.loss
        if picked:
            state = model.state(model.flags(model.nodes[v] for v in (*required, *picked)))
            scored.setdefault(frozenset(picked), state)
            loss = state.loss
        compared.append(Baseline(method=method, targets=tuple(model.nodes[v] for v in picked), cost=spent, loss=loss))
    return compared


def _ranking(
    G: nx.Graph, model: LossModel, method: BaselineMethod, pool: list[int], view: Indexed | None, *, seed: int
) -> list[int]:
    """The pool's candidates in the order of the ranking `method`."""
    nodes = model.nodes
    if method == "degree":
        assert view is not None
        score = {v: float(len(view.links[view.index[nodes[v]]])) for v in pool}
        return sorted(pool, key=lambda v: (-score[v], v))
    if method == "betweenness":
        assert view is not None
        shares = betweenness_over_view(
            G,
            view,
            target_kinds=frozenset(SUPPLY_CHAIN_TARGETS),
            max_sources=_BETWEENNESS_SOURCES,
            seed=seed,
            progress=None,
        ).shares
        return sorted(pool, key=lambda v: (-shares.get(nodes[v], 0.0), v))
    # The baseline takes the head of the order only, which the first, near-linear pass settles.
    ranked = dismantling_order(G, seed=random.Random(seed), max_work=0)
    allowed = set(pool)
    return [model.index[v] for v in ranked if model.index[v] in allowed]


def _picked(order: list[int], cost: list[float], room: float) -> tuple[list[int], float]:
    """The head of `order` within `room` (each in turn, skipping those that no longer fit) and its cost."""
    picked: list[int] = []
    spent = 0.0
    for v in order:
        if spent + cost[v] <= room + 1e-9:
            picked.append(v)
            spent += cost[v]
    return picked, spent
