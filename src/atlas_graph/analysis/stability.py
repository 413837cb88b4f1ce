"""How stable a chokepoint ranking is when the uncertain relationships are resampled."""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, get_args

import networkx as nx
import numpy as np

from atlas_graph.analysis._adjacency import Indexed, Progress, checked_kinds, undirected_view_of_links
from atlas_graph.analysis.chokepoints import RankingMethod, ranking_work, select_chokepoints
from atlas_graph.analysis.dismantling import LinkSampleOrders

__all__ = ["ChokepointFrequency", "ChokepointStability", "chokepoint_stability"]

#: From this many nodes plus links on, the samples of a "fragmentation" run are ranked in worker processes, one
#: per core: each takes seconds there, and the samples are independent (docs/performance.md).
PARALLEL_MIN_ELEMENTS = 100_000
#: The ranking of one sample, set before the workers are forked so that they inherit it rather than unpickle it.
_sample_ranking: Callable[[Any], list[Hashable]] | None = None


@dataclass(frozen=True, slots=True)
class ChokepointFrequency:
    """How often one chokepoint of the unperturbed ranking stays among the top ones.

    Attributes
    ----------
    node : hashable
        The node.
    rank : int
        Its rank in the unperturbed ranking.
    frequency : float
        Share of the resampled graphs (0..1) in which it is ranked within the top `top`.
    """

    node: Hashable
    rank: int
    frequency: float


@dataclass(frozen=True, slots=True)
class ChokepointStability:
    """The unperturbed top chokepoints with how often each survives resampling.

    Attributes
    ----------
    method : str
        The ranking method.
    top : int
        The size of the top list a node has to stay in.
    samples : int
        Number of resampled graphs ranked: 0 when the unperturbed ranking is empty, as nothing is followed.
    chokepoints : tuple of ChokepointFrequency
        The unperturbed ranking's top nodes, in rank order.
    """

    method: str
    top: int
    samples: int
    chokepoints: tuple[ChokepointFrequency, ...]


