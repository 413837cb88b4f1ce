"""Numbered adjacency lists shared by the analysis modules, and the linear-time searches that run on them.

NetworkX's views are general but slow to walk over and over. The analysis functions project a graph once:
its nodes numbered 0..n-1 in the graph's order, each node's neighbours (or successors) as a list of numbers.
Searches on lists of ints run much faster than on dictionaries keyed by node ids (measured in docs/performance.md).
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx
import numpy as np

DependencyDirection = Literal["forward", "reverse"]
"""``"forward"``: the edge's source depends on its target; ``"reverse"``: the target depends on the source."""

Progress = Callable[[float], None]
"""A callback told the fraction of the work done, from 0 to 1."""

KERNEL_MIN_ELEMENTS = 20_000
"""From this many nodes plus adjacency entries on, the searches run as compiled kernels (`_kernels`): below it,
loading them costs more than they save (docs/performance.md)."""

KINDS: frozenset[str] = frozenset({"actor", "service_provider", "financier", "infrastructure", "victim"})
"""The node kinds of the graph contract."""


@dataclass(frozen=True, slots=True)
class Indexed:
    """A graph with its nodes numbered in the graph's order and its links as lists of numbers."""

    nodes: list[Hashable]
    index: dict[Hashable, int]
    links: list[list[int]]
    """Each node's neighbours (undirected view) or successors (digraph), by number, without repeats."""

    def __len__(self) -> int:
        return len(self.nodes)

    def flags(self, nodes: Iterable[Hashable]) -> bytearray:
        """Return a 0/1 flag per node number, set for `nodes`."""
        flags = bytearray(len(self.nodes))
        for v in nodes:
            flags[self.index[v]] = 1
        return flags


_consume = deque[None](maxlen=0).extend
"""Runs an iterator to its end, keeping nothing: the loop in C."""


def _numbered(nodes: list[Hashable], neighbours: list[set[int]]) -> Indexed:
    return Indexed(
        nodes=nodes,
        index={v: i for i, v in enumerate(nodes)},
        links=[list(numbers) for numbers in neighbours],
    )


def undirected_view(G: nx.Graph) -> Indexed:
    """Return the simple undirected view of `G`: direction, parallel edges and self-loops dropped."""
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    number = index.__getitem__
    neighbours: list[set[int]] = [set() for _ in nodes]
    add_to = neighbours.__getitem__
    for u, adjacent in G.adj.items():
        i = index[u]
        near = neighbours[i]
        ends = list(map(number, adjacent))
        if u in adjacent:
            ends = [j for j in ends if j != i]
        # Each set gets its numbers in the same order as one add per link would give (its iteration order, which
        # the betweenness kernel's CSR follows, depends on it); the loops run in C, at twice the speed.
        near.update(ends)
        _consume(map(set.add, map(add_to, ends), itertools.repeat(i)))
    return _numbered(nodes, neighbours)


def undirected_view_of_links(nodes: list[Hashable], links: Iterable[tuple[Hashable, Hashable]]) -> Indexed:
    """Return the simple undirected view of the graph on `nodes` with the given links."""
    index = {v: i for i, v in enumerate(nodes)}
    neighbours: list[set[int]] = [set() for _ in nodes]
    for u, v in links:
        i, j = index[u], index[v]
        if i != j:
            neighbours[i].add(j)
            neighbours[j].add(i)
    return _numbered(nodes, neighbours)


def relationship_edges(G: nx.Graph) -> Iterator[tuple[Hashable, Hashable, Any]]:
    """Yield ``(u, v, relationship type)`` per edge: the `type` attribute, else a multigraph's key."""
    if G.is_multigraph():
        for u, v, key, rel in G.edges(keys=True, data="type"):
            yield u, v, (key if rel is None else rel)
    else:
        yield from G.edges(data="type")


