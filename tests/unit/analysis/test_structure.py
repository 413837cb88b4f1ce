"""Cut vertices and bridges, on graphs whose pieces are known by hand or by brute force."""

from __future__ import annotations

import networkx as nx
import pytest

from atlas_graph.analysis.structure import articulation_points, bridges


def _pieces_by_removal(G: nx.Graph, v: object) -> tuple[int, ...]:
    component = nx.node_connected_component(G, v)
    rest = G.subgraph(component - {v})
    return tuple(sorted((len(c) for c in nx.connected_components(rest)), reverse=True))


def test_path_inner_nodes_are_cut_vertices_with_their_pieces() -> None:
    found = {cut.node: cut.piece_sizes for cut in articulation_points(nx.path_graph(5))}

    assert found == {1: (3, 1), 2: (2, 2), 3: (3, 1)}


def test_cut_vertices_come_most_separating_first() -> None:
    found = articulation_points(nx.path_graph(5))

    assert [cut.node for cut in found] == [2, 1, 3]
    assert [cut.separated for cut in found] == [2, 1, 1]


def test_star_centre_leaves_every_leaf_alone() -> None:
    (centre,) = articulation_points(nx.star_graph(4))

    assert (centre.node, centre.component_size, centre.piece_sizes) == (0, 5, (1, 1, 1, 1))


def test_barbell_has_one_bridge_between_equal_sides() -> None:
    G = nx.barbell_graph(4, 0)

    assert [(b.u, b.v, b.side_sizes) for b in bridges(G)] == [(3, 4, (4, 4))]
    assert {cut.node: cut.piece_sizes for cut in articulation_points(G)} == {3: (4, 3), 4: (4, 3)}


def test_barbell_handle_bridges_are_ordered_most_balanced_first() -> None:
    found = bridges(nx.barbell_graph(3, 2))

    assert (found[0].u, found[0].v, found[0].side_sizes) == (3, 4, (4, 4))
    assert {(b.u, b.v, b.side_sizes) for b in found[1:]} == {(2, 3, (3, 5)), (4, 5, (5, 3))}


def test_cycle_has_neither_cut_vertices_nor_bridges() -> None:
    G = nx.cycle_graph(6)

    assert articulation_points(G) == []
    assert bridges(G) == []


def test_direction_and_parallel_edges_are_ignored() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("actor", "raas", key="USES")
    G.add_edge("raas", "actor", key="SUPPLIES")
    G.add_edge("host", "raas", key="SUPPLIES")
    G.add_edge("host", "host", key="PAYS")

    assert {(frozenset((b.u, b.v)), b.separated) for b in bridges(G)} == {
        (frozenset({"actor", "raas"}), 1),
        (frozenset({"raas", "host"}), 1),
    }
    assert {cut.node: cut.piece_sizes for cut in articulation_points(G)} == {"raas": (1, 1)}


def test_empty_and_edgeless_graphs_have_nothing_to_cut() -> None:
    assert articulation_points(nx.empty_graph(0)) == []
    assert bridges(nx.empty_graph(0)) == []
    assert articulation_points(nx.empty_graph(3)) == []


@pytest.mark.parametrize("seed", range(8))
def test_pieces_match_removing_each_node_and_recounting(seed: int) -> None:
    G = nx.gnm_random_graph(40, 48, seed=seed)

    found = {cut.node: cut.piece_sizes for cut in articulation_points(G)}

    assert set(found) == set(nx.articulation_points(G))
    assert found == {v: _pieces_by_removal(G, v) for v in found}


@pytest.mark.parametrize("seed", range(8))
def test_bridge_sides_match_removing_each_bridge(seed: int) -> None:
    G = nx.gnm_random_graph(40, 45, seed=seed)

    for bridge in bridges(G):
        H = G.copy()
        H.remove_edge(bridge.u, bridge.v)
        sides = (len(nx.node_connected_component(H, bridge.u)), len(nx.node_connected_component(H, bridge.v)))
        assert bridge.side_sizes == sides
    assert {frozenset((b.u, b.v)) for b in bridges(G)} == {frozenset(e) for e in nx.bridges(G)}