def chokepoint_stability(
    G: nx.Graph,
    *,
    method: RankingMethod = "fragmentation",
    top: int = 10,
    samples: int = 50,
    kinds: Iterable[str] | None = None,
    seed: int | random.Random | None = None,
    progress: Progress | None = None,
) -> ChokepointStability:
    """Return how often each top chokepoint of `G` stays in the top when edges are kept by confidence.

    Parameters
    ----------
    G : NetworkX graph
        The ecosystem. Edge attribute `confidence` (0..100) is the chance, in percent, that the
        relationship is real; edges without it are always kept.
    method : {"fragmentation", "betweenness", "articulation", "degree"}, optional
        The ranking method, as in `rank_chokepoints` (default "fragmentation").
    top : int, optional (default=10)
        How many chokepoints are ranked, and the top list a node must stay in.
    samples : int, optional (default=50)
        How many resampled graphs to rank.
    kinds : iterable of str or None, optional (default=None)
        Only rank nodes of these kinds, as in `rank_chokepoints`.
    seed : int, random.Random or None, optional (default=None)
        Seed for the resampling and for the rankings; the result is deterministic given an int seed.
    progress : callable or None, optional (default=None)
        Called with the fraction of the rankings done, from 0 to 1.

    Returns
    -------
    stability : ChokepointStability
        The unperturbed ranking's top nodes, each with the share of samples keeping it in the top.

    Raises
    ------
    ValueError
        If `method` is unknown, `top` or `samples` is less than 1, or `kinds` names a kind outside the
        graph contract.

    See Also
    --------
    rank_chokepoints

    Notes
    -----
    Each sample keeps every edge (every assertion-backed relationship, parallel ones separately)
    independently with probability ``confidence / 100``, keeps every node, and ranks the result again: a
    Monte Carlo view of the ranking over the possible worlds the pooled intelligence allows, as in
    reliability analysis of uncertain graphs [1]_. A chokepoint that stays in the top in most samples does
    not hinge on one doubtful assertion.

    Every method reads the graph as undirected and simple, so each sample is built as such: a link between
    two entities survives when at least one of its relationships does.

    For "fragmentation" the samples share the numbering of the nodes and are ranked from the links they keep,
    without a graph each; on large graphs they are ranked in parallel, one worker process per core.

    Every ranking, the unperturbed one included, uses the same seed for its tie breaks and betweenness
    sample, so the frequencies measure the uncertainty of the edges and not the randomness of the
    algorithm: with every confidence at 100 each frequency is 1.0. With an int `seed` the unperturbed
    ranking is that of ``rank_chokepoints(G, method=method, top=top, kinds=kinds, seed=seed)``.

    References
    ----------
    .. [1] Jin, R., Liu, L., Ding, B. and Wang, H., "Distance-constraint reachability computation in
       uncertain graphs", Proceedings of the VLDB Endowment 4 (9), 551-562 (2011).

    Examples
    --------
    The centre of a star with certain edges stays first in every sample:

    >>> import networkx as nx
    >>> G = nx.star_graph(4)
    >>> nx.set_edge_attributes(G, 100, "confidence")
    >>> result = chokepoint_stability(G, top=1, samples=5, seed=1)
    >>> [(c.node, c.frequency) for c in result.chokepoints], result.samples
    ([(0, 1.0)], 5)
    """
    if method not in get_args(RankingMethod):
        raise ValueError(f"unknown method {method!r}; expected one of {get_args(RankingMethod)}")
    if top < 1:
        raise ValueError("top must be at least 1")
    if samples < 1:
        raise ValueError("samples must be at least 1")
    allowed = checked_kinds(kinds)
    rng = nx.utils.create_py_random_state(seed)
    ranking_seed = seed if isinstance(seed, int) else rng.getrandbits(32)
    nodes = list(G)
    links = [
        (u, v, min(1.0, max(0.0, float(data.get("confidence", 100)) / 100)), data.get("type", key))
        for u, v, key, data in _edges_with_keys(G)
    ]

    def ranked(kept: Iterable[tuple[Hashable, Hashable, Any]]) -> list[Hashable]:
        if len(G) == 0:
            return []
        view: Indexed | None = None
        if method == "capability":
            # The capability loss follows typed dependencies, so its samples keep direction and types.
            typed = nx.MultiDiGraph()
            typed.add_nodes_from(G.nodes(data=True))
            typed.add_edges_from((u, v, rel, {"type": rel}) for u, v, rel in kept)
            selection = select_chokepoints(
                typed, None, method=method, top=top, allowed=allowed, seed=ranking_seed, with_scores=False
            )
            return selection.nodes
        pairs = [(u, v) for u, v, _ in kept]
        # The other methods read the graph as undirected and simple, so that is all a sample needs to build.
        if method in ("degree", "articulation"):
            # These read only the view, and the kinds, which `G` still has.
            sample, view = G, undirected_view_of_links(nodes, pairs)
        else:
            sample = nx.Graph()
            sample.add_nodes_from(G.nodes(data=True))
            sample.add_edges_from(pairs)
        selection = select_chokepoints(
            sample, view, method=method, top=top, allowed=allowed, seed=ranking_seed, with_scores=False
        )
        return selection.nodes

    if method == "fragmentation":
        return _fragmentation_stability(
            G, links, top=top, samples=samples, allowed=allowed, seed=ranking_seed, rng=rng, progress=progress
        )
    baseline = ranked((u, v, rel) for u, v, _, rel in links)
    if progress is not None:
        progress(1 / (samples + 1))
    if not baseline:
        if progress is not None:
            progress(1.0)
        # Nothing to follow through the samples, so none is drawn.
        return ChokepointStability(method=method, top=top, samples=0, chokepoints=())
    stays = dict.fromkeys(baseline, 0)
    for done in range(1, samples + 1):
        # One draw per edge, every time, so the draws line up across samples whatever the confidences.
        for v in ranked((u, v, rel) for u, v, chance, rel in links if rng.random() < chance):
            if v in stays:
                stays[v] += 1
        if progress is not None:
            progress((done + 1) / (samples + 1))
    return ChokepointStability(
        method=method,
        top=top,
        samples=samples,
        chokepoints=tuple(
            ChokepointFrequency(node=v, rank=rank, frequency=stays[v] / samples)
            for rank, v in enumerate(baseline, start=1)
        ),
    )


