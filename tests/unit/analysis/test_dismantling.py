"""Dismantling orders: complete, reproducible, and optimal where the optimum can be found by brute force."""

from __future__ import annotations

import random
from functools import cache

import networkx as nx
import pytest

from atlas_graph.analysis import dismantling
from atlas_graph.analysis.dismantling import dismantling_order
from atlas_graph.analysis.robustness import robustness


@cache
def _best_possible_r(G: nx.Graph) -> float:
    """Return the lowest R over all removal orders, by dynamic programming over node subsets.

    Cached per graph object: the parametrized graphs are built once, and each is tried with several seeds.
    """
    nodes = list(G)
    n = len(nodes)

    # Cached because each subset is reached from each of its supersets (the balanced tree has 2**13 subsets), and a
    # plain search over G's adjacency because a subgraph view per subset made these the slowest unit tests.
    @cache
    def lcc(alive: frozenset[object]) -> int:
        largest, seen = 0, set[object]()
        for start in alive:
            if start in seen:
                continue
            seen.add(start)
            stack, size = [start], 0
            while stack:
                size += 1
                for w in G.adj[stack.pop()]:
                    if w in alive and w not in seen:
                        seen.add(w)
                        stack.append(w)
            largest = max(largest, size)
        return largest

    @cache
    def least_sum(alive: frozenset[object]) -> int:
        return min((lcc(rest) + least_sum(rest) for rest in (alive - {v} for v in alive)), default=0)

    return least_sum(frozenset(nodes)) / n**2


def _adaptive_degree_order(G: nx.Graph) -> list[object]:
    H = nx.Graph(G)
    order = []
    while H:
        v = max(H, key=H.degree)
        order.append(v)
        H.remove_node(v)
    return order


def test_star_centre_goes_first() -> None:
    assert dismantling_order(nx.star_graph(6), seed=0)[0] == 0


def test_barbell_is_cut_at_the_bridge_first() -> None:
    G = nx.barbell_graph(4, 0)  # two K4 joined by the bridge (3, 4)

    order = dismantling_order(G, seed=0)

    assert order[0] in {3, 4}
    assert max(len(c) for c in nx.connected_components(G.subgraph(order[1:]))) == 4


def test_path_is_cut_near_the_middle_first() -> None:
    # Removing 3, 4 or 5 first all lead to the optimum R = 16/81 (checked below).
    assert dismantling_order(nx.path_graph(9), seed=0)[0] in {3, 4, 5}


@pytest.mark.parametrize(
    "G",
    [
        nx.path_graph(9),
        nx.cycle_graph(9),
        nx.star_graph(6),
        nx.grid_2d_graph(3, 3),
        nx.petersen_graph(),
        nx.barbell_graph(4, 2),
        nx.lollipop_graph(4, 3),
        nx.balanced_tree(3, 2),
        nx.wheel_graph(8),
    ],
    ids=["path", "cycle", "star", "grid", "petersen", "barbell", "lollipop", "tree", "wheel"],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_reaches_the_optimum_on_tiny_graphs(G: nx.Graph, seed: int) -> None:
    assert robustness(G, dismantling_order(G, seed=seed)) == pytest.approx(_best_possible_r(G))


@pytest.mark.parametrize(
    "G",
    [
        nx.gnp_random_graph(60, 0.05, seed=1),
        nx.barabasi_albert_graph(120, 2, seed=2),
        nx.random_geometric_graph(150, 0.12, seed=3),
        nx.relabel_nodes(nx.karate_club_graph(), str),
        nx.disjoint_union(nx.complete_graph(5), nx.path_graph(6)),
    ],
    ids=["gnp", "ba", "geometric", "string-labels", "disconnected"],
)
def test_order_is_a_permutation_of_all_nodes(G: nx.Graph) -> None:
    order = dismantling_order(G, seed=0)

    assert len(order) == G.number_of_nodes()
    assert set(order) == set(G)


def test_beats_adaptive_degree_on_a_spatial_graph() -> None:
    G = nx.random_geometric_graph(300, 0.09, seed=7)

    ours = robustness(G, dismantling_order(G, seed=0))

    assert ours < 0.8 * robustness(G, _adaptive_degree_order(G))


def test_same_seed_same_order_and_other_seeds_still_good() -> None:
    G = nx.random_geometric_graph(200, 0.1, seed=5)

    first = dismantling_order(G, seed=42)
    again = dismantling_order(G, seed=42)
    other = dismantling_order(G, seed=random.Random(43))

    assert first == again
    assert robustness(G, other) < 1.25 * robustness(G, first)


def test_null_graph_and_single_node() -> None:
    assert dismantling_order(nx.Graph(), seed=0) == []
    assert dismantling_order(nx.empty_graph(["x"]), seed=0) == ["x"]


def test_direction_parallel_edges_and_self_loops_are_ignored() -> None:
    G = nx.random_geometric_graph(80, 0.16, seed=11)
    directed = nx.DiGraph()
    directed.add_nodes_from(G)
    directed.add_edges_from((v, u) if (u + v) % 2 else (u, v) for u, v in G.edges())
    directed.add_edge(0, 0)
    multi = nx.MultiGraph(G)
    multi.add_edges_from(list(G.edges())[:20])
    multi.add_edge(3, 3)

    expected = dismantling_order(G, seed=9)

    assert dismantling_order(directed, seed=9) == expected
    assert dismantling_order(multi, seed=9) == expected
    assert dismantling_order(nx.MultiDiGraph(directed), seed=9) == expected


def test_without_betweenness_work_still_dismantles() -> None:
    G = nx.random_geometric_graph(200, 0.1, seed=5)

    order = dismantling_order(G, seed=0, max_work=0)

    assert set(order) == set(G)
    assert robustness(G, order) < robustness(G, _adaptive_degree_order(G))


def test_negative_work_budget_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_work"):
        dismantling_order(nx.path_graph(3), max_work=-1)


@pytest.mark.parametrize(
    "G",
    [
        nx.barabasi_albert_graph(1500, 3, seed=2),
        nx.grid_2d_graph(30, 30),
        nx.watts_strogatz_graph(1000, 4, 0.1, seed=4),
        nx.MultiDiGraph(nx.gnp_random_graph(800, 0.004, seed=3, directed=True)),
    ],
    ids=["scale-free", "grid", "small-world", "directed"],
)
def test_compiled_kernels_give_the_pure_python_order(G: nx.Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large graphs take the compiled kernels, small ones the pure-Python twins: both must give the same order.
    monkeypatch.setattr(dismantling, "KERNEL_MIN_ELEMENTS", 10**12)
    in_python = dismantling_order(G, seed=5, max_work=2_000_000)
    monkeypatch.setattr(dismantling, "KERNEL_MIN_ELEMENTS", 0)
    assert dismantling_order(G, seed=5, max_work=2_000_000) == in_python