def dependency_view(G: nx.Graph, directions: Mapping[str, DependencyDirection]) -> Indexed:
    """Return the dependency digraph of `G`: each node's successors are the nodes it depends on.

    Edges whose relationship type is not in `directions` are left out. An undirected graph does not say who
    depends on whom, so there each typed edge counts both ways.
    """
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    successors: list[set[int]] = [set() for _ in nodes]
    for i, j in _dependency_links(G, directions, index):
        successors[i].add(j)
    return _numbered(nodes, successors)


def _dependency_links(
    G: nx.Graph, directions: Mapping[str, DependencyDirection], index: Mapping[Hashable, int]
) -> Iterator[tuple[int, int]]:
    """Yield ``(dependent, dependency)`` by node number per typed edge of `G` (see `dependency_view`)."""
    both_ways = not G.is_directed()
    for u, v, rel in relationship_edges(G):
        direction = directions.get(rel)
        i, j = index[u], index[v]
        if direction is None or i == j:
            continue
        if both_ways:
            yield i, j
            yield j, i
        elif direction == "forward":
            yield i, j
        else:
            yield j, i


def component_labels(view: Indexed, removed: bytearray | None = None) -> list[int]:
    """Return each node's component number (0, 1, ... by first node) in an undirected view; -1 if removed."""
    labels = [-1] * len(view)
    links = view.links
    label = 0
    for root in range(len(view)):
        if labels[root] >= 0 or (removed is not None and removed[root]):
            continue
        labels[root] = label
        frontier = [root]
        while frontier:
            for w in links[frontier.pop()]:
                if labels[w] < 0 and (removed is None or not removed[w]):
                    labels[w] = label
                    frontier.append(w)
        label += 1
    return labels


def component_sizes(view: Indexed, removed: bytearray | None = None) -> list[int]:
    """Return the size of every connected component of an undirected view, without the removed nodes."""
    sizes: list[int] = []
    for label in component_labels(view, removed):
        if label < 0:
            continue
        if label == len(sizes):
            sizes.append(0)
        sizes[label] += 1
    return sizes


