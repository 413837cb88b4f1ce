"""The scope an answer names: its node and edge counts, from the projection's rows and columns, are the graph's."""

from __future__ import annotations

from atlas_graph.services.plans import scope_out
from atlas_graph.store.projection import NodeRow, assemble
from atlas_graph.store.scope import GraphScope

NODES: list[NodeRow] = [
    ("victim", "victim", "Hospital", None, (), 1.0),
    ("bph", "service_provider", "Host East", "bulletproof_hosting", ("DE",), 3.0),
    ("gang", "actor", "Gang", None, ("RU",), 1.0),
]


def test_the_counts_are_the_graphs() -> None:
    groups = [
        ["gang", ["victim", "bph", "bph"], ["TARGETS", "USES", "OPERATES"], [60, 90, 40], [1, 2, 1]],
        ["bph", ["victim"], ["TARGETS"], [30], [1]],
    ]
    projection = assemble(NODES, groups, graph_version="7")
    scope = scope_out(projection, GraphScope())
    assert (scope.nodes, scope.edges) == (3, 4)
    assert (scope.nodes, scope.edges) == (projection.graph.number_of_nodes(), projection.graph.number_of_edges())


def test_rows_with_the_same_ends_and_type_are_one_edge_of_the_graph() -> None:
    # Two rows gang -USES-> bph (as two relationships of one type between the same entities would give): the graph
    # keys its edges by type, so they are one edge there, and the scope counts them as the graph does.
    groups = [["gang", ["bph", "victim", "bph"], ["USES", "TARGETS", "USES"], [90, 60, 50], [2, 1, 1]]]
    projection = assemble(NODES, groups, graph_version="7")
    assert projection.edge_count == 3
    scope = scope_out(projection, GraphScope())
    assert scope.edges == projection.graph.number_of_edges() == 2


def test_an_empty_projection_counts_nothing() -> None:
    scope = scope_out(assemble([], [], graph_version="1"), GraphScope())
    assert (scope.nodes, scope.edges) == (0, 0)
