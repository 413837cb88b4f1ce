"""Fragmentation metrics and disruption impact, on a small ecosystem worked out by hand."""

from __future__ import annotations

import networkx as nx
import pytest

from atlas_graph.analysis.fragmentation import (
    DEPENDENCY_EDGES,
    disruption_impact,
    fragmentation_metrics,
)
from tests.unit.analysis.graphs import BPH, RAAS, ecosystem


def test_two_equal_components_by_hand() -> None:
    G = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))

    metrics = fragmentation_metrics(G)

    # 2 * 3 pairs connected out of 15; F = 1 - (3*2 + 3*2) / (6*5).
    assert (metrics.nodes, metrics.components, metrics.largest_component) == (6, 2, 3)
    assert metrics.pairwise_connectivity == 6
    assert metrics.fragmentation == pytest.approx(1 - 12 / 30)


def test_pairwise_connectivity_by_hand() -> None:
    G = nx.path_graph(4)
    G.add_node("lonely")

    metrics = fragmentation_metrics(G)

    assert metrics.pairwise_connectivity == 6  # the path's 4*3/2 pairs; the isolated node connects none
    assert metrics.fragmentation == pytest.approx(1 - 12 / 20)


def test_connected_graph_is_not_fragmented_and_isolated_nodes_fully_are() -> None:
    assert fragmentation_metrics(nx.complete_graph(5)).fragmentation == 0.0
    assert fragmentation_metrics(nx.empty_graph(4)).fragmentation == 1.0


def test_ecosystem_metrics_by_hand() -> None:
    metrics = fragmentation_metrics(ecosystem())

    assert (metrics.components, metrics.largest_component) == (2, 8)
    assert metrics.pairwise_connectivity == 8 * 7 // 2 + 4 * 3 // 2
    assert metrics.fragmentation == pytest.approx(1 - (8 * 7 + 4 * 3) / (12 * 11))
    assert metrics.actor_victim_pairs == 2  # affiliate_a -> hospital, fin7 -> bank
    lockbit = frozenset({RAAS, BPH})
    assert metrics.service_access == {
        "lockbit_core": lockbit,
        "affiliate_a": lockbit,  # through the core group, its programme and the programme's hoster
        "affiliate_b": lockbit,
        "fin7": frozenset({BPH, "crypting"}),
    }


def test_actors_lose_their_only_bulletproof_hoster() -> None:
    impact = disruption_impact(ecosystem(), ["bph_1"])

    assert impact.lost_service_access == {
        "lockbit_core": frozenset({BPH}),
        "affiliate_a": frozenset({BPH}),
        "affiliate_b": frozenset({BPH}),
    }
    assert "fin7" in impact.after.service_access  # it keeps bph_2
    assert impact.components_created == 1  # the C2 server is cut off
    assert (impact.before.components, impact.after.components) == (2, 3)
    assert impact.actor_victim_pairs_cut == 0


def test_removing_an_actor_cuts_its_victim_pairs_and_is_not_listed_as_losing_access() -> None:
    impact = disruption_impact(ecosystem(), {"affiliate_a", "fin7"})

    assert impact.actor_victim_pairs_cut == 2
    assert impact.after.actor_victim_pairs == 0
    assert impact.lost_service_access == {}
    assert impact.removed == frozenset({"affiliate_a", "fin7"})


def test_removing_a_whole_component_creates_no_component() -> None:
    impact = disruption_impact(ecosystem(), ["fin7", "bph_2", "crypter", "bank"])

    assert impact.components_created == 0
    assert impact.after.components == 1


def test_removing_nothing_changes_nothing() -> None:
    impact = disruption_impact(ecosystem(), [])

    assert impact.before == impact.after
    assert impact.components_created == 0


def test_dependency_directions_can_be_redefined() -> None:
    supplier_depends_on_client = {**DEPENDENCY_EDGES, "SUPPLIES": "forward"}

    metrics = fragmentation_metrics(ecosystem(), dependency_edges=supplier_depends_on_client)

    assert metrics.service_access["fin7"] == frozenset({BPH})


def test_victims_reached_through_the_programme_count() -> None:
    G = ecosystem()
    G.add_edge("lockbit_raas", "bank", key="TARGETS", type="TARGETS")

    # Both affiliates and the core group now reach the bank through the programme.
    assert fragmentation_metrics(G).actor_victim_pairs == 2 + 3


def test_undirected_graphs_count_dependencies_both_ways() -> None:
    G = nx.Graph()
    G.add_node("a", kind="actor")
    G.add_node("host", kind="service_provider", category=BPH)
    G.add_edge("host", "a", type="USES")  # in a digraph the host would depend on the actor, not the reverse

    assert fragmentation_metrics(G).service_access == {"a": frozenset({BPH})}


def test_empty_graph() -> None:
    metrics = fragmentation_metrics(nx.MultiDiGraph())

    assert (metrics.nodes, metrics.components, metrics.largest_component) == (0, 0, 0)
    assert (metrics.pairwise_connectivity, metrics.fragmentation, metrics.actor_victim_pairs) == (0, 0.0, 0)


def test_unknown_nodes_to_remove_are_refused() -> None:
    with pytest.raises(nx.NodeNotFound):
        disruption_impact(ecosystem(), ["no_such_node"])


def test_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError):
        fragmentation_metrics(ecosystem(), dependency_edges={"USES": "sideways"})  # type: ignore[dict-item]


def test_progress_rises_to_one() -> None:
    seen: list[float] = []

    disruption_impact(ecosystem(), ["bph_1"], progress=seen.append)

    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert 0.5 in seen  # the metrics before the removal are done halfway
