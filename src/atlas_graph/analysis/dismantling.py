"""Network dismantling: removal orders that break a graph's largest component fast."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Hashable, Sequence
from types import ModuleType
from typing import Any

import networkx as nx
import numpy as np

from atlas_graph.analysis._adjacency import KERNEL_MIN_ELEMENTS as KERNEL_MIN_ELEMENTS
from atlas_graph.analysis.robustness import _lcc_curve_indices

__all__ = ["dismantling_order"]

_Adjacency = list[list[int]]

#: A head stops once the largest component holds at most this fraction of the nodes.
_HEAD_STOP = 0.05
#: Stage boundaries of the multiscale reordering: each time the head's LCC shrinks by this factor.
_STAGE_FACTOR = 0.8
#: Factors cycled through when the best order is re-staged, and re-stagings kept in reserve.
_POLISH_FACTORS = (0.8, 0.9, 0.7, 0.95)
_POLISH_RESERVE = 16
#: A head is abandoned when its running LCC sum exceeds the best order's by this relative margin.
_ABANDON_MARGIN = 0.1
#: Most and fewest shortest-path sources sampled per betweenness step.
_PIVOTS = 16
_MIN_PIVOTS = 8
#: Most rounds of restarts (fresh tie-breaking, fresh pivots), and fewest restarts worth starting.
_MAX_ROUNDS = 16
_MIN_RESTARTS = 8
#: Work of one reverse greedy run, per node and adjacency entry, in the units of `max_work`.
_GREEDY_COST = 30
#: Most times the reverse greedy re-evaluates one node's key before taking it as it stands.
_MAX_CHECKS = 64


def dismantling_order(
    G: nx.Graph,
    *,
    seed: int | random.Random | None = None,
    max_work: int = 100_000_000,
) -> list[Hashable]:
    """Return a removal order of all nodes of `G` that shrinks its largest component fast.

    The order aims at a low robustness ``R = (1/N) sum_q LCC(q)/N`` over the whole removal,
    not only at reaching one target size: early removals split the largest connected
    component (LCC) into balanced pieces, and late removals keep the pieces small.

    Parameters
    ----------
    G : NetworkX graph
        Any graph. It is treated as an undirected simple graph: edge direction, parallel
        edges and self-loops are ignored.
    seed : int, random.Random or None, optional (default=None)
        Source of randomness for breaking ties and for sampling shortest-path sources. The
        same integer seed and the same graph give the same order; None is not reproducible.
    max_work : int, optional (default=100_000_000)
        Work allowed beyond the first, near-linear pass, counted in adjacency-list entries
        scanned. It pays for restarts of the reverse greedy with fresh tie-breaking and for
        betweenness-guided heads (see Notes). It also pays for re-staging the best order at
        the end. The default buys up to 15 restarts and heads on graphs of a few thousand
        edges, one or two heads at about 15,000 edges, and two or three re-stagings from
        300,000 edges on (the time each takes is in docs/performance.md). Zero leaves only
        the first pass.

    Returns
    -------
    order : list
        Every node of `G` exactly once, in the order in which to remove them.

    Raises
    ------
    ValueError
        If `max_work` is negative.

    See Also
    --------
    atlas_graph.analysis.robustness.robustness
    atlas_graph.analysis.robustness.lcc_curve

    Notes
    -----
    The result is the best, by R, of several candidate orders built from two ingredients.

    *Reverse greedy (node explosive percolation)* [1]_ [2]_. Start from the empty graph and
    put the nodes back one at a time, always the node whose return creates the smallest
    component (ties: fewest neighbours not yet back, then a random rank). Read backwards, this
    is a removal order whose LCC stays as small as possible during the long end of the
    dismantling, where most of R accumulates on sparse graphs. Lazy heaps keep it at
    $O((N + M) \\log N)$: a key can only grow, the largest cluster is kept out of the keys so
    that its growth does not make every key stale, and a node's key is re-evaluated at most
    64 times (past that it is taken as it stands) for when two giant clusters grow side by
    side, as explosive percolation makes them do.

    *Forward heads*. Greedy removals until the LCC holds at most 5% of the nodes, by
    (a) adaptive degree and (b) adaptive betweenness within the current LCC, estimated from 16
    sampled sources [3]_ (exact on pieces of at most 16 nodes). Each head is cut into stages
    where its LCC first falls below ``0.8**j * N``, and each stage is reordered by the reverse
    greedy, knowing that the later stages are removed after it; the nodes outside the head
    form the final stage. The head thus fixes which nodes break the network at which scale,
    while the reverse greedy acts as reinsertion [4]_ within each scale and orders the rest.
    A head is abandoned as soon as its running LCC sum is 10% above the best order's.

    The candidates are the reverse greedy, the staged degree head, and, while `max_work`
    lasts, rounds of one more reverse greedy with a fresh random rank (only when the budget
    buys at least 8 of them) and one more staged betweenness head with fresh sources (16
    rounds at most; a head is skipped when its cost, estimated from the best LCC curve so
    far, does not fit even with 8 sources). Last, the best order is itself re-staged, as if
    it were a head, with stage factors cycling through 0.8, 0.9, 0.7 and 0.95, until a full
    cycle brings no gain: a local search whose moves keep what the order does at each scale
    and redo the details. Up to 16 re-stagings (half of `max_work` at most) are kept in
    reserve for it. Each candidate's R is computed by union-find in
    $O((N + M) \\alpha(N))$. Spending more on small graphs, where betweenness is affordable,
    is deliberate: on sparse spatial graphs (roads, power grids) small separators matter and
    sampled betweenness finds them, while on large heavy-tailed graphs the near-linear pass
    is already ahead of degree-based attacks.

    Measured on the real networks of the Generalized Network Dismantling paper [5]_, the
    result beats high degree, adaptive degree, CoreHD [6]_ and adaptive Collective Influence
    [7]_ on every network where they run, and matches or beats exact adaptive betweenness
    where that finishes (see ``scripts/bench_dismantling.py``). Tried and dropped: decycling sets (CoreHD style)
    with reinsertion as heads, greedy cuts at articulation points (myopic: they chip small
    pieces off), Collective Influence heads, and reordering a head only within one stage.

    On graphs of at least 20,000 nodes plus adjacency entries, the reverse greedy, the LCC curves
    and the degree order run as compiled kernels that give the same results.

    The order is deterministic given `seed`. The first pass (one reverse greedy, the degree
    head and its staged reordering) takes $O((N + M) \\log N)$; everything else is bounded by
    `max_work`.

    References
    ----------
    .. [1] Clusella, P., Grassberger, P., Pérez-Reche, F. J. and Politi, A., "Immunization and
       targeted destruction of networks using explosive percolation", Physical Review Letters
       117, 208301 (2016).
    .. [2] Qin, S.-M., Ren, X.-L. and Lü, L.-Y., "Efficient network dismantling via node
       explosive percolation", Communications in Theoretical Physics 71, 764 (2019).
    .. [3] Brandes, U. and Pich, C., "Centrality estimation in large networks", International
       Journal of Bifurcation and Chaos 17 (7), 2303-2318 (2007).
    .. [4] Braunstein, A., Dall'Asta, L., Semerjian, G. and Zdeborová, L., "Network
       dismantling", PNAS 113 (44), 12368-12373 (2016).
    .. [5] Ren, X.-L., Gleinig, N., Helbing, D. and Antulov-Fantulin, N., "Generalized network
       dismantling", PNAS 116 (14), 6554-6559 (2019).
    .. [6] Zdeborová, L., Zhang, P. and Zhou, H.-J., "Fast and simple decycling and
       dismantling of networks", Scientific Reports 6, 37954 (2016).
    .. [7] Morone, F. and Makse, H. A., "Influence maximization in complex networks through
       optimal percolation", Nature 524, 65-68 (2015).

    Examples
    --------
    The centre of a star goes first:

    >>> import networkx as nx
    >>> dismantling_order(nx.star_graph(4), seed=1)[0]
    0

    Two triangles joined by a bridge are cut at the bridge:

    >>> G = nx.barbell_graph(3, 0)
    >>> dismantling_order(G, seed=1)[0] in {2, 3}
    True

    On a short path the order is optimal: R = (2 + 2 + 1 + 1 + 0) / 5**2.

    >>> from atlas_graph.analysis.robustness import robustness
    >>> G = nx.path_graph(5)
    >>> robustness(G, dismantling_order(G, seed=1))
    0.24
    """
    if max_work < 0:
        raise ValueError("max_work must be non-negative")
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    nodes = list(G)
    rng.shuffle(nodes)
    if not nodes:
        return []
    return [nodes[i] for i in _dismantle(_Searches.of(G, nodes), rng, max_work)]


class LinkSampleOrders:
    """`dismantling_order` of graphs that share their nodes and differ in their links, sharing what they have in
    common: the shuffled numbering of the nodes (the same for one seed) and the links' ends as numbers.

    ``LinkSampleOrders(nodes, ends, seed).order(kept, max_work)`` is ``dismantling_order(H, seed=seed,
    max_work=max_work(H))`` for the undirected graph ``H`` on `nodes` (in that order) with the links ``ends[i]`` for
    which ``kept[i]``, without building ``H``: what `chokepoint_stability` reranks many times over.
    """

    def __init__(self, nodes: list[Hashable], ends: list[tuple[Hashable, Hashable]], seed: int) -> None:
        rng = random.Random(seed)
        self.nodes = list(nodes)
        rng.shuffle(self.nodes)
        self._state = rng.getstate()
        index = {v: i for i, v in enumerate(self.nodes)}
        self._tails = np.fromiter((index[u] for u, _ in ends), np.int64, count=len(ends))
        self._heads = np.fromiter((index[v] for _, v in ends), np.int64, count=len(ends))

    def order(self, kept: Any, max_work: Callable[[int, int], int]) -> list[Hashable]:
        """The order on the links flagged in `kept` (booleans, one per link); `max_work(nodes, edges)` gives the
        budget from the size of the simple graph (self-loops count as edges, as in NetworkX)."""
        n = len(self.nodes)
        if n == 0:
            return []
        tails, heads = self._tails[kept], self._heads[kept]
        pairs = _sorted_unique(np.minimum(tails, heads) * n + np.maximum(tails, heads))
        rng = random.Random()
        rng.setstate(self._state)
        indptr, indices = _csr_of_links(n, pairs // n, pairs % n)
        if n + len(indices) < KERNEL_MIN_ELEMENTS:
            searches = _Searches(_Searches(None, indptr, indices).adj)
        else:
            searches = _Searches(None, indptr, indices)
        return [self.nodes[i] for i in _dismantle(searches, rng, max_work(n, len(pairs)))]


def _dismantle(searches: _Searches, rng: random.Random, max_work: int) -> list[int]:
    """`dismantling_order` over the numbered nodes of `searches`, `rng` as left by shuffling them."""
    n = len(searches.indptr) - 1 if searches.indptr is not None else len(searches.adj)
    volume = searches.volume
    stop = _HEAD_STOP * n
    rank = list(range(n))
    best = searches.greedy([range(n)], rank)
    best_curve = searches.curve(best)
    reference = _prefix_sums(best_curve)

    def consider(order: list[int]) -> bool:
        nonlocal best, best_curve, reference
        curve = searches.curve(order)
        if sum(curve) >= sum(best_curve):
            return False
        best, best_curve, reference = order, curve, _prefix_sums(curve)
        return True

    head, sizes = _degree_head(searches, stop=stop, reference=reference)
    if head:
        consider(searches.greedy(_stages(n, head, sizes, stop=stop, factor=_STAGE_FACTOR), rank))
    greedy_cost = _GREEDY_COST * (n + volume)
    # Restarts and heads leave enough for some re-staging at the end (half the budget at most).
    reserve = min(max_work // 2, _POLISH_RESERVE * greedy_cost)
    remaining = max_work - reserve
    # Restarts pay off as a portfolio of many; a budget that buys only a few is left to heads.
    restarts = greedy_cost * _MIN_RESTARTS <= max_work
    for _ in range(_MAX_ROUNDS - 1):
        restarted = restarts and remaining >= greedy_cost
        if restarted:
            remaining -= greedy_cost
            rng.shuffle(rank)
            consider(searches.greedy([range(n)], rank))
        # A betweenness step costs about pivots * volume of the LCC. Estimate the whole head
        # from the best order's LCC curve, which a betweenness head typically drops about
        # twice as fast, and sample fewer pivots if it would not fit.
        steps = next(q for q, size in enumerate(best_curve) if size <= stop)
        per_pivot = volume * (reference[steps] + n) / n / 2
        pivots = min(_PIVOTS, int(remaining / max(per_pivot, 1.0)))
        if pivots < _MIN_PIVOTS:
            if restarted:
                continue
            break
        head, sizes, spent = _betweenness_head(
            searches.adj, stop=stop, reference=reference, rng=rng, budget=remaining, pivots=pivots
        )
        remaining -= spent
        if head:
            consider(searches.greedy(_stages(n, head, sizes, stop=stop, factor=_STAGE_FACTOR), rank))
    # Polish: re-stage the best order itself, at scales that change each time, until a full
    # cycle of scales brings no gain.
    remaining += reserve
    misses = 0
    for factor in itertools.cycle(_POLISH_FACTORS):
        if misses >= len(_POLISH_FACTORS) or remaining < greedy_cost:
            break
        remaining -= greedy_cost
        end = next(q for q, size in enumerate(best_curve) if size <= 1)
        stages = _stages(n, best[:end], best_curve[1 : end + 1], stop=1, factor=factor)
        misses = 0 if consider(searches.greedy(stages, rank)) else misses + 1
    return best


def _simple_adjacency(G: nx.Graph, nodes: list[Hashable]) -> _Adjacency:
    """Return sorted undirected adjacency lists of `G` over the positions of its nodes in `nodes`, without
    parallel links or self-loops."""
    index = {v: i for i, v in enumerate(nodes)}
    adj: _Adjacency = []
    if G.is_directed():
        for v in nodes:
            nbrs = {index[u] for u in G.succ[v]}
            nbrs.update(index[u] for u in G.pred[v])
            nbrs.discard(index[v])
            adj.append(sorted(nbrs))
    else:
        for v in nodes:
            i = index[v]
            adj.append(sorted(j for j in map(index.__getitem__, G.adj[v]) if j != i))
    return adj


def _csr_adjacency(G: nx.Graph, nodes: list[Hashable]) -> tuple[Any, Any]:
    """Return `_simple_adjacency` in CSR form (`indptr`, `indices`), built with array sorts: a tenth of the time."""
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    ends = np.fromiter(map(index.__getitem__, itertools.chain.from_iterable(G.edges())), np.int64)
    return _csr_of_links(n, ends[0::2], ends[1::2])


def _sorted_unique(values: Any) -> Any:
    """`np.unique` of an int array: a sort and a comparison with the neighbour, several times faster than the
    hashing `np.unique` of numpy 2.4 does first (docs/performance.md)."""
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def _csr_of_links(n: int, tails: Any, heads: Any) -> tuple[Any, Any]:
    """The CSR form of the undirected simple graph on ``0..n-1`` with links ``(tails[i], heads[i])``."""
    real = tails != heads
    tails, heads = tails[real], heads[real]
    # Each link both ways as one number, sorted and deduplicated: rows in order, each row's entries sorted.
    links = _sorted_unique(np.concatenate([tails * n + heads, heads * n + tails]))
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(links // n, minlength=n), out=indptr[1:])
    return indptr, links % n


class _Searches:
    """The reverse greedy, LCC curves and the adaptive degree order of one graph: in pure Python over adjacency
    lists, or as the compiled kernels over its CSR form (`indptr`, `indices`), which give the same results."""

    def __init__(self, adj: _Adjacency | None, indptr: Any = None, indices: Any = None) -> None:
        self._adj = adj
        self.indptr = indptr
        self.indices = indices

    @classmethod
    def of(cls, G: nx.Graph, nodes: list[Hashable]) -> _Searches:
        """The searches over `G`'s nodes numbered in the order of `nodes`: compiled on large graphs."""
        # Adjacency entries, counted from the dicts: G.number_of_edges() walks the degree view, a second at 1M edges.
        entries = sum(map(len, G.adj.values())) * (2 if G.is_directed() else 1)
        if len(nodes) + entries < KERNEL_MIN_ELEMENTS:
            return cls(_simple_adjacency(G, nodes))
        return cls(None, *_csr_adjacency(G, nodes))

    @property
    def adj(self) -> _Adjacency:
        """Sorted adjacency lists (built from the CSR form when first asked for)."""
        if self._adj is None:
            flat = self.indices.tolist()
            bounds = self.indptr.tolist()
            self._adj = [flat[bounds[i] : bounds[i + 1]] for i in range(len(bounds) - 1)]
        return self._adj

    @property
    def volume(self) -> int:
        """The number of adjacency entries, twice the number of links."""
        return int(self.indptr[-1]) if self.indptr is not None else sum(len(a) for a in self.adj)

    def greedy(self, stages: Sequence[Sequence[int]], rank: Sequence[int]) -> list[int]:
        """`_reverse_greedy`."""
        if self.indptr is None:
            return _reverse_greedy(self.adj, stages, rank)
        starts = np.zeros(len(stages) + 1, np.int64)
        np.cumsum([len(stage) for stage in stages], out=starts[1:])
        flat = np.fromiter(itertools.chain.from_iterable(stages), np.int64, count=int(starts[-1]))
        order = _compiled().reverse_greedy(
            self.indptr, self.indices, flat, starts, np.asarray(rank, np.int64), _MAX_CHECKS
        )
        return list(order.tolist())

    def curve(self, order: Sequence[int]) -> list[int]:
        """`_lcc_curve_indices`."""
        if self.indptr is None:
            return _lcc_curve_indices(self.adj, order)
        return list(_compiled().lcc_curve(self.indptr, self.indices, np.asarray(order, np.int64)).tolist())

    def degree_order(self) -> list[int]:
        """`_adaptive_degree_order`."""
        if self.indptr is None:
            return _adaptive_degree_order(self.adj)
        return list(_compiled().adaptive_degree_order(self.indptr, self.indices).tolist())


