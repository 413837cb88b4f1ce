"""Supply-chain betweenness: the share of actors' shortest routes to victims and financiers through a node."""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from atlas_graph.analysis._adjacency import (
    Indexed,
    Progress,
    checked_kinds,
    component_labels,
    csr_component_labels,
    csr_of_view,
    is_large,
    nodes_of_kinds,
    undirected_view,
)

__all__ = ["SOURCE_SEARCH_BUDGET", "SupplyChainBetweenness", "supply_chain_betweenness"]

SOURCE_SEARCH_BUDGET = 5_000_000
"""Node and edge visits the automatic source sample may spend (about five seconds of pure-Python search)."""

MIN_SAMPLED_SOURCES = 10
"""The automatic sample never uses fewer actors than this, however large the graph."""

SUPPLY_CHAIN_TARGETS = ("victim", "financier")
"""The kinds supply-chain routes end at by default."""

_CHUNKS = 20
"""Sources are searched in this many batches so progress can be reported between them."""


@dataclass(frozen=True, slots=True)
class SupplyChainBetweenness:
    """Each node's share of the shortest routes from actors to targets, and how the shares were estimated.

    Attributes
    ----------
    shares : mapping
        Node to the share (0..1) of actor-to-target shortest routes passing through it.
    sources : int
        Actors in the graph.
    sampled_sources : int
        Actors whose routes were counted; equal to `sources` unless the graph was too large.
    targets : int
        Nodes of the target kinds.
    routes : int
        Connected (sampled actor, target) pairs: the denominator of every share.
    """

    shares: Mapping[Hashable, float]
    sources: int
    sampled_sources: int
    targets: int
    routes: int

    @property
    def sampled(self) -> bool:
        """Whether the shares are estimates from a sample of the actors."""
        return self.sampled_sources < self.sources


def supply_chain_betweenness(
    G: nx.Graph,
    *,
    target_kinds: Iterable[str] = SUPPLY_CHAIN_TARGETS,
    max_sources: int | None = None,
    seed: int | random.Random | None = None,
    progress: Progress | None = None,
) -> SupplyChainBetweenness:
    """Return each node's share of the shortest routes from actors to victims and financiers.

    Parameters
    ----------
    G : NetworkX graph
        The ecosystem; node attribute `kind` says which nodes are actors and which are targets. It is read
        as an undirected simple graph (see Notes).
    target_kinds : iterable of str, optional (default=("victim", "financier"))
        Kinds of the nodes the routes end at.
    max_sources : int or None, optional (default=None)
        Largest number of actors whose routes are counted. Above it a uniform sample of actors is drawn
        with `seed`. None sizes the sample to the graph: every actor while
        ``actors * (nodes + links) <= SOURCE_SEARCH_BUDGET``, otherwise as many as that budget allows but
        at least ``MIN_SAMPLED_SOURCES``.
    seed : int, random.Random or None, optional (default=None)
        Seed for the actor sample; used only when sampling.
    progress : callable or None, optional (default=None)
        Called with the fraction of the searches done, from 0 to 1.

    Returns
    -------
    betweenness : SupplyChainBetweenness
        The share per node, with the number of actors, of sampled actors, of targets and of routes.

    Raises
    ------
    ValueError
        If `max_sources` is less than 1, or `target_kinds` holds a kind outside the graph contract or
        ``"actor"`` (sources and targets must be disjoint).

    See Also
    --------
    networkx.betweenness_centrality_subset

    Notes
    -----
    The share of `v` is

    .. math:: b(v) = \\frac{1}{|R|} \\sum_{(s, t) \\in R} \\frac{\\sigma_{st}(v)}{\\sigma_{st}}

    over the connected pairs `R` of an actor `s` and a target `t`, where ``sigma_st`` counts shortest
    paths and ``sigma_st(v)`` those through `v` [1]_, [2]_. As in NetworkX the endpoints' own share is left
    out: `s` and `t` get nothing from the pair ``(s, t)``, though either can lie on other pairs' routes.

    The graph is read as undirected because its relationships point whichever way their verb does, not the
    way dependency runs: `SUPPLIES` and `LAUNDERS_FOR` point from the provider to its client, `TARGETS`
    from the actor to the victim. A directed search would miss most supply chains (an actor buying from a
    provider that launders through a mixer has no directed path to the mixer). Parallel relationships form
    one link, so routes are counted between entities, not per assertion.

    `networkx.betweenness_centrality_subset` halves undirected counts, assuming each pair is met from both
    ends; actors and targets are disjoint kinds, so each pair is met once and the halving is undone. On large
    graphs a compiled twin of its searches counts the routes, with the same floats (`_kernels`).

    On large graphs the routes of a uniform sample of `k` of the `A` actors are counted, as in pivot
    sampling [3]_. Both sums, routes through `v` and connected pairs, are scaled by ``A / k``; the factors
    cancel in the share, which stays within 0..1. `sampled_sources` reports `k`.

    References
    ----------
    .. [1] Brandes, U., "A faster algorithm for betweenness centrality", Journal of Mathematical Sociology
       25 (2), 163-177 (2001).
    .. [2] Brandes, U., "On variants of shortest-path betweenness centrality and their generic computation",
       Social Networks 30 (2), 136-145 (2008).
    .. [3] Brandes, U. and Pich, C., "Centrality estimation in large networks", International Journal of
       Bifurcation and Chaos 17 (7), 2303-2318 (2007).

    Examples
    --------
    Both actors reach the victim only through the ransomware service:

    >>> import networkx as nx
    >>> G = nx.Graph([("a1", "raas"), ("a2", "raas"), ("raas", "hospital")])
    >>> nx.set_node_attributes(G, {"a1": "actor", "a2": "actor", "raas": "service_provider"}, "kind")
    >>> G.nodes["hospital"]["kind"] = "victim"
    >>> result = supply_chain_betweenness(G)
    >>> result.shares["raas"], result.routes, result.sampled
    (1.0, 2, False)
    """
    if max_sources is not None and max_sources < 1:
        raise ValueError("max_sources must be at least 1")
    target_kinds = checked_kinds(target_kinds) or frozenset()
    if "actor" in target_kinds:
        raise ValueError("target_kinds must not include 'actor': routes run from actors to other kinds")
    return betweenness_over_view(
        G, undirected_view(G), target_kinds=target_kinds, max_sources=max_sources, seed=seed, progress=progress
    )


