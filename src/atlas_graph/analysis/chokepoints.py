"""Chokepoints: the nodes whose disruption would fragment the ecosystem most, with the metrics behind each."""

from __future__ import annotations

import heapq
import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

import networkx as nx
import numpy as np

from atlas_graph.analysis._adjacency import (
    DependencyDirection,
    Indexed,
    Progress,
    RemovalPieces,
    checked_kinds,
    component_sizes,
    csr_of_view,
    is_large,
    pairwise_connectivity,
    removal_pieces,
    scaled_progress,
    service_losses,
    single_removals,
    undirected_view,
)
from atlas_graph.analysis.centrality import (
    SUPPLY_CHAIN_TARGETS,
    SupplyChainBetweenness,
    betweenness_over_view,
    supply_chain_betweenness,
)
from atlas_graph.analysis.dismantling import dismantling_order
from atlas_graph.analysis.fragmentation import DEPENDENCY_EDGES
from atlas_graph.analysis.plans import capability_scores

__all__ = ["Chokepoint", "MetricValue", "RankingMethod", "rank_chokepoints"]

RankingMethod = Literal["capability", "fragmentation", "betweenness", "articulation", "degree"]
"""How candidates are chosen and ordered; see `rank_chokepoints`."""

MetricValue = int | float | tuple[int, ...] | Mapping[str, int]
"""The value types a chokepoint's metrics take."""

_LISTED_PIECES = 4
#: Work allowed to the dismantling order behind a ranking, per node and adjacency entry, with a floor and a
#: ceiling. A ranking needs only the head of the order: on generated ecosystems this budget gives the robustness
#: of the default 100M in a fraction of its time (docs/performance.md), which is what lets a ranking answer inline
#: and a stability run rerank 50 times.
_RANKING_WORK_PER_ELEMENT = 1000
_RANKING_WORK_RANGE = (5_000_000, 100_000_000)
"""Part sizes named in an explanation when there are more than one beyond them; the rest are summed up."""

_LISTED_SERVICE_KINDS = 3
"""Service kinds named in an explanation; more are counted."""


@dataclass(frozen=True, slots=True)
class Chokepoint:
    """One ranked node, the metrics behind its rank and a plain-words account of them.

    Attributes
    ----------
    node : hashable
        The node.
    rank : int
        1 for the strongest chokepoint.
    score : float
        The ranking method's score (0..1); see `rank_chokepoints`.
    metrics : mapping
        Every metric computed for the node, whichever method ranked it:

        - ``degree``: distinct neighbours.
        - ``component_size``: nodes in its connected component, itself included.
        - ``pieces``: sizes of the parts its removal alone leaves of that component, largest first.
        - ``parts``: how many such parts (0 for an isolated node).
        - ``separated``: nodes its removal cuts off from the largest remaining part.
        - ``lcc_drop``: how much its removal alone shrinks the largest component of the graph.
        - ``betweenness_share``: its share of shortest actor -> victim and actor -> financier routes;
          ``betweenness_routes``, ``betweenness_sources`` and ``betweenness_sampled_sources`` say how
          many routes and actors the share was measured over.
        - ``actors_losing_service``: actors that lose their only route to some service kind when it
          alone is removed; ``service_losses`` maps each such kind to the number of actors losing it.
        - for the ``"fragmentation"`` method also ``dismantling_step`` (its position among the ranked
          removals), ``step_connectivity_drop`` (connected pairs its removal cuts once the higher ranked
          nodes are gone), ``connectivity_removed`` (share of the original connected pairs cut by the
          removals up to this one) and ``lcc_after_step``.
    explanation : str
        The metrics in a sentence.
    """

    node: Hashable
    rank: int
    score: float
    metrics: Mapping[str, MetricValue]
    explanation: str