def pairwise_connectivity(sizes: Iterable[int]) -> int:
    """Return the number of connected unordered node pairs given the component sizes."""
    return sum(s * (s - 1) // 2 for s in sizes)


def reach_closure(
    successors: list[list[int]],
    marks: list[int],
    *,
    removed: bytearray | None = None,
    inside: bytearray | None = None,
    settled: list[int] | None = None,
    keep: bytearray | None = None,
) -> list[int]:
    """Return, per node number, the union (bitwise or) of the `marks` of the node and of all it can reach.

    Marks are bit sets held in Python ints. Tarjan's strongly connected components algorithm finishes a
    component only after every component it reaches, so each closure is the or of its members' marks and of
    its successors' finished closures: one pass, linear in nodes and edges plus the cost of the ors.

    `removed` nodes are absent. With `inside`, only the flagged nodes are searched; their successors outside
    take their closure from `settled`, which must hold it. With `keep`, only the flagged nodes' closures are
    kept and every other one is dropped (left 0) once all its predecessors have used it: wide bit sets (one
    bit per victim) then take memory along the search front only, not for every node.
    """
    n = len(successors)
    absent = removed if removed is not None else bytearray(n)
    closure = [0] * n
    index = [-1] * n
    lowlink = [0] * n
    on_stack = bytearray(n)
    stack: list[int] = []
    counter = 0
    unused_by: list[int] = []
    if keep is not None:
        unused_by = [0] * n
        for v in range(n):
            if not absent[v] and (inside is None or inside[v]):
                for w in successors[v]:
                    unused_by[w] += 1
    for root in range(n):
        if index[root] >= 0 or absent[root] or (inside is not None and not inside[root]):
            continue
        index[root] = lowlink[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        work: list[tuple[int, Iterator[int]]] = [(root, iter(successors[root]))]
        while work:
            v, pending = work[-1]
            descended = False
            for w in pending:
                # Outside nodes count as finished components: not descending into them bounds the search.
                if absent[w] or (inside is not None and not inside[w]):
                    continue
                if index[w] < 0:
                    index[w] = lowlink[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, iter(successors[w])))
                    descended = True
                    break
                if on_stack[w] and index[w] < lowlink[v]:
                    lowlink[v] = index[w]
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if lowlink[v] < lowlink[parent]:
                    lowlink[parent] = lowlink[v]
            if lowlink[v] != index[v]:
                continue
            # v roots a finished component: its members sit on the stack above it, and every successor of
            # theirs that is still on the stack is one of them.
            start = len(stack) - 1
            while stack[start] != v:
                start -= 1
            members = stack[start:]
            del stack[start:]
            mask = 0
            for member in members:
                mask |= marks[member]
            for member in members:
                for w in successors[member]:
                    if absent[w] or on_stack[w]:
                        continue
                    reached = closure[w] if inside is None or inside[w] else settled[w] if settled is not None else 0
                    if keep is not None:
                        unused_by[w] -= 1
                        if not unused_by[w] and not keep[w]:
                            closure[w] = 0
                    # Sharing the successor's int when nothing is added keeps memory flat on long chains.
                    if reached and reached is not mask:
                        mask = reached if mask == 0 else mask | reached
            for member in members:
                on_stack[member] = 0
                if keep is None or keep[member] or unused_by[member]:
                    closure[member] = mask
    return closure


def bit_labels(mask: int, labels: list[str]) -> frozenset[str]:
    """Return the labels whose bit is set in `mask`."""
    return frozenset(label for bit, label in enumerate(labels) if mask >> bit & 1)


def scaled_progress(progress: Progress | None, start: float, end: float) -> Progress | None:
    """Return a callback that maps a sub-task's 0..1 onto ``start..end`` of `progress`."""
    if progress is None:
        return None
    report = progress

    def scaled(fraction: float) -> None:
        report(start + (end - start) * fraction)

    return scaled


def nodes_of_kinds(G: nx.Graph, kinds: Collection[str]) -> list[Hashable]:
    """Return the nodes of `G` whose `kind` attribute is in `kinds`, in the graph's node order."""
    return [v for v, kind in G.nodes(data="kind") if kind in kinds]


def checked_kinds(kinds: Iterable[str] | None) -> frozenset[str] | None:
    """Return `kinds` as a set, or None for every kind; raise ValueError on a kind outside the contract."""
    if kinds is None:
        return None
    chosen = frozenset([kinds] if isinstance(kinds, str) else kinds)
    unknown = chosen - KINDS
    if unknown:
        raise ValueError(f"unknown node kinds {sorted(unknown)}; expected some of {sorted(KINDS)}")
    return chosen


class ServiceAccess:
    """The service kinds each actor reaches in a graph's dependency digraph, with or without some nodes."""

    def __init__(self, G: nx.Graph, dependency_edges: Mapping[str, DependencyDirection]) -> None:
        self.view = dependency_view(G, dependency_edges)
        self.actors = [self.view.index[v] for v in nodes_of_kinds(G, ("actor",))]
        self.service_kinds, provider_bits = _service_kind_bits(G)
        self.marks = [0] * len(self.view)
        for i, bit in provider_bits:
            self.marks[i] = 1 << bit
        self._predecessors: list[list[int]] | None = None

    def closure(self, removed: bytearray | None = None) -> list[int]:
        """Return every node's reachable service kinds (its own included) as a bit set, by node number."""
        return reach_closure(self.view.links, self.marks, removed=removed)

    def kinds(self, removed: bytearray | None = None) -> dict[Hashable, frozenset[str]]:
        """Return each remaining actor's reachable service kinds."""
        closure = self.closure(removed)
        nodes = self.view.nodes
        return {
            nodes[actor]: bit_labels(closure[actor], self.service_kinds)
            for actor in self.actors
            if removed is None or not removed[actor]
        }

    def changed_masks(self, node: Hashable, closure: list[int]) -> dict[Hashable, int]:
        """Return the bit sets of the actors that reach `node`, once `node` is removed.

        Only the nodes that reach `node` can lose anything, so only they are searched again; `closure` (from
        `closure()`) supplies everything downstream of them, which the removal leaves as it was.
        """
        links = self.view.links
        if self._predecessors is None:
            self._predecessors = [[] for _ in links]
            for v, targets in enumerate(links):
                for w in targets:
                    self._predecessors[w].append(v)
        predecessors = self._predecessors
        gone = self.view.index[node]
        upstream = bytearray(len(links))
        frontier = [gone]
        while frontier:
            for u in predecessors[frontier.pop()]:
                if not upstream[u] and u != gone:
                    upstream[u] = 1
                    frontier.append(u)
        actors = [actor for actor in self.actors if upstream[actor]]
        if not actors:
            return {}
        removed = bytearray(len(links))
        removed[gone] = 1
        after = reach_closure(links, self.marks, removed=removed, inside=upstream, settled=closure)
        return {self.view.nodes[actor]: after[actor] for actor in actors}

    def labels(self, mask: int) -> frozenset[str]:
        """Return the service kinds in a bit set."""
        return bit_labels(mask, self.service_kinds)

    def losses(self, nodes: list[Hashable], *, progress: Progress | None = None) -> dict[Hashable, ServiceLoss]:
        """Return, per node of `nodes`, what removing it alone costs the actors (see `service_losses`)."""
        if not self.service_kinds or not self.actors:
            return {v: (0, {}) for v in nodes}
        closure = self.closure()
        losses = {}
        for done, v in enumerate(nodes, start=1):
            per_kind: dict[str, int] = {}
            actors = 0
            for actor, mask in self.changed_masks(v, closure).items():
                lost = closure[self.view.index[actor]] & ~mask
                if lost:
                    actors += 1
                    for kind in self.labels(lost):
                        per_kind[kind] = per_kind.get(kind, 0) + 1
            losses[v] = (actors, per_kind)
            if progress is not None:
                progress(done / len(nodes))
        return losses


def _service_kind_bits(G: nx.Graph) -> tuple[list[str], list[tuple[int, int]]]:
    """Return the service kinds (provider categories) in order of first appearance, and ``(node number, bit)``
    per service provider with a category."""
    kinds: list[str] = []
    bits: dict[str, int] = {}
    providers = []
    for i, (_, attributes) in enumerate(G.nodes(data=True)):
        category = attributes.get("category")
        if attributes.get("kind") != "service_provider" or category is None:
            continue
        if category not in bits:
            bits[category] = len(kinds)
            kinds.append(category)
        providers.append((i, bits[category]))
    return kinds, providers


ServiceLoss = tuple[int, dict[str, int]]
"""The actors that lose their only route to some service kind, and how many lose each kind (unordered)."""

_WORD_BITS = 64
"""Service kinds the compiled search holds in one machine word per node; beyond them the search is Python's."""


def service_losses(
    G: nx.Graph,
    dependency_edges: Mapping[str, DependencyDirection],
    nodes: list[Hashable],
    *,
    progress: Progress | None = None,
) -> dict[Hashable, ServiceLoss]:
    """Return, per node of `nodes`, the actors that lose their only route to some service kind when it alone is
    removed, and how many actors lose each kind.

    Only the nodes that reach the removed one can lose anything, so each removal searches again only them, the
    closures downstream taken from the intact graph's (`ServiceAccess.changed_masks`). Large graphs take the
    compiled twin of the search (`_kernels.service_losses`), over the dependency digraph as arrays.
    """
    if len(G) + sum(map(len, G.adj.values())) >= KERNEL_MIN_ELEMENTS:
        compiled = _compiled_service_losses(G, dependency_edges, nodes)
        if compiled is not None:
            if progress is not None:
                progress(1.0)
            return compiled
    return ServiceAccess(G, dependency_edges).losses(nodes, progress=progress)


def _compiled_service_losses(
    G: nx.Graph, dependency_edges: Mapping[str, DependencyDirection], nodes: list[Hashable]
) -> dict[Hashable, ServiceLoss] | None:
    """`ServiceAccess.losses` by the compiled search; None if the kinds do not fit in a word."""
    kinds, providers = _service_kind_bits(G)
    if len(kinds) > _WORD_BITS:
        return None
    from atlas_graph.analysis import _kernels  # see dismantling._compiled: only large graphs pay for numba

    index = {v: i for i, v in enumerate(G)}
    n = len(index)
    links = np.fromiter(itertools.chain.from_iterable(_dependency_links(G, dependency_edges, index)), np.int64)
    dependents, dependencies = links[0::2], links[1::2]
    marks = np.zeros(n, np.uint64)
    for i, bit in providers:
        marks[i] = np.uint64(1 << bit)
    is_actor = np.zeros(n, np.bool_)
    is_actor[[index[v] for v in nodes_of_kinds(G, ("actor",))]] = True
    actors, per_kind = _kernels.service_losses(
        *_csr_of_arcs(n, dependents, dependencies),
        *_csr_of_arcs(n, dependencies, dependents),
        marks,
        is_actor,
        np.array([index[v] for v in nodes], np.int64),
        len(kinds),
    )
    counts = per_kind.tolist()
    return {
        v: (int(actors[row]), {kind: count for kind, count in zip(kinds, counts[row], strict=True) if count})
        for row, v in enumerate(nodes)
    }


def _csr_of_arcs(n: int, tails: Any, heads: Any) -> tuple[Any, Any]:
    """The CSR form (`indptr`, `indices`) of the arcs ``tails[i] -> heads[i]`` on nodes ``0..n-1``."""
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(tails, minlength=n), out=indptr[1:])
    return indptr, heads[np.argsort(tails, kind="stable")]


