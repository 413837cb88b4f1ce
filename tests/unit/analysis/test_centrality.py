"""Supply-chain betweenness on graphs whose route shares are known by hand or by enumeration."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from atlas_graph.analysis import _adjacency
from atlas_graph.analysis.centrality import supply_chain_betweenness
from tests.unit.analysis.graphs import random_typed_ecosystem


def _with_kinds(G: nx.Graph, kinds: dict[object, str]) -> nx.Graph:
    nx.set_node_attributes(G, kinds, "kind")
    return G


def _shares_by_enumeration(G: nx.Graph, actors: list[int], targets: list[int]) -> dict[object, float]:
    through = dict.fromkeys(G, 0.0)
    pairs = 0
    for s, t in itertools.product(actors, targets):
        if not nx.has_path(G, s, t):
            continue
        pairs += 1
        paths = list(nx.all_shortest_paths(G, s, t))
        for path in paths:
            for v in path[1:-1]:
                through[v] += 1 / len(paths)
    return {v: (x / pairs if pairs else 0.0) for v, x in through.items()}


def test_every_route_of_a_path_runs_through_its_inner_nodes() -> None:
    G = _with_kinds(nx.path_graph(["a", "x", "y", "v"]), {"a": "actor", "v": "victim"})

    result = supply_chain_betweenness(G)

    assert result.shares == {"a": 0.0, "x": 1.0, "y": 1.0, "v": 0.0}
    assert (result.sources, result.sampled_sources, result.targets, result.routes) == (1, 1, 1, 1)


def test_equal_shortest_routes_split_the_share() -> None:
    G = nx.Graph([("a", "mixer"), ("mixer", "fin"), ("a", "exchange"), ("exchange", "fin")])
    _with_kinds(G, {"a": "actor", "fin": "financier"})

    shares = supply_chain_betweenness(G).shares

    assert shares["mixer"] == pytest.approx(0.5)
    assert shares["exchange"] == pytest.approx(0.5)


def test_routes_against_edge_direction_count() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("provider", "actor", key="SUPPLIES", type="SUPPLIES")
    G.add_edge("mixer", "provider", key="LAUNDERS_FOR", type="LAUNDERS_FOR")
    _with_kinds(G, {"actor": "actor", "provider": "service_provider", "mixer": "financier"})

    assert supply_chain_betweenness(G).shares["provider"] == 1.0


def test_only_the_chosen_target_kinds_end_routes() -> None:
    G = _with_kinds(
        nx.path_graph(["victim", "a", "hub", "fin"]), {"victim": "victim", "a": "actor", "fin": "financier"}
    )

    assert supply_chain_betweenness(G, target_kinds=["victim"]).shares["hub"] == 0.0
    assert supply_chain_betweenness(G, target_kinds=["financier"]).shares["hub"] == 1.0
    assert supply_chain_betweenness(G).shares["hub"] == 0.5


@pytest.mark.parametrize("seed", range(5))
def test_shares_match_enumerating_every_shortest_path(seed: int) -> None:
    G = nx.gnm_random_graph(30, 45, seed=seed)
    actors, targets = list(range(0, 6)), list(range(20, 30))
    _with_kinds(G, {**dict.fromkeys(actors, "actor"), **dict.fromkeys(targets, "victim")})

    shares = supply_chain_betweenness(G).shares

    expected = _shares_by_enumeration(G, actors, targets)
    assert shares == pytest.approx(expected)


def test_large_actor_sets_are_sampled_reproducibly_and_reported() -> None:
    G = nx.gnm_random_graph(60, 150, seed=3)
    _with_kinds(G, {**{v: "actor" for v in range(20)}, **{v: "victim" for v in range(40, 60)}})

    first = supply_chain_betweenness(G, max_sources=5, seed=7)
    again = supply_chain_betweenness(G, max_sources=5, seed=7)

    assert (first.sources, first.sampled_sources, first.sampled) == (20, 5, True)
    assert first.shares == again.shares
    assert all(0.0 <= share <= 1.0 for share in first.shares.values())
    assert first.routes == 5 * 20  # one connected component: every sampled actor reaches every victim


def test_small_actor_sets_are_not_sampled() -> None:
    G = _with_kinds(nx.path_graph(["a", "x", "v"]), {"a": "actor", "v": "victim"})

    result = supply_chain_betweenness(G, max_sources=1, seed=1)

    assert result.sampled is False


def test_no_actors_means_no_routes() -> None:
    result = supply_chain_betweenness(nx.path_graph(4))

    assert result.routes == 0
    assert set(result.shares.values()) == {0.0}


def test_empty_graph() -> None:
    result = supply_chain_betweenness(nx.Graph())

    assert (dict(result.shares), result.sources, result.routes) == ({}, 0, 0)


def test_progress_reaches_one() -> None:
    G = _with_kinds(nx.path_graph(["a", "x", "v"]), {"a": "actor", "v": "victim"})
    seen: list[float] = []

    supply_chain_betweenness(G, progress=seen.append)

    assert seen and seen[-1] == 1.0 and seen == sorted(seen)


@pytest.mark.parametrize("options", [{"max_sources": 0}, {"target_kinds": ["actor"]}, {"target_kinds": ["victims"]}])
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        supply_chain_betweenness(nx.path_graph(3), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_sources", [None, 7])
@pytest.mark.parametrize("seed", range(3))
def test_compiled_kernel_gives_networkx_shares_to_the_bit(
    seed: int, max_sources: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large graphs take the compiled kernel, small ones NetworkX: the same floats, not merely close ones.
    G = random_typed_ecosystem(300, 700, seed=seed)
    monkeypatch.setattr(_adjacency, "KERNEL_MIN_ELEMENTS", 10**12)
    by_networkx = supply_chain_betweenness(G, max_sources=max_sources, seed=seed)
    monkeypatch.setattr(_adjacency, "KERNEL_MIN_ELEMENTS", 0)
    compiled = supply_chain_betweenness(G, max_sources=max_sources, seed=seed)

    assert compiled == by_networkx
    assert compiled.routes > 0 and max(compiled.shares.values()) > 0