def _fragmentation_stability(
    G: nx.Graph,
    links: list[tuple[Hashable, Hashable, float, Any]],
    *,
    top: int,
    samples: int,
    allowed: frozenset[str] | None,
    seed: int,
    rng: random.Random,
    progress: Progress | None,
) -> ChokepointStability:
    """`chokepoint_stability` for "fragmentation", with the work the samples share done once.

    Each sample is ranked as `select_chokepoints` ranks it (the first `top` eligible nodes of the dismantling order
    of the undirected simple graph), but from the links it keeps rather than from a graph built for it, and on
    large graphs the samples are ranked on every core. The draws are the same as the other methods'.
    """
    global _sample_ranking
    kind_of = dict(G.nodes(data="kind")) if allowed is not None else {}
    orders = LinkSampleOrders(list(G), [(u, v) for u, v, _, _ in links], seed)

    def ranked(kept: Any) -> list[Hashable]:
        order = orders.order(kept, ranking_work)
        return [v for v in order if allowed is None or kind_of[v] in allowed][:top]

    baseline = ranked(np.ones(len(links), np.bool_)) if len(G) else []
    if progress is not None:
        progress(1 / (samples + 1))
    if not baseline:
        if progress is not None:
            progress(1.0)
        return ChokepointStability(method="fragmentation", top=top, samples=0, chokepoints=())
    chances = [chance for _, _, chance, _ in links]
    # One draw per edge, every time, in the order of the other methods: the same samples for the same seed.
    draws = [np.fromiter((rng.random() < chance for chance in chances), np.bool_, len(chances)) for _ in range(samples)]
    stays = dict.fromkeys(baseline, 0)
    workers = min(os.cpu_count() or 1, samples)
    if workers > 1 and len(G) + len(links) >= PARALLEL_MIN_ELEMENTS:
        _sample_ranking = ranked
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_rank_sample, kept) for kept in draws]
                tops = []
                for done, future in enumerate(as_completed(futures), start=1):
                    tops.append(future.result())
                    if progress is not None:
                        progress((done + 1) / (samples + 1))
        finally:
            _sample_ranking = None
    else:
        tops = []
        for done, kept in enumerate(draws, start=1):
            tops.append(ranked(kept))
            if progress is not None:
                progress((done + 1) / (samples + 1))
    for nodes in tops:
        for v in nodes:
            if v in stays:
                stays[v] += 1
    return ChokepointStability(
        method="fragmentation",
        top=top,
        samples=samples,
        chokepoints=tuple(
            ChokepointFrequency(node=v, rank=rank, frequency=stays[v] / samples)
            for rank, v in enumerate(baseline, start=1)
        ),
    )


def _rank_sample(kept: Any) -> list[Hashable]:
    """Rank one sample in a worker process, with the ranking its parent set before forking it."""
    if _sample_ranking is None:
        raise RuntimeError("no sample ranking set before the workers were forked")
    return _sample_ranking(kept)


def _edges_with_keys(G: nx.Graph) -> Iterable[tuple[Hashable, Hashable, Any, dict[str, Any]]]:
    """Each edge with its key (None in a simple graph) and data, parallel edges separately."""
    if G.is_multigraph():
        yield from G.edges(keys=True, data=True)
    else:
        for u, v, data in G.edges(data=True):
            yield u, v, None, data