@dataclass(frozen=True, slots=True)
class RemovalPieces:
    """What one depth-first search learns about removing each node and each tree link."""

    component_size: dict[Hashable, int]
    """Every node mapped to the size of its connected component."""
    cut_pieces: dict[Hashable, tuple[int, ...]]
    """Every cut vertex, in the graph's node order, mapped to the sizes of the pieces its removal leaves of its
    component, largest first."""
    bridges: list[tuple[Hashable, Hashable, int, int]]
    """``(parent, child, parent side size, child side size)`` per bridge."""

    def pieces(self, v: Hashable) -> tuple[int, ...]:
        """Return the sizes of the pieces removing `v` leaves of its component, largest first."""
        if v in self.cut_pieces:
            return self.cut_pieces[v]
        rest = self.component_size[v] - 1
        return (rest,) if rest else ()


def removal_pieces(view: Indexed) -> RemovalPieces:
    """Run one iterative depth-first search recording the pieces each node and tree link separates."""
    n = len(view)
    links = view.links
    discovery = [-1] * n
    low = [0] * n
    subtree = [1] * n
    size_of = [0] * n
    split_off: dict[int, list[int]] = {}
    cuts: dict[int, tuple[int, ...]] = {}
    found_bridges: list[tuple[int, int, int, int]] = []
    visited: list[int] = []
    for root in range(n):
        if discovery[root] >= 0:
            continue
        first = len(visited)
        discovery[root] = low[root] = first
        visited.append(root)
        tree_bridges = []
        work: list[tuple[int, int, Iterator[int]]] = [(root, -1, iter(links[root]))]
        while work:
            v, parent, pending = work[-1]
            descended = False
            for w in pending:
                if w == parent:
                    continue  # the tree link itself; the view is simple, so there is only one
                if discovery[w] >= 0:
                    if discovery[w] < low[v]:
                        low[v] = discovery[w]
                    continue
                discovery[w] = low[w] = len(visited)
                visited.append(w)
                work.append((w, v, iter(links[w])))
                descended = True
                break
            if descended:
                continue
            work.pop()
            if parent < 0:
                continue
            subtree[parent] += subtree[v]
            if low[v] < low[parent]:
                low[parent] = low[v]
            if low[v] >= discovery[parent]:
                split_off.setdefault(parent, []).append(subtree[v])
            if low[v] > discovery[parent]:
                tree_bridges.append((parent, v, subtree[v]))
        size = subtree[root]
        for v in visited[first:]:
            size_of[v] = size
        for v, separated in split_off.items():
            # Whatever the separated subtrees do not hold is one piece, reached through v's parent.
            rest = size - 1 - sum(separated)
            if rest or len(separated) > 1:
                cuts[v] = tuple(sorted([*separated, rest] if rest else separated, reverse=True))
        split_off.clear()
        found_bridges.extend((p, c, size - below, below) for p, c, below in tree_bridges)
    nodes = view.nodes
    return RemovalPieces(
        component_size={v: size_of[i] for i, v in enumerate(nodes)},
        # The graph's node order, which the depth-first visit order is not.
        cut_pieces={nodes[i]: cuts[i] for i in sorted(cuts)},
        bridges=[(nodes[p], nodes[c], parent_side, child_side) for p, c, parent_side, child_side in found_bridges],
    )