def _compiled() -> ModuleType:
    """The compiled kernels, imported on the first large graph: loading numba costs a process a few tenths of a
    second, which the service, the CLI and small analyses need not pay."""
    from atlas_graph.analysis import _kernels

    return _kernels


def _prefix_sums(curve: Sequence[int]) -> list[int]:
    """Return ``s`` with ``s[q] = curve[1] + ... + curve[q]`` (the LCC after each removal)."""
    sums = [0] * len(curve)
    total = 0
    for q in range(1, len(curve)):
        total += curve[q]
        sums[q] = total
    return sums


def _abandon(total: int, steps: int, reference: Sequence[int]) -> bool:
    """Return whether a head whose LCC after `steps` removals summed to `total` should stop."""
    return total > (1.0 + _ABANDON_MARGIN) * reference[steps]


def _stages(n: int, head: Sequence[int], sizes: Sequence[int], *, stop: float, factor: float) -> list[list[int]]:
    """Cut `head` where its LCC first falls below ``n * factor**j``; return stages, last removed first.

    ``sizes[i]`` is the LCC after removing ``head[: i + 1]``. The nodes outside the head form
    the first stage (the end of the removal order).
    """
    cuts: list[int] = []
    threshold = n * factor
    q = 0
    while threshold > stop and q < len(head):
        while q < len(head) and sizes[q] > threshold:
            q += 1
        if q < len(head) and (not cuts or q + 1 > cuts[-1]):
            cuts.append(q + 1)
        threshold *= factor
    if not cuts or cuts[-1] != len(head):
        cuts.append(len(head))
    in_head = bytearray(n)
    for v in head:
        in_head[v] = 1
    stages = [[v for v in range(n) if not in_head[v]]]
    end = len(head)
    for start in reversed([0, *cuts[:-1]]):
        stages.append(list(head[start:end]))
        end = start
    return stages