def rank_chokepoints(
    G: nx.Graph,
    *,
    method: RankingMethod = "fragmentation",
    top: int = 10,
    kinds: Iterable[str] | None = None,
    seed: int | random.Random | None = None,
    dependency_edges: Mapping[str, DependencyDirection] = DEPENDENCY_EDGES,
    progress: Progress | None = None,
) -> list[Chokepoint]:
    """Return the `top` chokepoints of `G`, best first, each with its metrics and an explanation.

    Parameters
    ----------
    G : NetworkX graph
        The ecosystem (node attributes `kind`, `name`, `category`; a relationship type per edge). The
        structural methods read it as an undirected simple graph.
    method : {"fragmentation", "betweenness", "articulation", "degree"}, optional
        How candidates are chosen and scored (default "fragmentation"):

        - ``"capability"``: the score is the capability loss of removing the node alone, under the
          ``affiliates`` substitution rule (`capability_scores`, ``docs/planning.md``); victims and
          software (``tool``, ``malware``) are never ranked.
        - ``"fragmentation"``: the first nodes of `dismantling_order`. A dismantling order is chosen
          collectively (a node may rank high because it prepares the next split), so the score follows the
          order: the share of the graph's connected node pairs still connected when the node's turn comes
          (1.0 for the first), which never rises from one rank to the next. What the node's own removal cuts
          at its step is the metric ``step_connectivity_drop``.
        - ``"betweenness"``: the score is the supply-chain betweenness share (see
          `supply_chain_betweenness`).
        - ``"articulation"``: cut vertices only; the score is the share of the graph's connected node
          pairs that its removal alone disconnects among the remaining nodes.
        - ``"degree"``: the score is the number of distinct neighbours over ``N - 1``.

        Except for "fragmentation", nodes scoring 0 are not ranked, so fewer than `top` may come back.
        Ties are broken by the graph's node order.
    top : int, optional (default=10)
        How many chokepoints to return.
    kinds : iterable of str or None, optional (default=None)
        Only rank nodes of these kinds (e.g. ``["service_provider", "financier"]``). For "fragmentation"
        the dismantling order of the whole graph is filtered to these kinds and the removals are replayed
        with the allowed nodes only, so each score is what removing the allowed nodes alone achieves.
    seed : int, random.Random or None, optional (default=None)
        Seed for the dismantling order's tie breaks and for the betweenness actor sample.
    dependency_edges : mapping, optional (default=DEPENDENCY_EDGES)
        The dependency direction per relationship type, for the service kinds actors lose.
    progress : callable or None, optional (default=None)
        Called with the fraction of the work done, from 0 to 1.

    Returns
    -------
    chokepoints : list of Chokepoint
        At most `top`, ranked 1, 2, ...

    Raises
    ------
    ValueError
        If `method` is unknown, `top` is less than 1, or `kinds` names a kind outside the graph contract.

    See Also
    --------
    articulation_points, supply_chain_betweenness, disruption_impact, chokepoint_stability

    Notes
    -----
    Only the ranked nodes get per-node metrics, so the cost is the ranking plus one supply-chain
    betweenness run (sampled on large graphs), one depth-first search for the pieces (on large graphs, one
    search per ranked node), and one pass over the dependency digraph per ranked node for the service kinds
    actors lose. On large graphs these run as compiled kernels that give the same metrics (`_kernels`).
    Each explanation is put together from the node's metrics, one clause per metric.

    An actor "loses its only route" to a service kind when it reaches a provider of that kind along
    dependencies (see `fragmentation_metrics`) and no longer does once the node is removed: the node was
    its only provider of that kind, or the only intermediary to every such provider.

    Pairwise connectivity, the number of connected node pairs, is the objective of the critical node
    problem [1]_. Scoring by it rather than by the largest component alone credits a cut that splits off
    many mid-sized groups.

    References
    ----------
    .. [1] Arulselvan, A., Commander, C. W., Elefteriadis, L. and Pardalos, P. M., "Detecting critical
       nodes in sparse graphs", Computers & Operations Research 36 (7), 2193-2200 (2009).

    Examples
    --------
    The centre of a star holds it together:

    >>> import networkx as nx
    >>> best = rank_chokepoints(nx.star_graph(4), top=1)[0]
    >>> best.node, best.rank, best.score, best.metrics["parts"]
    (0, 1, 1.0, 4)
    >>> print(best.explanation)  # doctest: +NORMALIZE_WHITESPACE
    Removing 0 splits its component of 5 nodes into 4 parts of 1, 1, 1 and 1 nodes; no actor loses access
    to a service kind; as step 1 of the dismantling order it cuts 100% of the connected pairs.
    """
    if method not in get_args(RankingMethod):
        raise ValueError(f"unknown method {method!r}; expected one of {get_args(RankingMethod)}")
    if top < 1:
        raise ValueError("top must be at least 1")
    allowed = checked_kinds(kinds)
    if len(G) == 0:
        if progress is not None:
            progress(1.0)
        return []

    view = undirected_view(G)
    selection = select_chokepoints(
        G,
        view,
        method=method,
        top=top,
        allowed=allowed,
        seed=seed,
        with_scores=True,
        progress=scaled_progress(progress, 0.0, 0.4),
    )
    if not selection.nodes:
        if progress is not None:
            progress(1.0)
        return []
    betweenness = selection.betweenness
    if betweenness is None:
        betweenness = betweenness_over_view(
            G,
            view,
            target_kinds=frozenset(SUPPLY_CHAIN_TARGETS),
            max_sources=None,
            seed=seed,
            progress=scaled_progress(progress, 0.4, 0.8),
        )
    removals = single_removals(view, selection.nodes, selection.removal)
    losses = service_losses(G, dependency_edges, selection.nodes, progress=scaled_progress(progress, 0.8, 1.0))
    sizes = removals.component_sizes

    chokepoints = []
    for rank, v in enumerate(selection.nodes, start=1):
        pieces = removals.pieces[v]
        largest_piece = pieces[0] if pieces else 0
        facts = _Facts(
            label=_label(G, v),
            degree=len(view.links[view.index[v]]),
            component_size=removals.component_size[v],
            pieces=pieces,
            lcc_drop=sizes[0] - max(largest_piece, _largest_other(sizes, removals.component_size[v])),
            betweenness_share=betweenness.shares.get(v, 0.0),
            betweenness=betweenness,
            service_loss=_ServiceLoss.of(*losses[v]),
            step=selection.steps.get(v),
        )
        chokepoints.append(
            Chokepoint(
                node=v,
                rank=rank,
                score=selection.scores[v],
                metrics=facts.metrics(),
                explanation=facts.explanation(),
            )
        )
    if progress is not None:
        progress(1.0)
    return chokepoints


