"""Cut vertices and bridges of the ecosystem, with the sizes of the pieces each one separates."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import networkx as nx

from atlas_graph.analysis._adjacency import removal_pieces, undirected_view

__all__ = ["Bridge", "CutVertex", "articulation_points", "bridges"]


@dataclass(frozen=True, slots=True)
class CutVertex:
    """A node whose removal splits its connected component.

    Attributes
    ----------
    node : hashable
        The cut vertex.
    component_size : int
        Number of nodes in its connected component, itself included.
    piece_sizes : tuple of int
        Sizes of the components its removal leaves of that component, largest first; they sum to
        ``component_size - 1``.
    """

    node: Hashable
    component_size: int
    piece_sizes: tuple[int, ...]

    @property
    def separated(self) -> int:
        """Number of nodes cut off from the largest remaining piece."""
        return self.component_size - 1 - self.piece_sizes[0]


@dataclass(frozen=True, slots=True)
class Bridge:
    """A link whose removal splits its connected component in two.

    Attributes
    ----------
    u, v : hashable
        The link's end nodes.
    side_sizes : tuple of (int, int)
        Number of nodes left on `u`'s side and on `v`'s side.
    """

    u: Hashable
    v: Hashable
    side_sizes: tuple[int, int]

    @property
    def separated(self) -> int:
        """Number of nodes on the smaller side."""
        return min(self.side_sizes)


def articulation_points(G: nx.Graph) -> list[CutVertex]:
    """Return the cut vertices of `G` with the sizes of the pieces each one's removal leaves.

    Parameters
    ----------
    G : NetworkX graph
        Any graph. Edge direction, parallel edges and self-loops are ignored: a cut vertex is one whose
        removal disconnects the undirected simple view of `G`.

    Returns
    -------
    cut_vertices : list of CutVertex
        One per cut vertex, the ones that cut off the most nodes from the largest remaining piece first
        (ties in the graph's node order).

    See Also
    --------
    bridges
    networkx.articulation_points

    Notes
    -----
    One iterative depth-first search computes each node's discovery time, low point and subtree size, as in
    the Hopcroft–Tarjan biconnected components algorithm [1]_. A child `c` of `v` whose low point does not
    reach above `v` starts a block that `v` separates, and the subtree of `c` is exactly one piece left by
    removing `v`; the remaining piece is the rest of the component, reached through `v`'s parent. So all
    piece sizes come from one $O(N + M)$ pass, without removing each node and recounting.

    References
    ----------
    .. [1] Hopcroft, J. and Tarjan, R., "Algorithm 447: efficient algorithms for graph manipulation",
       Communications of the ACM 16 (6), 372-378 (1973).

    Examples
    --------
    Every inner node of a path is a cut vertex:

    >>> import networkx as nx
    >>> [(c.node, c.piece_sizes) for c in articulation_points(nx.path_graph(4))]
    [(1, (2, 1)), (2, (2, 1))]
    """
    removal = removal_pieces(undirected_view(G))
    cut_vertices = [
        CutVertex(node=v, component_size=removal.component_size[v], piece_sizes=pieces)
        for v, pieces in removal.cut_pieces.items()
    ]
    cut_vertices.sort(key=lambda cut: -cut.separated)
    return cut_vertices


def bridges(G: nx.Graph) -> list[Bridge]:
    """Return the bridges of `G` with the number of nodes on each side.

    Parameters
    ----------
    G : NetworkX graph
        Any graph. Edge direction, parallel edges and self-loops are ignored: all the relationships between
        two nodes form one link, and a bridge is a link whose removal disconnects the undirected simple view.

    Returns
    -------
    bridges : list of Bridge
        One per bridge, the most balanced cuts (largest smaller side) first, ties in depth-first order.

    See Also
    --------
    articulation_points
    networkx.bridges

    Notes
    -----
    The same depth-first search as `articulation_points`: a tree link from `p` to its child `c` is a bridge
    when no link from the subtree of `c` reaches `p` or above it (Tarjan's bridge test [1]_), and its sides
    are the subtree of `c` and the rest of the component. $O(N + M)$.

    References
    ----------
    .. [1] Tarjan, R. E., "A note on finding the bridges of a graph", Information Processing Letters 2 (6),
       160-161 (1974).

    Examples
    --------
    A barbell's one bridge joins its two bells:

    >>> import networkx as nx
    >>> [(b.u, b.v, b.side_sizes) for b in bridges(nx.barbell_graph(3, 0))]
    [(2, 3, (3, 3))]
    """
    removal = removal_pieces(undirected_view(G))
    found = [
        Bridge(u=parent, v=child, side_sizes=(parent_side, child_side))
        for parent, child, parent_side, child_side in removal.bridges
    ]
    found.sort(key=lambda bridge: -bridge.separated)
    return found
