"""Robustness of a graph under a node-removal order: the LCC curve and Schneider's R."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence

import networkx as nx

__all__ = ["lcc_curve", "removal_fraction_to_reach", "robustness"]


def _lcc_curve_indices(adj: Sequence[Sequence[int]], order: Sequence[int]) -> list[int]:
    """Return the LCC curve of the graph on ``0..n-1`` with adjacency lists `adj` under `order`.

    `order` must be a permutation of ``range(len(adj))``. Nodes are added back in reverse order and
    merged with union by size and path halving, so the cost is O((N + M) alpha(N)).
    """
    n = len(order)
    position = [0] * n
    for i, v in enumerate(order):
        position[v] = i
    parent = list(range(n))
    size = [1] * n
    curve = [0] * (n + 1)
    best = 0
    for i in range(n - 1, -1, -1):
        root = order[i]
        for u in adj[root]:
            if position[u] <= i:
                continue  # not added back yet, or a self-loop
            while parent[u] != u:
                parent[u] = parent[parent[u]]
                u = parent[u]
            if u != root:
                if size[u] > size[root]:
                    root, u = u, root
                parent[u] = root
                size[root] += size[u]
        if size[root] > best:
            best = size[root]
        curve[i] = best
    return curve


def _indexed(G: nx.Graph, order: Iterable[Hashable]) -> tuple[list[list[int]], list[int]]:
    """Return undirected adjacency lists of `G` over node positions, and `order` as positions."""
    order = list(order)
    index = {v: i for i, v in enumerate(order)}
    if len(index) != len(order) or len(order) != G.number_of_nodes():
        raise nx.NetworkXError("order must list every node of G exactly once")
    for v in order:
        if v not in G:
            raise nx.NetworkXError(f"node {v!r} in order is not in G")
    adj: list[list[int]] = [[] for _ in order]
    for u, v in G.edges():
        adj[index[u]].append(index[v])
        adj[index[v]].append(index[u])
    return adj, list(range(len(order)))


def lcc_curve(G: nx.Graph, order: Iterable[Hashable]) -> list[int]:
    """Return the size of the largest connected component as nodes are removed in `order`.

    Parameters
    ----------
    G : NetworkX graph
        Any graph. Edge direction, parallel edges and self-loops are ignored: for a directed
        graph the components are the weakly connected components.
    order : iterable of nodes
        A removal order listing every node of `G` exactly once.

    Returns
    -------
    curve : list of int
        A list of length ``N + 1`` where ``curve[q]`` is the number of nodes in the largest
        connected component after the first `q` nodes of `order` have been removed, so
        ``curve[0]`` is the LCC of `G` and ``curve[N]`` is 0.

    Raises
    ------
    NetworkXError
        If `order` is not a permutation of the nodes of `G`.

    See Also
    --------
    robustness
    removal_fraction_to_reach

    Notes
    -----
    The curve is computed backwards: nodes are put back in the reverse of `order` and their
    components merged with a union-find structure (union by size, path halving), as in the
    Newman-Ziff percolation algorithm [1]_. The cost is $O((N + M)\\,\\alpha(N))$ for the whole
    curve, instead of a component search after every removal.

    References
    ----------
    .. [1] Newman, M. E. J. and Ziff, R. M., "Efficient Monte Carlo algorithm and high-precision
       results for percolation", Physical Review Letters 85, 4104 (2000).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.path_graph(5)
    >>> lcc_curve(G, [2, 0, 3, 1, 4])
    [5, 2, 2, 1, 1, 0]
    """
    adj, positions = _indexed(G, order)
    return _lcc_curve_indices(adj, positions)


def robustness(G: nx.Graph, order: Iterable[Hashable]) -> float:
    """Return the robustness R of `G` under the node-removal `order`.

    Parameters
    ----------
    G : NetworkX graph
        Any graph. Edge direction, parallel edges and self-loops are ignored.
    order : iterable of nodes
        A removal order listing every node of `G` exactly once.

    Returns
    -------
    R : float
        ``(1/N) * sum(LCC(q) / N for q in 1..N)``, where ``LCC(q)`` is the size of the largest
        connected component after the first `q` nodes of `order` are removed. Lower values mean
        that `order` dismantles `G` faster. R lies in ``[0, 1/2)``; it is 0.0 for the null graph.

    Raises
    ------
    NetworkXError
        If `order` is not a permutation of the nodes of `G`.

    See Also
    --------
    lcc_curve
    atlas_graph.analysis.dismantling.dismantling_order

    Notes
    -----
    The sum starts at ``q = 1`` as in [1]_, so the intact graph does not count: a graph of `N`
    isolated nodes has ``R = (N - 1) / N**2`` under any order. The cost is that of
    :func:`lcc_curve`, $O((N + M)\\,\\alpha(N))$.

    References
    ----------
    .. [1] Schneider, C. M., Moreira, A. A., Andrade, J. S., Havlin, S. and Herrmann, H. J.,
       "Mitigation of malicious attacks on networks", PNAS 108 (10), 3838-3841 (2011).

    Examples
    --------
    Removing the middle of a 5-node path first leaves two pieces of two nodes:

    >>> import networkx as nx
    >>> G = nx.path_graph(5)
    >>> robustness(G, [2, 0, 3, 1, 4])  # (2 + 2 + 1 + 1 + 0) / 5**2
    0.24
    """
    curve = lcc_curve(G, order)
    n = len(curve) - 1
    if n == 0:
        return 0.0
    return sum(curve[1:]) / (n * n)


def removal_fraction_to_reach(G: nx.Graph, order: Iterable[Hashable], fraction: float) -> float:
    """Return the fraction of nodes removed when the LCC first falls to ``fraction * N`` or less.

    Parameters
    ----------
    G : NetworkX graph
        Any graph. Edge direction, parallel edges and self-loops are ignored.
    order : iterable of nodes
        A removal order listing every node of `G` exactly once.
    fraction : float
        The target size of the largest connected component, as a fraction of ``N`` in ``[0, 1]``.

    Returns
    -------
    q_over_n : float
        ``q / N`` for the smallest ``q`` such that ``LCC(q) <= fraction * N``; it is 0.0 for the
        null graph and when the LCC of `G` is already small enough.

    Raises
    ------
    ValueError
        If `fraction` is not in ``[0, 1]``.
    NetworkXError
        If `order` is not a permutation of the nodes of `G`.

    See Also
    --------
    lcc_curve

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.path_graph(5)
    >>> removal_fraction_to_reach(G, [2, 0, 3, 1, 4], 0.4)  # LCC 2 <= 0.4 * 5 after 1 removal
    0.2
    >>> removal_fraction_to_reach(G, [2, 0, 3, 1, 4], 0.0)
    1.0
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    curve = lcc_curve(G, order)
    n = len(curve) - 1
    if n == 0:
        return 0.0
    threshold = fraction * n
    q = next(q for q, size in enumerate(curve) if size <= threshold)  # curve[n] == 0 always qualifies
    return q / n
