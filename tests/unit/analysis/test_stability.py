"""Chokepoint stability under edge resampling by confidence."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from atlas_graph.analysis import stability
from atlas_graph.analysis.chokepoints import rank_chokepoints, ranking_work
from atlas_graph.analysis.dismantling import LinkSampleOrders, dismantling_order
from atlas_graph.analysis.stability import chokepoint_stability

METHODS = ["fragmentation", "betweenness", "articulation", "degree"]


def uncertain_graph(seed: int) -> nx.MultiDiGraph:
    B = nx.gnm_random_graph(50, 90, seed=seed)
    G = nx.MultiDiGraph()
    kinds = ["actor", "service_provider", "financier", "infrastructure", "victim"]
    G.add_nodes_from((v, {"kind": kinds[v % 5]}) for v in B)
    G.add_edges_from((u, v, "PAYS", {"type": "PAYS", "confidence": (u * v) % 101}) for u, v in B.edges())
    return G


def two_stars() -> nx.Graph:
    """Hub 'firm' with five certain links, hub 'rumour' with six links at 10% confidence each."""
    G = nx.Graph()
    G.add_edges_from((("firm", f"f{i}") for i in range(5)), confidence=100)
    G.add_edges_from((("rumour", f"r{i}") for i in range(6)), confidence=10)
    return G


@pytest.mark.parametrize("method", METHODS)
def test_certain_edges_keep_every_chokepoint(method: str) -> None:
    G = uncertain_graph(1)
    nx.set_edge_attributes(G, 100, "confidence")

    result = chokepoint_stability(G, method=method, top=5, samples=4, seed=2)  # type: ignore[arg-type]

    assert result.chokepoints
    assert [c.frequency for c in result.chokepoints] == [1.0] * len(result.chokepoints)
    assert (result.samples, result.top, result.method) == (4, 5, method)


def test_a_chokepoint_resting_on_doubtful_edges_is_unstable() -> None:
    result = chokepoint_stability(two_stars(), method="degree", top=1, samples=40, seed=3)

    (rumour,) = result.chokepoints
    assert rumour.node == "rumour"  # six links beat five before resampling
    assert rumour.frequency < 0.1  # keeping all six has probability 1e-6


def test_edges_without_confidence_are_always_kept() -> None:
    G = nx.star_graph(4)

    result = chokepoint_stability(G, method="degree", top=1, samples=5, seed=0)

    assert [(c.node, c.frequency) for c in result.chokepoints] == [(0, 1.0)]


def test_zero_confidence_removes_every_edge() -> None:
    G = nx.star_graph(4)
    nx.set_edge_attributes(G, 0, "confidence")

    result = chokepoint_stability(G, method="degree", top=1, samples=5, seed=0)

    assert [(c.node, c.frequency) for c in result.chokepoints] == [(0, 0.0)]


@pytest.mark.parametrize("method", ["fragmentation", "degree"])
def test_same_seed_same_frequencies(method: str) -> None:
    G = uncertain_graph(4)

    first = chokepoint_stability(G, method=method, top=5, samples=10, seed=9)  # type: ignore[arg-type]
    again = chokepoint_stability(G, method=method, top=5, samples=10, seed=9)  # type: ignore[arg-type]

    assert first == again
    assert any(0.0 < c.frequency < 1.0 for c in first.chokepoints)  # the edges really were resampled


def test_baseline_is_the_seeded_ranking() -> None:
    G = uncertain_graph(5)

    result = chokepoint_stability(G, top=4, samples=2, kinds=["actor"], seed=6)

    ranked = rank_chokepoints(G, top=4, kinds=["actor"], seed=6)
    assert [(c.node, c.rank) for c in result.chokepoints] == [(c.node, c.rank) for c in ranked]


def test_graph_is_left_untouched() -> None:
    G = uncertain_graph(6)
    edges = G.number_of_edges()

    chokepoint_stability(G, top=3, samples=3, seed=1)

    assert G.number_of_edges() == edges


def test_progress_counts_the_rankings() -> None:
    seen: list[float] = []

    chokepoint_stability(nx.star_graph(3), method="degree", samples=3, seed=0, progress=seen.append)

    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_nothing_to_follow_draws_no_sample() -> None:
    seen: list[float] = []

    result = chokepoint_stability(nx.cycle_graph(5), method="articulation", samples=3, seed=0, progress=seen.append)

    assert (result.chokepoints, result.samples, seen[-1]) == ((), 0, 1.0)


def test_empty_graph() -> None:
    result = chokepoint_stability(nx.MultiDiGraph(), samples=3, seed=0)

    assert (result.chokepoints, result.samples) == ((), 0)


@pytest.mark.parametrize("options", [{"samples": 0}, {"top": 0}, {"method": "random"}, {"kinds": ["bank"]}])
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        chokepoint_stability(nx.star_graph(3), **options)  # type: ignore[arg-type]


def _uncertain_scale_free(nodes: int) -> nx.MultiGraph:
    G = nx.MultiGraph(nx.barabasi_albert_graph(nodes, 2, seed=7))
    G.add_edge(3, 3)  # a self-loop, and a parallel edge: both ignored by the rankings
    G.add_edge(0, 1)
    for index, (u, v, key) in enumerate(G.edges(keys=True)):
        G.edges[u, v, key]["confidence"] = 40 + index % 60
    return G


def test_fragmentation_samples_ranked_on_every_core_count_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    G = _uncertain_scale_free(300)
    monkeypatch.setattr(stability, "PARALLEL_MIN_ELEMENTS", 10**12)
    alone = chokepoint_stability(G, method="fragmentation", top=5, samples=6, seed=3)
    monkeypatch.setattr(stability, "PARALLEL_MIN_ELEMENTS", 0)
    assert chokepoint_stability(G, method="fragmentation", top=5, samples=6, seed=3) == alone
    assert alone.samples == 6 and max(c.frequency for c in alone.chokepoints) > 0


def test_a_sample_is_ranked_as_the_graph_of_its_links() -> None:
    # What stability shares between samples must not change a sample's order: each is that of the sample's graph.
    G = _uncertain_scale_free(400)
    ends = [(u, v) for u, v in G.edges()]
    orders = LinkSampleOrders(list(G), ends, seed=9)
    rng = np.random.default_rng(1)
    for share in (1.0, 0.7, 0.3):
        kept = rng.random(len(ends)) < share
        H = nx.Graph()
        H.add_nodes_from(G)
        H.add_edges_from(end for end, keep in zip(ends, kept, strict=True) if keep)
        expected = dismantling_order(H, seed=9, max_work=ranking_work(H.number_of_nodes(), H.number_of_edges()))
        assert orders.order(kept, ranking_work) == expected