def _reverse_greedy(adj: _Adjacency, stages: Sequence[Sequence[int]], rank: Sequence[int] | None = None) -> list[int]:
    """Return a removal order built by putting nodes back greedily, stage by stage.

    All nodes of ``stages[0]`` are put back first (they are removed last), then those of
    ``stages[1]``, and so on; every node must be in exactly one stage. Within a stage the
    node put back next is the one whose return creates the smallest component, ties broken
    by fewer neighbours not yet back, then by lower `rank` (default: the index).

    Keys are lower bounds kept in lazy heaps and re-evaluated when they reach the top. The
    largest cluster is left out of the keys (nodes touching it sit in their own heap), so its
    growth does not make every key stale. Explosive percolation can still grow two big
    clusters side by side, and the growth of the second one would; so a node's key is
    re-evaluated at most `_MAX_CHECKS` times and then taken as it stands. That bounds the work
    at O(`_MAX_CHECKS` (N + M) log N) and measured no loss of R.
    """
    n = len(adj)
    if rank is None:
        rank = range(n)
    parent = list(range(n))
    size = [1] * n
    members: list[list[int]] = [[v] for v in range(n)]
    added = [False] * n
    active = [False] * n
    unadded = [len(a) for a in adj]
    mark = [0] * n
    stamp = 0
    version = [0] * n
    checks = [0] * n
    bound = [0] * n  # a lower bound of the key (component size excluding the special cluster)
    special = -1  # root of the special cluster, kept out of the keys
    # Entries (key, neighbours not back, rank, node, version); the key of a node touching the
    # special cluster leaves its size out.
    outside: list[tuple[int, int, int, int, int]] = []
    touching: list[tuple[int, int, int, int, int]] = []

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def exact(v: int) -> tuple[int, bool]:
        nonlocal stamp
        stamp += 1
        key = 1
        touch = False
        for u in adj[v]:
            if added[u]:
                r = find(u)
                if mark[r] != stamp:
                    mark[r] = stamp
                    if r == special:
                        touch = True
                    else:
                        key += size[r]
        return key, touch

    def push(v: int, key: int, touch: bool) -> None:
        version[v] += 1
        bound[v] = key
        heapq.heappush(touching if touch else outside, (key, unadded[v], rank[v], v, version[v]))

    def rebuild(stage: Sequence[int]) -> None:
        outside.clear()
        touching.clear()
        for v in stage:
            if not added[v]:
                key, touch = exact(v)
                version[v] += 1
                bound[v] = key
                (touching if touch else outside).append((key, unadded[v], rank[v], v, version[v]))
        heapq.heapify(outside)
        heapq.heapify(touching)

    def settle(heap: list[tuple[int, int, int, int, int]], touch_expected: bool) -> None:
        while heap:
            key0, tie0, _, v, ver = heap[0]
            if added[v] or ver != version[v]:
                heapq.heappop(heap)
                continue
            key, touch = exact(v)
            if touch == touch_expected and checks[v] >= _MAX_CHECKS:
                return  # take the (lower) key as it stands rather than chase a growing cluster
            checks[v] += 1
            if touch != touch_expected or key != key0 or tie0 != unadded[v]:
                heapq.heappop(heap)
                push(v, key, touch)
                continue
            return

    order: list[int] = []
    for stage_nodes in stages:
        stage = [v for v in stage_nodes if not added[v]]
        for v in stage:
            active[v] = True
        rebuild(stage)
        left = len(stage)
        while left:
            settle(outside, False)
            settle(touching, True)
            special_size = size[special] if special >= 0 else 0
            if touching and (not outside or (touching[0][0] + special_size, touching[0][1]) < outside[0][:2]):
                v = heapq.heappop(touching)[3]
                touch = True
            else:
                v = heapq.heappop(outside)[3]
                touch = False
            added[v] = True
            active[v] = False
            order.append(v)
            left -= 1
            stamp += 1
            merged = []
            for u in adj[v]:
                unadded[u] -= 1
                if added[u]:
                    r = find(u)
                    if r != special and mark[r] != stamp:
                        mark[r] = stamp
                        merged.append(r)
            drops: dict[int, int] = {}
            if touch:
                # Clusters about to join the special one leave the keys of their neighbours.
                for r in merged:
                    stamp += 1
                    for x in members[r]:
                        for w in adj[x]:
                            if active[w] and mark[w] != stamp:
                                mark[w] = stamp
                                drops[w] = drops.get(w, 0) + size[r]
                for u in adj[v]:
                    if active[u] and u not in drops:
                        drops[u] = 0
                merged.append(special)
            root = v
            for r in merged:
                a, b = find(root), r
                if a == b:
                    continue
                if size[a] < size[b]:
                    a, b = b, a
                parent[b] = a
                size[a] += size[b]
                members[a].extend(members[b])
                members[b] = []
                root = a
            if touch:
                special = root
                for w, drop in drops.items():
                    push(w, max(1, bound[w] - drop), True)
            else:
                for u in adj[v]:
                    if active[u]:
                        push(u, bound[u], False)  # only the tie changed; settle() re-checks
                if size[root] >= 2 and (special < 0 or size[root] >= 2 * size[special]):
                    special = root
                    stage = [x for x in stage if not added[x]]
                    rebuild(stage)
    order.reverse()
    return order


