"""How fragmented the ecosystem is, and what removing a set of nodes does to it.

Two views of the graph are measured. The undirected view gives the classic fragmentation measures: components,
the largest component, pairwise connectivity and Borgatti's fragmentation. The dependency digraph says who
relies on whom: `u -> v` when `u` needs `v` to operate. It gives each actor's access to crime-as-a-service
kinds and the actor -> victim pairs still in reach.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import networkx as nx

from atlas_graph.analysis._adjacency import (
    DependencyDirection,
    Progress,
    ServiceAccess,
    component_labels,
    component_sizes,
    dependency_view,
    nodes_of_kinds,
    pairwise_connectivity,
    reach_closure,
    scaled_progress,
    undirected_view,
)

__all__ = [
    "DEPENDENCY_EDGES",
    "TARGETING_EDGES",
    "DisruptionImpact",
    "FragmentationMetrics",
    "disruption_impact",
    "fragmentation_metrics",
]

DEPENDENCY_EDGES: Mapping[str, DependencyDirection] = MappingProxyType(
    {
        "USES": "forward",  # the user depends on what it uses
        "OPERATES": "forward",  # the operator depends on the infrastructure or service it runs
        "SUPPLIES": "reverse",  # the receiver depends on its supplier
        "AFFILIATED_WITH": "forward",  # an affiliate depends on the programme's core group
        "LAUNDERS_FOR": "reverse",  # the client depends on its financier
        "PAYS": "forward",  # the payer depends on the payee for what it pays for
    }
)
"""Relationship type to the direction of dependency it carries: ``"forward"`` means the edge's source
depends on its target, ``"reverse"`` that the target depends on the source. `TARGETS` is not a dependency."""

TARGETING_EDGES: Mapping[str, DependencyDirection] = MappingProxyType({"TARGETS": "forward"})
"""Relationship types that lead from an attacker to its victim, added to the dependencies for victim reach."""


@dataclass(frozen=True, slots=True)
class FragmentationMetrics:
    """How connected one graph is, structurally and along supply dependencies.

    Attributes
    ----------
    nodes : int
        Number of nodes, N.
    components : int
        Number of connected components of the undirected view.
    largest_component : int
        Nodes in the largest component (0 for the empty graph).
    pairwise_connectivity : int
        Connected unordered node pairs: ``sum_k s_k (s_k - 1) / 2`` over component sizes ``s_k``.
    fragmentation : float
        Borgatti's F = ``1 - sum_k s_k (s_k - 1) / (N (N - 1))``: the share of node pairs that are
        disconnected; 0.0 when there are fewer than two nodes (no pair to disconnect).
    actor_victim_pairs : int
        (actor, victim) pairs where the victim is reachable from the actor along dependencies and targeting.
    service_access : mapping
        Each actor mapped to the service kinds (provider categories) it can reach along dependencies.
    """

    nodes: int
    components: int
    largest_component: int
    pairwise_connectivity: int
    fragmentation: float
    actor_victim_pairs: int
    service_access: Mapping[Hashable, frozenset[str]]


@dataclass(frozen=True, slots=True)
class DisruptionImpact:
    """The difference removing a set of nodes makes.

    Attributes
    ----------
    removed : frozenset
        The nodes removed.
    before, after : FragmentationMetrics
        The metrics of the graph and of the graph without `removed`.
    components_created : int
        Components of the remaining graph beyond the number of original components that keep a node:
        how many extra pieces the removal broke them into.
    lost_service_access : mapping
        Each remaining actor that lost access to some service kind, mapped to those kinds. Removed actors
        are not listed: they are disrupted outright.
    actor_victim_pairs_cut : int
        Reachable (actor, victim) pairs lost, pairs whose actor or victim was removed included.
    """

    removed: frozenset[Hashable]
    before: FragmentationMetrics
    after: FragmentationMetrics
    components_created: int
    lost_service_access: Mapping[Hashable, frozenset[str]]
    actor_victim_pairs_cut: int


def fragmentation_metrics(
    G: nx.Graph,
    *,
    dependency_edges: Mapping[str, DependencyDirection] = DEPENDENCY_EDGES,
    targeting_edges: Mapping[str, DependencyDirection] = TARGETING_EDGES,
    progress: Progress | None = None,
) -> FragmentationMetrics:
    """Return the fragmentation metrics of `G`.

    Parameters
    ----------
    G : NetworkX graph
        The ecosystem: node attributes `kind` and `category`, edge relationship type in the `type`
        attribute (for multigraphs, the key when `type` is missing). Edge direction is ignored for the
        component measures. In an undirected graph each typed edge counts as a dependency both ways.
    dependency_edges : mapping, optional (default=DEPENDENCY_EDGES)
        Relationship type to ``"forward"`` (source depends on target) or ``"reverse"`` (target depends on
        source). Relationships of other types are not dependencies.
    targeting_edges : mapping, optional (default=TARGETING_EDGES)
        Relationship types that lead from attacker to victim, in the same form.
    progress : callable or None, optional (default=None)
        Called with the fraction of the work done, from 0 to 1.

    Returns
    -------
    metrics : FragmentationMetrics
        Component counts, pairwise connectivity, Borgatti's fragmentation, actor -> victim pairs and each
        actor's reachable service kinds.

    Raises
    ------
    ValueError
        If a direction in `dependency_edges` or `targeting_edges` is not ``"forward"`` or ``"reverse"``.

    See Also
    --------
    disruption_impact

    Notes
    -----
    Borgatti's fragmentation [1]_ is computed in its unweighted form from component sizes, so it costs one
    component search. Pairwise connectivity is the objective of the critical node problem [2]_.

    An actor reaches a service kind when a service provider of that `category` is reachable from it in the
    dependency digraph, so access through intermediaries counts: an affiliate that depends on a
    ransomware programme that uses a bulletproof hoster has access to both kinds. An actor reaches a victim
    when the victim is reachable from it in the dependency digraph plus the targeting edges. Both are
    computed for all actors at once by one strongly-connected-components pass that accumulates bit sets of
    reachable kinds and victims from the sinks up, instead of one search per actor.

    References
    ----------
    .. [1] Borgatti, S. P., "Identifying sets of key players in a social network", Computational and
       Mathematical Organization Theory 12, 21-34 (2006).
    .. [2] Arulselvan, A., Commander, C. W., Elefteriadis, L. and Pardalos, P. M., "Detecting critical
       nodes in sparse graphs", Computers & Operations Research 36 (7), 2193-2200 (2009).

    Examples
    --------
    Two separate triangles: 6 connected pairs out of 15, so F = 1 - 12/30:

    >>> import networkx as nx
    >>> G = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))
    >>> metrics = fragmentation_metrics(G)
    >>> metrics.components, metrics.pairwise_connectivity, metrics.fragmentation
    (2, 6, 0.6)
    """
    return _Measurement(G, dependency_edges, targeting_edges).metrics(None, progress=progress)


def disruption_impact(
    G: nx.Graph,
    remove: Iterable[Hashable],
    *,
    dependency_edges: Mapping[str, DependencyDirection] = DEPENDENCY_EDGES,
    targeting_edges: Mapping[str, DependencyDirection] = TARGETING_EDGES,
    progress: Progress | None = None,
) -> DisruptionImpact:
    """Return what removing the nodes in `remove` does to the fragmentation of `G`.

    Parameters
    ----------
    G : NetworkX graph
        The ecosystem, as for `fragmentation_metrics`.
    remove : iterable of nodes
        The nodes to take out (disrupted providers, seized infrastructure, arrested actors...).
    dependency_edges, targeting_edges : mapping, optional
        As for `fragmentation_metrics`.
    progress : callable or None, optional (default=None)
        Called with the fraction of the work done, from 0 to 1.

    Returns
    -------
    impact : DisruptionImpact
        Metrics before and after, the components created, the service kinds each remaining actor lost and
        the number of actor -> victim pairs cut.

    Raises
    ------
    NodeNotFound
        If a node in `remove` is not in `G`.
    ValueError
        If a direction in `dependency_edges` or `targeting_edges` is not ``"forward"`` or ``"reverse"``.

    See Also
    --------
    fragmentation_metrics

    Notes
    -----
    `G` is not modified: the removal is simulated on the projected views. Removing nodes can only take
    paths away, so the pairs reachable after are a subset of those before and the pairs cut are the
    difference of the two counts.

    Measuring the fragmentation left by removing a set of nodes is Borgatti's key player problem in its
    "negative" form [1]_.

    References
    ----------
    .. [1] Borgatti, S. P., "Identifying sets of key players in a social network", Computational and
       Mathematical Organization Theory 12, 21-34 (2006).

    Examples
    --------
    The actor's only bulletproof hoster is taken down:

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("fin7", kind="actor")
    >>> G.add_node("bph", kind="service_provider", category="bulletproof_hosting")
    >>> G.add_node("bank", kind="victim")
    >>> _ = G.add_edge("fin7", "bph", key="USES", type="USES")
    >>> _ = G.add_edge("fin7", "bank", key="TARGETS", type="TARGETS")
    >>> impact = disruption_impact(G, ["bph"])
    >>> dict(impact.lost_service_access), impact.actor_victim_pairs_cut, impact.components_created
    ({'fin7': frozenset({'bulletproof_hosting'})}, 0, 0)
    """
    removed = frozenset(remove)
    missing = [v for v in removed if v not in G]
    if missing:
        raise nx.NodeNotFound(f"nodes to remove are not in the graph: {missing[:5]!r}")
    measurement = _Measurement(G, dependency_edges, targeting_edges)
    before = measurement.metrics(None, progress=scaled_progress(progress, 0.0, 0.5))
    flags = measurement.view.flags(removed)
    after = measurement.metrics(flags, progress=scaled_progress(progress, 0.5, 1.0))

    labels = component_labels(measurement.view)
    surviving_components = len({label for label, gone in zip(labels, flags, strict=True) if not gone})
    lost = {}
    for actor, kinds in after.service_access.items():
        gone = before.service_access[actor] - kinds
        if gone:
            lost[actor] = gone
    return DisruptionImpact(
        removed=removed,
        before=before,
        after=after,
        components_created=after.components - surviving_components,
        lost_service_access=lost,
        actor_victim_pairs_cut=before.actor_victim_pairs - after.actor_victim_pairs,
    )


def _borgatti_fragmentation(sizes: list[int], nodes: int) -> float:
    if nodes < 2:
        return 0.0  # no pair of nodes to disconnect
    return 1.0 - 2 * pairwise_connectivity(sizes) / (nodes * (nodes - 1))


class _Measurement:
    """The projections of one graph, measured with and without sets of nodes."""

    def __init__(
        self,
        G: nx.Graph,
        dependency_edges: Mapping[str, DependencyDirection],
        targeting_edges: Mapping[str, DependencyDirection],
    ) -> None:
        for direction in (*dependency_edges.values(), *targeting_edges.values()):
            if direction not in ("forward", "reverse"):
                raise ValueError(f"dependency direction must be 'forward' or 'reverse', not {direction!r}")
        self.view = undirected_view(G)
        self.access = ServiceAccess(G, dependency_edges)
        self.victim_reach = _VictimReach(G, {**dependency_edges, **targeting_edges})

    def metrics(self, removed: bytearray | None, *, progress: Progress | None) -> FragmentationMetrics:
        """Measure the graph without the nodes flagged in `removed` (numbered as in `view`)."""
        # Every view numbers the nodes in the graph's order, so one set of flags serves all three.
        sizes = component_sizes(self.view, removed)
        nodes = sum(sizes)
        if progress is not None:
            progress(0.2)
        actor_victim_pairs = self.victim_reach.pairs(removed)
        if progress is not None:
            progress(0.7)
        service_access = self.access.kinds(removed)
        if progress is not None:
            progress(1.0)
        return FragmentationMetrics(
            nodes=nodes,
            components=len(sizes),
            largest_component=max(sizes, default=0),
            pairwise_connectivity=pairwise_connectivity(sizes),
            fragmentation=_borgatti_fragmentation(sizes, nodes),
            actor_victim_pairs=actor_victim_pairs,
            service_access=service_access,
        )


class _VictimReach:
    """Actor -> victim reachability in the dependency digraph plus targeting edges."""

    def __init__(self, G: nx.Graph, directions: Mapping[str, DependencyDirection]) -> None:
        self.view = dependency_view(G, directions)
        self.actors = [self.view.index[v] for v in nodes_of_kinds(G, ("actor",))]
        self.marks = [0] * len(self.view)
        for bit, victim in enumerate(nodes_of_kinds(G, ("victim",))):
            self.marks[self.view.index[victim]] = 1 << bit

    def pairs(self, removed: bytearray | None) -> int:
        actors = [actor for actor in self.actors if removed is None or not removed[actor]]
        if not actors or not any(self.marks):
            return 0
        keep = bytearray(len(self.view))
        for actor in actors:
            keep[actor] = 1
        closure = reach_closure(self.view.links, self.marks, removed=removed, keep=keep)
        return sum(closure[actor].bit_count() for actor in actors)
