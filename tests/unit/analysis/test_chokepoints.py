"""Chokepoint ranking: hand-checked rankings, metrics recomputed by brute force, and the explanations."""

from __future__ import annotations

import networkx as nx
import pytest

from atlas_graph.analysis import _adjacency
from atlas_graph.analysis.chokepoints import rank_chokepoints
from atlas_graph.analysis.dismantling import dismantling_order
from tests.unit.analysis.graphs import BPH, RAAS, ecosystem, random_typed_ecosystem

METHODS = ["fragmentation", "betweenness", "articulation", "degree"]


def kinded_star() -> nx.Graph:
    """A RaaS at the centre of two actors and two victims."""
    G = nx.star_graph(4)
    nx.set_node_attributes(G, {0: "service_provider", 1: "actor", 2: "actor", 3: "victim", 4: "victim"}, "kind")
    return G


def pairwise_connectivity(G: nx.Graph) -> int:
    return sum(len(c) * (len(c) - 1) // 2 for c in nx.connected_components(G))


def random_ecosystem(seed: int) -> nx.Graph:
    G = nx.gnm_random_graph(60, 80, seed=seed)
    kinds = ["actor", "service_provider", "financier", "infrastructure", "victim"]
    nx.set_node_attributes(G, {v: kinds[v % 5] for v in G}, "kind")
    return G


@pytest.mark.parametrize("method", METHODS)
def test_star_centre_is_ranked_first(method: str) -> None:
    best = rank_chokepoints(kinded_star(), method=method, top=3)[0]  # type: ignore[arg-type]

    assert (best.node, best.rank) == (0, 1)
    assert best.metrics["pieces"] == (1, 1, 1, 1)


def test_articulation_scores_by_hand_on_a_path() -> None:
    ranked = rank_chokepoints(nx.path_graph(5), method="articulation")

    # 10 connected pairs; removing 2 leaves 2 + 2 nodes: 6 - 2 pairs cut; removing 1 or 3: 6 - 3.
    assert [(c.node, c.rank, c.score) for c in ranked] == [(2, 1, 0.4), (1, 2, 0.3), (3, 3, 0.3)]


def test_degree_scores_by_hand() -> None:
    ranked = rank_chokepoints(nx.star_graph(4), method="degree", top=2)

    assert [(c.node, c.score) for c in ranked] == [(0, 1.0), (1, 0.25)]


def test_service_providers_whose_loss_strands_actors() -> None:
    ranked = rank_chokepoints(ecosystem(), method="articulation", kinds=["service_provider"])

    assert [c.node for c in ranked] == ["lockbit_raas", "bph_1"]
    raas, hoster = ranked
    assert hoster.metrics["actors_losing_service"] == 3
    assert hoster.metrics["service_losses"] == {BPH: 3}
    assert hoster.metrics["pieces"] == (6, 1)
    assert raas.metrics["service_losses"] == {BPH: 3, RAAS: 3}
    assert hoster.explanation.startswith(
        "Removing bph_1 (service provider, bulletproof hosting) splits its component of 8 nodes "
        "into 2 parts of 6 and 1 nodes; "
        "3 actors lose their only route to bulletproof hosting; "
    )
    assert "3 actors lose their only route to a service kind (3 to bulletproof hosting and 3 to" in (raas.explanation)


def test_explanation_reports_the_route_share_it_carries() -> None:
    (raas,) = rank_chokepoints(ecosystem(), method="betweenness", top=1)

    share = raas.metrics["betweenness_share"]
    assert isinstance(share, float) and share > 0
    assert f"{share:.0%} of shortest actor-to-victim and actor-to-financier routes pass through it" in (
        raas.explanation
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kinds", [["service_provider"], ["financier", "infrastructure"]])
def test_kinds_filter_is_respected(method: str, kinds: list[str]) -> None:
    G = random_ecosystem(1)

    ranked = rank_chokepoints(G, method=method, top=5, kinds=kinds)  # type: ignore[arg-type]

    assert ranked
    assert all(G.nodes[c.node]["kind"] in kinds for c in ranked)


def test_fragmentation_follows_the_dismantling_order_filtered_by_kind() -> None:
    G = random_ecosystem(2)

    ranked = rank_chokepoints(G, top=6, kinds=["actor"], seed=4)

    expected = [v for v in dismantling_order(G, seed=4) if G.nodes[v]["kind"] == "actor"][:6]
    assert [c.node for c in ranked] == expected


@pytest.mark.parametrize("seed", range(3))
def test_fragmentation_steps_match_removing_and_recounting(seed: int) -> None:
    G = random_ecosystem(seed)
    initial = pairwise_connectivity(G)

    ranked = rank_chokepoints(G, top=8, kinds=["actor", "service_provider"], seed=seed)

    H = G.copy()
    before = initial
    for chokepoint in ranked:
        H.remove_node(chokepoint.node)
        after = pairwise_connectivity(H)
        assert chokepoint.metrics["step_connectivity_drop"] == before - after
        # Issue 14: the score follows the order (what is still connected when the removal comes).
        assert chokepoint.score == pytest.approx(before / initial)
        assert chokepoint.metrics["connectivity_removed"] == pytest.approx(1 - after / initial)
        assert chokepoint.metrics["lcc_after_step"] == max(len(c) for c in nx.connected_components(H))
        before = after


@pytest.mark.parametrize("method", METHODS)
def test_lcc_drop_and_pieces_match_removing_the_node_alone(method: str) -> None:
    G = random_ecosystem(5)
    lcc = max(len(c) for c in nx.connected_components(G))

    for chokepoint in rank_chokepoints(G, method=method, top=5, seed=1):  # type: ignore[arg-type]
        H = G.copy()
        component = nx.node_connected_component(G, chokepoint.node)
        H.remove_node(chokepoint.node)
        pieces = sorted((len(c) for c in nx.connected_components(H.subgraph(component))), reverse=True)
        assert chokepoint.metrics["pieces"] == tuple(pieces)
        assert chokepoint.metrics["lcc_drop"] == lcc - max(len(c) for c in nx.connected_components(H))


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_ranking(method: str) -> None:
    G = random_ecosystem(3)

    first = rank_chokepoints(G, method=method, seed=11)  # type: ignore[arg-type]
    again = rank_chokepoints(G, method=method, seed=11)  # type: ignore[arg-type]

    assert first == again
    assert [c.rank for c in first] == list(range(1, len(first) + 1))


def test_isolated_node_is_explained_as_such() -> None:
    G = nx.path_graph(3)
    G.add_node("loner")

    ranked = rank_chokepoints(G, top=4)

    (loner,) = [c for c in ranked if c.node == "loner"]
    assert loner.explanation.startswith("Removing loner splits nothing (it is isolated)")


def test_top_limits_the_ranking() -> None:
    assert len(rank_chokepoints(nx.path_graph(10), method="degree", top=3)) == 3


def test_empty_graph_has_no_chokepoints() -> None:
    for method in METHODS:
        assert rank_chokepoints(nx.MultiDiGraph(), method=method) == []  # type: ignore[arg-type]


def test_progress_rises_to_one() -> None:
    seen: list[float] = []

    rank_chokepoints(ecosystem(), progress=seen.append)

    assert seen[-1] == 1.0
    assert seen == sorted(seen)


@pytest.mark.parametrize("options", [{"method": "pagerank"}, {"top": 0}, {"kinds": ["actors"]}])
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        rank_chokepoints(ecosystem(), **options)  # type: ignore[arg-type]


def test_many_parts_are_summed_up() -> None:
    (centre,) = rank_chokepoints(nx.star_graph(7), method="articulation", top=1)

    assert "splits its component of 8 nodes into 7 parts of 1, 1, 1 and 1 nodes and 3 more with 3 nodes" in (
        centre.explanation
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(3))
def test_compiled_kernels_give_the_pure_python_ranking(method: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large graphs take the compiled kernels (betweenness, service losses, pieces, replay), small ones the
    # pure-Python twins: the same chokepoints, metrics and explanations.
    G = random_typed_ecosystem(400, 600, seed=seed)
    monkeypatch.setattr(_adjacency, "KERNEL_MIN_ELEMENTS", 10**12)
    in_python = rank_chokepoints(G, method=method, top=8, seed=seed)  # type: ignore[arg-type]
    monkeypatch.setattr(_adjacency, "KERNEL_MIN_ELEMENTS", 0)
    compiled = rank_chokepoints(G, method=method, top=8, seed=seed)  # type: ignore[arg-type]

    assert compiled == in_python
    assert any(point.metrics["actors_losing_service"] for point in compiled)
    assert any(point.metrics["parts"] > 1 for point in compiled)