@dataclass(frozen=True, slots=True)
class _Step:
    """One removal of a dismantling replay."""

    step: int
    connectivity_drop: int
    drop_share: float
    connectivity_removed: float
    lcc_after: int


@dataclass(frozen=True, slots=True)
class Selection:
    """The ranked candidates of one method, and what the ranking computed on the way."""

    nodes: list[Hashable]
    scores: dict[Hashable, float]
    steps: dict[Hashable, _Step]
    betweenness: SupplyChainBetweenness | None = None
    removal: RemovalPieces | None = None


def _ranking_work(G: nx.Graph) -> int:
    # len(G.edges) is G.number_of_edges(), counted from the dicts: a multigraph's counts through its degree view.
    return ranking_work(len(G), len(G.edges))


def ranking_work(nodes: int, edges: int) -> int:
    """The `max_work` of the dismantling order behind a ranking of a simple graph of this size."""
    low, high = _RANKING_WORK_RANGE
    return min(high, max(low, _RANKING_WORK_PER_ELEMENT * (nodes + 2 * edges)))


def select_chokepoints(
    G: nx.Graph,
    view: Indexed | None = None,
    *,
    method: RankingMethod,
    top: int,
    allowed: frozenset[str] | None,
    seed: int | random.Random | None,
    with_scores: bool,
    progress: Progress | None = None,
) -> Selection:
    """Choose and order one method's candidates; `with_scores=False` skips the fragmentation replay.

    Shared with `chokepoint_stability`, which needs the ranked nodes only, many times over. `view` is the
    undirected view the structural methods read, projected from `G` if not given; `G` itself must supply
    the node kinds.
    """
    kind_of = dict(G.nodes(data="kind")) if allowed is not None else {}

    def eligible(v: Hashable) -> bool:
        return allowed is None or kind_of[v] in allowed

    if method == "capability":
        # Victims and software are never scored (capability_scores); the rest as for the other methods.
        candidates = [v for v in G if eligible(v)]
        scores = {v: loss for v, loss in capability_scores(G, candidates=candidates).items() if loss > 0}
        if progress is not None:
            progress(1.0)
        return Selection(nodes=_best(scores, top), scores=scores, steps={})

    if method == "betweenness":
        betweenness = supply_chain_betweenness(G, seed=seed, progress=progress)
        scores = {v: share for v, share in betweenness.shares.items() if share > 0 and eligible(v)}
        return Selection(nodes=_best(scores, top), scores=scores, steps={}, betweenness=betweenness)

    if method == "fragmentation":
        order = dismantling_order(G, seed=seed, max_work=_ranking_work(G))
        nodes = [v for v in order if eligible(v)][:top]
        if progress is not None:
            progress(1.0)
        if not with_scores:
            return Selection(nodes=nodes, scores={}, steps={})
        return _replay_removals(undirected_view(G) if view is None else view, nodes)

    if view is None:
        view = undirected_view(G)
    if method == "articulation":
        removal = removal_pieces(view)
        total_pairs = pairwise_connectivity(component_sizes(view))
        scores = {}
        for v, pieces in removal.cut_pieces.items():
            if eligible(v):
                remaining = removal.component_size[v] - 1
                disconnected = remaining * (remaining - 1) // 2 - pairwise_connectivity(pieces)
                scores[v] = disconnected / total_pairs
        if progress is not None:
            progress(1.0)
        return Selection(nodes=_best(scores, top), scores=scores, steps={}, removal=removal)

    others = max(1, len(view) - 1)
    scores = {v: len(near) / others for v, near in zip(view.nodes, view.links, strict=True) if near and eligible(v)}
    if progress is not None:
        progress(1.0)
    return Selection(nodes=_best(scores, top), scores=scores, steps={})