@dataclass(frozen=True, slots=True)
class SingleRemovals:
    """What removing each of some nodes alone does to its component, and the graph's component sizes."""

    pieces: dict[Hashable, tuple[int, ...]]
    """Each node mapped to the sizes of the pieces its removal leaves of its component, largest first."""
    component_size: dict[Hashable, int]
    """Each node mapped to the size of its connected component."""
    component_sizes: list[int]
    """The size of every component of the graph, largest first."""


def single_removals(view: Indexed, nodes: list[Hashable], removal: RemovalPieces | None = None) -> SingleRemovals:
    """Return what removing each of `nodes` alone does, from `removal` when given, else from one depth-first search
    (`removal_pieces`) on small views and a compiled search per node on large ones."""
    if removal is None and is_large(view):
        from atlas_graph.analysis import _kernels  # see dismantling._compiled: only large graphs pay for numba

        indptr, indices = csr_of_view(view)
        labels = csr_component_labels(indptr, indices)
        sizes = np.bincount(labels)
        numbers = np.array([view.index[v] for v in nodes], np.int64)
        piece_sizes, starts = _kernels.removal_pieces(indptr, indices, numbers)
        flat, bounds = piece_sizes.tolist(), starts.tolist()
        return SingleRemovals(
            pieces={v: tuple(sorted(flat[bounds[r] : bounds[r + 1]], reverse=True)) for r, v in enumerate(nodes)},
            component_size={v: int(size) for v, size in zip(nodes, sizes[labels[numbers]], strict=True)},
            component_sizes=sorted(sizes.tolist(), reverse=True),
        )
    removal = removal if removal is not None else removal_pieces(view)
    return SingleRemovals(
        pieces={v: removal.pieces(v) for v in nodes},
        component_size={v: removal.component_size[v] for v in nodes},
        component_sizes=sorted(component_sizes(view), reverse=True),
    )


def is_large(view: Indexed) -> bool:
    """Whether a view is large enough for the compiled kernels (`KERNEL_MIN_ELEMENTS`)."""
    return len(view) + sum(map(len, view.links)) >= KERNEL_MIN_ELEMENTS


def csr_of_view(view: Indexed) -> tuple[Any, Any]:
    """Return the CSR form (`indptr`, `indices`) of a view, each node's numbers in the order of `view.links`."""
    lengths = np.fromiter(map(len, view.links), np.int64, count=len(view))
    indptr = np.zeros(len(view) + 1, np.int64)
    np.cumsum(lengths, out=indptr[1:])
    return indptr, np.fromiter(itertools.chain.from_iterable(view.links), np.int64, count=int(indptr[-1]))


def csr_component_labels(indptr: Any, indices: Any) -> Any:
    """Return each node's component number (an array) in an undirected graph in CSR form, by scipy."""
    # Imported here: scipy costs a process that analyses only small graphs a few tenths of a second.
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import connected_components

    _, labels = connected_components(csr_array((np.ones(len(indices)), indices, indptr)), directed=False)
    return labels
