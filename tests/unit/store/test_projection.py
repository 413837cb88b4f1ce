"""The projection's rows and columns: the graph they build, its order, its digest, and what a pickle carries."""

from __future__ import annotations

import pickle

import networkx as nx

from atlas_graph.store.projection import NodeRow, assemble

NODES: list[NodeRow] = [
    ("victim", "victim", "Hospital", None, (), 1.0),
    ("bph", "service_provider", "Host East", "bulletproof_hosting", ("DE", "NL"), 3.0),
    ("gang", "actor", "Gang", None, ("RU",), 1.0),
]
# As the edge query returns them: per source, parallel lists of targets, types, confidences, organizations.
GROUPS = [
    ["gang", ["victim", "bph", "bph"], ["TARGETS", "USES", "OPERATES"], [60, 90, 40], [1, 2, 1]],
    ["bph", ["victim"], ["TARGETS"], [30], [1]],
]


def expected_graph() -> nx.MultiDiGraph:
    """The graph built by hand, nodes and edges added in sorted order (ids, then target, then type)."""
    graph = nx.MultiDiGraph()
    for node, kind, name, category, countries, cost in sorted(NODES):
        graph.add_node(node, kind=kind, name=name, category=category, countries=countries, cost=cost)
    for source, target, rel_type, confidence, organizations in [
        ("bph", "victim", "TARGETS", 30, 1),
        ("gang", "bph", "OPERATES", 40, 1),
        ("gang", "bph", "USES", 90, 2),
        ("gang", "victim", "TARGETS", 60, 1),
    ]:
        graph.add_edge(source, target, key=rel_type, type=rel_type, confidence=confidence, organizations=organizations)
    return graph


def ordered(graph: nx.MultiDiGraph) -> tuple[list[object], list[object]]:
    return list(graph.nodes(data=True)), list(graph.edges(keys=True, data=True))


def test_the_rows_build_the_graph_in_sorted_order() -> None:
    projection = assemble(NODES, GROUPS, graph_version="7")
    assert ordered(projection.graph) == ordered(expected_graph())
    assert (projection.node_count, projection.edge_count) == (3, 4)


def test_the_order_the_rows_came_in_changes_neither_the_graph_nor_the_digest() -> None:
    shuffled_groups = [
        ["bph", ["victim"], ["TARGETS"], [30], [1]],
        ["gang", ["bph", "victim", "bph"], ["OPERATES", "TARGETS", "USES"], [40, 60, 90], [1, 1, 2]],
    ]
    first = assemble(NODES, GROUPS, graph_version="7")
    second = assemble(list(reversed(NODES)), shuffled_groups, graph_version="8")
    assert ordered(first.graph) == ordered(second.graph)
    assert first.fingerprint == second.fingerprint


def test_the_digest_changes_with_any_attribute() -> None:
    base = assemble(NODES, GROUPS, graph_version="7").fingerprint
    other_confidence = [GROUPS[0], ["bph", ["victim"], ["TARGETS"], [31], [1]]]
    other_cost = [*NODES[:2], ("gang", "actor", "Gang", None, ("RU",), 2.0)]
    assert assemble(NODES, other_confidence, graph_version="7").fingerprint != base
    assert assemble(other_cost, GROUPS, graph_version="7").fingerprint != base


def test_an_edge_to_an_entity_not_among_the_nodes_is_left_out() -> None:
    # Only a write between the two queries can do this; the edge must not bring in a node without attributes.
    groups = [*GROUPS, ["gone", ["gang"], ["USES"], [50], [1]], ["gang", ["gone"], ["USES"], [50], [1]]]
    assert ordered(assemble(NODES, groups, graph_version="7").graph) == ordered(expected_graph())


def test_a_pickle_carries_the_rows_not_the_graph_and_builds_the_same_graph() -> None:
    projection = assemble(NODES, GROUPS, graph_version="7")
    before = pickle.dumps(projection)
    graph = projection.graph
    assert pickle.dumps(projection) == before, "the built graph does not travel"
    copy = pickle.loads(before)
    assert copy.fingerprint == projection.fingerprint and copy.graph_version == "7"
    assert ordered(copy.graph) == ordered(graph)
    assert copy.graph is copy.graph, "built once per process"


def test_an_empty_projection_has_an_empty_graph() -> None:
    projection = assemble([], [], graph_version="1")
    assert (projection.graph.number_of_nodes(), projection.graph.number_of_edges()) == (0, 0)


def test_the_entities_are_the_graphs_nodes_with_their_attributes_and_no_edge() -> None:
    projection = assemble(NODES, GROUPS, graph_version="7")
    entities = projection.entities()
    assert list(entities.nodes(data=True)) == list(projection.graph.nodes(data=True))
    assert entities.number_of_edges() == 0