def _best(scores: dict[Hashable, float], top: int) -> list[Hashable]:
    """Return the `top` highest scoring nodes, ties in the scores' insertion (the graph's) order."""
    position = {v: i for i, v in enumerate(scores)}
    return heapq.nsmallest(top, scores, key=lambda v: (-scores[v], position[v]))


def _replay_removals(view: Indexed, removals: list[Hashable]) -> Selection:
    """Replay the removals: the connected pairs each cuts once the removals before it are done, and its score.

    The graph is rebuilt backwards with union-find, as in Newman and Ziff's percolation algorithm [1]_: every
    node but the removed ones first, then the removed nodes in reverse order. The connectivity after every
    prefix of removals comes out of one near-linear pass instead of one component search per step.

    References
    ----------
    .. [1] Newman, M. E. J. and Ziff, R. M., "Efficient Monte Carlo algorithm and high-precision results for
       percolation", Phys. Rev. Lett. 85, 4104 (2000).
    """
    after_prefix = _after_prefixes(view, [view.index[v] for v in removals])
    initial_pairs = after_prefix[0][0]
    scores = {}
    steps = {}
    for step, v in enumerate(removals, start=1):
        pairs_left, lcc_after = after_prefix[step]
        drop = after_prefix[step - 1][0] - pairs_left
        # The score follows the order (see rank_chokepoints): what is still connected when this removal comes.
        scores[v] = after_prefix[step - 1][0] / initial_pairs if initial_pairs else 0.0
        steps[v] = _Step(
            step=step,
            connectivity_drop=drop,
            drop_share=drop / initial_pairs if initial_pairs else 0.0,
            connectivity_removed=1 - pairs_left / initial_pairs if initial_pairs else 0.0,
            lcc_after=lcc_after,
        )
    return Selection(nodes=removals, scores=scores, steps=steps)


