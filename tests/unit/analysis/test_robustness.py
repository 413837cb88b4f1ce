"""LCC curves and Schneider's R, on graphs small enough to count by hand or by brute force."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from atlas_graph.analysis.robustness import lcc_curve, removal_fraction_to_reach, robustness


def _naive_curve(G: nx.Graph, order: list[object]) -> list[int]:
    H = nx.Graph(G)
    curve = [max((len(c) for c in nx.connected_components(H)), default=0)]
    for v in order:
        H.remove_node(v)
        curve.append(max((len(c) for c in nx.connected_components(H)), default=0))
    return curve


def test_path_cut_in_the_middle_first() -> None:
    G = nx.path_graph(5)

    assert lcc_curve(G, [2, 0, 3, 1, 4]) == [5, 2, 2, 1, 1, 0]
    assert robustness(G, [2, 0, 3, 1, 4]) == pytest.approx((2 + 2 + 1 + 1 + 0) / 25)
    assert lcc_curve(G, [2, 0, 1, 3, 4]) == [5, 2, 2, 2, 1, 0]


def test_path_eaten_from_one_end() -> None:
    G = nx.path_graph(4)

    assert lcc_curve(G, [0, 1, 2, 3]) == [4, 3, 2, 1, 0]
    assert robustness(G, [0, 1, 2, 3]) == pytest.approx((3 + 2 + 1 + 0) / 16)


def test_star_centre_first_is_better_than_leaves_first() -> None:
    G = nx.star_graph(4)

    assert robustness(G, [0, 1, 2, 3, 4]) == pytest.approx(4 / 25)
    assert robustness(G, [1, 2, 3, 4, 0]) == pytest.approx((4 + 3 + 2 + 1) / 25)


def test_isolated_nodes_do_not_depend_on_the_order() -> None:
    G = nx.empty_graph(4)

    assert robustness(G, [3, 1, 0, 2]) == pytest.approx(3 / 16)


def test_null_graph_and_single_node() -> None:
    assert lcc_curve(nx.Graph(), []) == [0]
    assert robustness(nx.Graph(), []) == 0.0
    assert removal_fraction_to_reach(nx.Graph(), [], 0.1) == 0.0
    assert lcc_curve(nx.Graph([("a", "a")]), ["a"]) == [1, 0]
    assert robustness(nx.empty_graph(["a"]), ["a"]) == 0.0


def test_direction_parallel_edges_and_self_loops_are_ignored() -> None:
    order = [1, 3, 0, 2, 4]
    undirected = nx.cycle_graph(5)
    directed = nx.DiGraph([(0, 1), (2, 1), (2, 3), (3, 4), (0, 4), (4, 4)])
    multi = nx.MultiGraph(undirected)
    multi.add_edges_from([(0, 1), (0, 1), (2, 2)])

    expected = lcc_curve(undirected, order)
    assert expected == [5, 4, 2, 1, 1, 0]
    assert lcc_curve(directed, order) == expected
    assert lcc_curve(multi, order) == expected
    assert lcc_curve(nx.MultiDiGraph(directed), order) == expected


@pytest.mark.parametrize("seed", range(20))
def test_curve_matches_recomputing_components_after_each_removal(seed: int) -> None:
    rng = random.Random(seed)
    G = nx.gnp_random_graph(rng.randint(1, 40), rng.choice([0.03, 0.08, 0.2]), seed=seed)
    order = list(G)
    rng.shuffle(order)

    assert lcc_curve(G, order) == _naive_curve(G, order)


def test_fraction_to_reach_counts_removals_until_the_lcc_is_small_enough() -> None:
    G = nx.path_graph(5)
    order = [2, 0, 3, 1, 4]

    assert removal_fraction_to_reach(G, order, 1.0) == 0.0
    assert removal_fraction_to_reach(G, order, 0.4) == pytest.approx(1 / 5)
    assert removal_fraction_to_reach(G, order, 0.2) == pytest.approx(3 / 5)
    assert removal_fraction_to_reach(G, order, 0.0) == 1.0


@pytest.mark.parametrize("fraction", [-0.1, 1.5])
def test_fraction_outside_zero_one_is_rejected(fraction: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        removal_fraction_to_reach(nx.path_graph(3), [0, 1, 2], fraction)


@pytest.mark.parametrize(
    "order",
    [[0, 1, 2], [0, 1, 2, 3, 3], [0, 1, 2, 9], [0, 0, 1, 2]],
    ids=["missing", "repeated", "foreign", "duplicate"],
)
def test_order_must_be_a_permutation_of_the_nodes(order: list[int]) -> None:
    with pytest.raises(nx.NetworkXError, match="order"):
        robustness(nx.path_graph(4), order)