def _degree_head(searches: _Searches, *, stop: float, reference: Sequence[int]) -> tuple[list[int], list[int]]:
    """Remove a highest-degree node, degrees recomputed after each removal, until the LCC is small.

    Returns the removed nodes up to the first time the LCC is at most `stop`, and the LCC size
    after each of those removals; empty lists when the head falls behind `reference` (prefix
    sums of the best order's LCC curve).
    """
    order = searches.degree_order()
    n = len(order)
    curve = searches.curve(order)
    total = 0
    for q in range(1, n + 1):
        total += curve[q]
        if _abandon(total, q, reference):
            return [], []
        if curve[q] <= stop:
            return order[:q], curve[1 : q + 1]
    return [], []  # unreachable: curve[n] == 0


def _adaptive_degree_order(adj: _Adjacency) -> list[int]:
    """Return every node, highest degree first, degrees recomputed after each removal (ties: lowest number)."""
    n = len(adj)
    degree = [len(a) for a in adj]
    removed = [False] * n
    heap = [(-d, v) for v, d in enumerate(degree)]
    heapq.heapify(heap)
    order = []
    while heap:
        neg, v = heapq.heappop(heap)
        if removed[v] or -neg != degree[v]:
            continue
        removed[v] = True
        order.append(v)
        for u in adj[v]:
            if not removed[u]:
                degree[u] -= 1
                heapq.heappush(heap, (-degree[u], u))
    return order