def _after_prefixes(view: Indexed, numbers: list[int]) -> list[tuple[int, int]]:
    """Return the connected pairs and the largest component after removing each prefix of the nodes `numbers`
    (none, the first, the first two, ...): pure Python on small views, a compiled twin on large ones."""
    if is_large(view):
        from atlas_graph.analysis import _kernels  # see dismantling._compiled: only large graphs pay for numba

        pairs, largest = _kernels.removal_replay(*csr_of_view(view), np.array(numbers, np.int64))
        return list(zip(pairs.tolist(), largest.tolist(), strict=True))
    links = view.links
    present = bytearray(len(view))
    parent = list(range(len(view)))
    size = [1] * len(view)
    connected_pairs = 0
    largest = 0

    def root_of(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def add_back(i: int) -> None:
        nonlocal connected_pairs, largest
        present[i] = 1
        root = i
        for j in links[i]:
            if not present[j]:
                continue
            other = root_of(j)
            if other == root:
                continue
            connected_pairs += size[root] * size[other]
            if size[other] > size[root]:
                root, other = other, root
            parent[other] = root
            size[root] += size[other]
        largest = max(largest, size[root])

    held_back = bytearray(len(view))
    for i in numbers:
        held_back[i] = 1
    for i in range(len(view)):
        if not held_back[i]:
            add_back(i)
    after_prefix = [(connected_pairs, largest)]
    for i in reversed(numbers):
        add_back(i)
        after_prefix.append((connected_pairs, largest))
    after_prefix.reverse()
    return after_prefix


@dataclass(frozen=True, slots=True)
class _ServiceLoss:
    """The actors that lose their only route to some service kind, in all and per kind."""

    actors: int
    per_kind: dict[str, int]

    @classmethod
    def of(cls, actors: int, per_kind: dict[str, int]) -> _ServiceLoss:
        """The loss with its kinds ranked: most actors first, then by name."""
        return cls(actors=actors, per_kind=dict(sorted(per_kind.items(), key=lambda item: (-item[1], item[0]))))


def _largest_other(sizes: list[int], own_component: int) -> int:
    """Return the largest component size besides one of size `own_component` (`sizes` descending)."""
    if not sizes:
        return 0
    if sizes[0] != own_component:
        return sizes[0]
    return sizes[1] if len(sizes) > 1 else 0


@dataclass(frozen=True, slots=True)
class _Facts:
    """Everything measured about one ranked node; the metrics and the explanation both come from here."""

    label: str
    degree: int
    component_size: int
    pieces: tuple[int, ...]
    lcc_drop: int
    betweenness_share: float
    betweenness: SupplyChainBetweenness
    service_loss: _ServiceLoss
    step: _Step | None

    def metrics(self) -> dict[str, MetricValue]:
        metrics: dict[str, MetricValue] = {
            "degree": self.degree,
            "component_size": self.component_size,
            "pieces": self.pieces,
            "parts": len(self.pieces),
            "separated": self.component_size - 1 - (self.pieces[0] if self.pieces else 0),
            "lcc_drop": self.lcc_drop,
            "betweenness_share": self.betweenness_share,
            "betweenness_routes": self.betweenness.routes,
            "betweenness_sources": self.betweenness.sources,
            "betweenness_sampled_sources": self.betweenness.sampled_sources,
            "actors_losing_service": self.service_loss.actors,
            "service_losses": self.service_loss.per_kind,
        }
        if self.step is not None:
            metrics |= {
                "dismantling_step": self.step.step,
                "step_connectivity_drop": self.step.connectivity_drop,
                "connectivity_removed": self.step.connectivity_removed,
                "lcc_after_step": self.step.lcc_after,
            }
        return metrics

    def explanation(self) -> str:
        clauses = [self._split_clause(), self._service_clause()]
        if self.betweenness.routes:
            clauses.append(self._route_clause())
        if self.step is not None:
            clauses.append(self._step_clause(self.step))
        sentence = "; ".join(clauses) + "."
        return sentence[0].upper() + sentence[1:]

    def _split_clause(self) -> str:
        parts = len(self.pieces)
        if parts < 2:
            where = "it is isolated" if self.component_size == 1 else "the rest of its component stays connected"
            return f"removing {self.label} splits nothing ({where})"
        sizes = [f"{size:,}" for size in self.pieces]
        if parts <= _LISTED_PIECES + 1:
            of = f"{_listing(sizes)} nodes"
        else:
            rest = self.pieces[_LISTED_PIECES:]
            of = (
                f"{_listing(sizes[:_LISTED_PIECES])} nodes "
                f"and {len(rest):,} more with {_count(sum(rest), 'node', 'nodes')} in all"
            )
        component = f"its component of {self.component_size:,} nodes"
        return f"removing {self.label} splits {component} into {parts:,} parts of {of}"

    def _service_clause(self) -> str:
        loss = self.service_loss
        if not loss.actors:
            return "no actor loses access to a service kind"
        kinds = list(loss.per_kind.items())
        if len(kinds) == 1:
            kind, _ = kinds[0]
            return f"{_count(loss.actors, 'actor loses its', 'actors lose their')} only route to {_words(kind)}"
        named = [f"{n:,} to {_words(kind)}" for kind, n in kinds[:_LISTED_SERVICE_KINDS]]
        if len(kinds) > _LISTED_SERVICE_KINDS:
            named.append(_count(len(kinds) - _LISTED_SERVICE_KINDS, "more kind", "more kinds"))
        return (
            f"{_count(loss.actors, 'actor loses its', 'actors lose their')} only route to a service kind "
            f"({_listing(named)})"
        )

    def _route_clause(self) -> str:
        if self.betweenness_share == 0:
            clause = "no shortest actor-to-victim or actor-to-financier route passes through it"
        else:
            clause = (
                f"{_percent(self.betweenness_share)} of shortest actor-to-victim and actor-to-financier "
                "routes pass through it"
            )
        if self.betweenness.sampled:
            clause += f" (estimated from {self.betweenness.sampled_sources:,} of {self.betweenness.sources:,} actors)"
        return clause

    @staticmethod
    def _step_clause(step: _Step) -> str:
        return (
            f"as step {step.step} of the dismantling order it cuts {_percent(step.drop_share)} of the connected pairs"
        )


def _label(G: nx.Graph, v: Hashable) -> str:
    """Return the node's name with what it is, e.g. ``"Yalishanda (service provider, bulletproof hosting)"``."""
    attributes = G.nodes[v]
    name = str(attributes.get("name") or v)
    described = [_words(str(attributes[key])) for key in ("kind", "category") if attributes.get(key)]
    return f"{name} ({', '.join(described)})" if described else name


def _words(identifier: str) -> str:
    return identifier.replace("_", " ")


def _percent(share: float) -> str:
    if 0 < share < 0.005:
        return "under 1%"
    return f"{share:.0%}"


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n:,} {singular if n == 1 else plural}"


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