def betweenness_over_view(
    G: nx.Graph,
    view: Indexed,
    *,
    target_kinds: frozenset[str],
    max_sources: int | None,
    seed: int | random.Random | None,
    progress: Progress | None,
) -> SupplyChainBetweenness:
    """`supply_chain_betweenness` with checked options, over `G`'s undirected view already projected."""
    actors = nodes_of_kinds(G, ("actor",))
    targets = nodes_of_kinds(G, target_kinds)
    links = sum(len(neighbours) for neighbours in view.links) // 2
    limit = max_sources if max_sources is not None else _automatic_sample_size(len(view), links)
    sources = actors
    if len(actors) > limit:
        rng = nx.utils.create_py_random_state(seed)
        sources = rng.sample(actors, limit)

    batches = [sources[i::_CHUNKS] for i in range(min(_CHUNKS, len(sources)))]
    if is_large(view):
        routes, through = _compiled_routes(view, batches, targets, progress=progress)
    else:
        routes, through = _networkx_routes(view, batches, targets, progress=progress)
    shares = {v: (x / routes if routes else 0.0) for v, x in zip(view.nodes, through, strict=True)}
    return SupplyChainBetweenness(
        shares=shares,
        sources=len(actors),
        sampled_sources=len(sources),
        targets=len(targets),
        routes=routes,
    )


def _networkx_routes(
    view: Indexed, batches: list[list[Hashable]], targets: list[Hashable], *, progress: Progress | None
) -> tuple[int, list[float]]:
    """Connected (source, target) pairs and the routes through each node (by number), counted by NetworkX."""
    totals: dict[Hashable, float] = dict.fromkeys(view.nodes, 0.0)
    routes = _connected_pairs(component_labels(view), view, [s for batch in batches for s in batch], targets)
    if routes:
        H = nx.Graph()
        H.add_nodes_from(view.nodes)
        nodes = view.nodes
        H.add_edges_from((nodes[i], nodes[j]) for i, near in enumerate(view.links) for j in near if i < j)
        # The subset routine halves undirected counts on graphs of three or more nodes (see Notes).
        undo_halving = 2.0 if len(H) > 2 else 1.0
        for done, batch in enumerate(batches, start=1):
            counted = nx.betweenness_centrality_subset(H, batch, targets, normalized=False)
            for v, through in counted.items():
                if through:
                    totals[v] += through * undo_halving
            if progress is not None:
                progress(done / len(batches))
    elif progress is not None:
        progress(1.0)
    return routes, list(totals.values())


def _compiled_routes(
    view: Indexed, batches: list[list[Hashable]], targets: list[Hashable], *, progress: Progress | None
) -> tuple[int, list[float]]:
    """`_networkx_routes` by the compiled kernel: the same floats, summed in the same order (see `_kernels`)."""
    from atlas_graph.analysis import _kernels  # see dismantling._compiled: only large graphs pay for numba

    indptr, indices = _csr_in_networkx_order(view)
    labels = csr_component_labels(indptr, indices)
    routes = _connected_pairs(labels.tolist(), view, [s for batch in batches for s in batch], targets)
    totals = np.zeros(len(view))
    if routes:
        is_target = np.zeros(len(view), np.bool_)
        is_target[[view.index[t] for t in targets]] = True
        for done, batch in enumerate(batches, start=1):
            sources = np.array([view.index[s] for s in batch], np.int64)
            # The batches' sums are added up one after the other, as the NetworkX path does.
            totals += _kernels.subset_betweenness(indptr, indices, sources, is_target)
            if progress is not None:
                progress(done / len(batches))
    elif progress is not None:
        progress(1.0)
    return routes, totals.tolist()


def _csr_in_networkx_order(view: Indexed) -> tuple[Any, Any]:
    """The CSR form of `view`, each node's neighbours in the order of the `nx.Graph` that `_networkx_routes`
    builds: those numbered below it ascending (added when they were), then those above it in `view`'s order."""
    indptr, flat = csr_of_view(view)
    rows = np.repeat(np.arange(len(view)), np.diff(indptr))
    above = flat > rows
    within = np.where(above, np.arange(len(flat)), flat)
    return indptr, flat[np.lexsort((within, above, rows))]


def _automatic_sample_size(nodes: int, links: int) -> int:
    # One source costs one breadth-first search over every node and link.
    return max(MIN_SAMPLED_SOURCES, SOURCE_SEARCH_BUDGET // max(1, nodes + links))


def _connected_pairs(labels: list[int], view: Indexed, sources: list[Hashable], targets: list[Hashable]) -> int:
    """Return the number of (source, target) pairs in the same component (sources and targets disjoint), given
    each node's component `labels` by number."""
    targets_in: dict[int, int] = {}
    for t in targets:
        label = labels[view.index[t]]
        targets_in[label] = targets_in.get(label, 0) + 1
    return sum(targets_in.get(labels[view.index[s]], 0) for s in sources)