def _betweenness_head(
    adj: _Adjacency,
    *,
    stop: float,
    reference: Sequence[int],
    rng: random.Random,
    budget: int,
    pivots: int,
) -> tuple[list[int], list[int], int]:
    """Remove the highest (sampled) betweenness node of the current LCC until it is at most `stop`.

    Returns the removed nodes, the LCC size after each removal and the work spent. The head
    ends early, as it stands, when the next step would exceed `budget`; it is dropped (empty
    lists) when it falls behind `reference`.
    """
    n = len(adj)
    alive = [True] * n
    local = [0] * n
    mark = [0] * n
    stamp = 0
    counter = 0
    pieces: list[tuple[int, int, int, list[int]]] = []

    def add_pieces(starts: Sequence[int]) -> None:
        nonlocal stamp, counter
        stamp += 1
        for s in starts:
            if not alive[s] or mark[s] == stamp:
                continue
            mark[s] = stamp
            piece = [s]
            volume = 0
            for v in piece:
                for u in adj[v]:
                    if alive[u]:
                        volume += 1
                        if mark[u] != stamp:
                            mark[u] = stamp
                            piece.append(u)
            counter += 1
            heapq.heappush(pieces, (-len(piece), counter, volume, piece))

    add_pieces(range(n))
    head: list[int] = []
    sizes: list[int] = []
    spent = 0
    total = 0
    while pieces and -pieces[0][0] > stop and -pieces[0][0] > 2:
        _, _, volume, piece = pieces[0]
        m = len(piece)
        count = min(m, pivots)
        cost = count * (m + volume)
        if spent + cost > budget:
            break
        heapq.heappop(pieces)
        spent += cost
        for i, v in enumerate(piece):
            local[v] = i
        sub = [[local[u] for u in adj[v] if alive[u]] for v in piece]
        sources = range(m) if count == m else rng.sample(range(m), count)
        score = _sampled_betweenness(sub, sources)
        best = max(range(m), key=lambda i: (score[i], len(sub[i]), -piece[i]))
        v = piece[best]
        alive[v] = False
        head.append(v)
        add_pieces(adj[v])
        sizes.append(-pieces[0][0] if pieces else 0)
        total += sizes[-1]
        if _abandon(total, len(head), reference):
            return [], [], spent
    return head, sizes, spent


def _sampled_betweenness(sub: _Adjacency, sources: Sequence[int]) -> list[float]:
    """Return the summed dependencies of `sources` on every node (Brandes' algorithm, unweighted)."""
    m = len(sub)
    score = [0.0] * m
    for s in sources:
        dist = [-1] * m
        sigma = [0.0] * m
        delta = [0.0] * m
        dist[s] = 0
        sigma[s] = 1.0
        visited = [s]
        for v in visited:
            next_dist = dist[v] + 1
            paths = sigma[v]
            for w in sub[v]:
                d = dist[w]
                if d < 0:
                    dist[w] = next_dist
                    sigma[w] = paths
                    visited.append(w)
                elif d == next_dist:
                    sigma[w] += paths
        for w in reversed(visited):
            prev_dist = dist[w] - 1
            coeff = (1.0 + delta[w]) / sigma[w]
            for v in sub[w]:
                if dist[v] == prev_dist:
                    delta[v] += sigma[v] * coeff
            score[w] += delta[w]
        score[s] -= delta[s]
    return score
