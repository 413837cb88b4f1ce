"""The shared searches: reach closures checked against NetworkX's descendants, and the numbered views."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from atlas_graph.analysis import _adjacency
from atlas_graph.analysis._adjacency import (
    ServiceAccess,
    component_sizes,
    dependency_view,
    reach_closure,
    service_losses,
    single_removals,
    undirected_view,
)
from atlas_graph.analysis.fragmentation import DEPENDENCY_EDGES
from tests.unit.analysis.graphs import random_typed_ecosystem


def _random_digraph(seed: int) -> nx.DiGraph:
    return nx.gnm_random_graph(40, 70, seed=seed, directed=True)


def _successors(D: nx.DiGraph) -> list[list[int]]:
    return [sorted(D.successors(v)) for v in range(len(D))]


@pytest.mark.parametrize("seed", range(6))
def test_closure_is_the_or_of_everything_reachable(seed: int) -> None:
    D = _random_digraph(seed)
    marks = [1 << v if v % 3 == 0 else 0 for v in D]

    closure = reach_closure(_successors(D), marks)

    for v in D:
        expected = 0
        for w in nx.descendants(D, v) | {v}:
            expected |= marks[w]
        assert closure[v] == expected


@pytest.mark.parametrize("seed", range(6))
def test_removed_nodes_are_absent(seed: int) -> None:
    D = _random_digraph(seed)
    removed = bytearray(len(D))
    for v in (0, 1, 2, 3):
        removed[v] = 1

    closure = reach_closure(_successors(D), [1 << v for v in D], removed=removed)

    H = D.subgraph(set(D) - {0, 1, 2, 3})
    for v in H:
        assert closure[v] == sum(1 << w for w in nx.descendants(H, v) | {v})


@pytest.mark.parametrize("seed", range(6))
def test_kept_closures_equal_the_full_ones(seed: int) -> None:
    D = _random_digraph(seed)
    marks = [1 << v if v % 2 else 0 for v in D]
    keep = bytearray(v % 4 == 0 for v in D)

    kept = reach_closure(_successors(D), marks, keep=keep)

    full = reach_closure(_successors(D), marks)
    assert [kept[v] for v in D if keep[v]] == [full[v] for v in D if keep[v]]


@pytest.mark.parametrize("seed", range(6))
def test_upstream_recount_matches_a_full_recount(seed: int) -> None:
    rng = random.Random(seed)
    B = nx.gnm_random_graph(40, 90, seed=seed, directed=True)
    G = nx.MultiDiGraph()
    for v in B:
        kind = rng.choice(["actor", "actor", "service_provider", "financier"])
        G.add_node(v, kind=kind, category=rng.choice(["botnet", "crypting", "forum"]))
    for u, v in B.edges():
        rel = rng.choice(["USES", "SUPPLIES", "PAYS", "LAUNDERS_FOR", "TARGETS"])
        G.add_edge(u, v, key=rel, type=rel)
    access = ServiceAccess(G, DEPENDENCY_EDGES)
    closure = access.closure()

    for v in G:
        full = access.closure(access.view.flags([v]))
        changed = access.changed_masks(v, closure)
        for actor in access.actors:
            node = access.view.nodes[actor]
            if node == v:
                continue
            assert changed.get(node, closure[actor]) == full[actor]


def test_views_number_nodes_in_graph_order_and_drop_repeats() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("b", "a", key="USES", type="USES")
    G.add_edge("a", "b", key="SUPPLIES", type="SUPPLIES")
    G.add_edge("a", "a", key="PAYS", type="PAYS")
    G.add_node("c")

    undirected = undirected_view(G)
    dependencies = dependency_view(G, DEPENDENCY_EDGES)

    assert undirected.nodes == ["b", "a", "c"]
    assert undirected.links == [[1], [0], []]
    assert dependencies.links == [[1], [], []]  # b uses a; a supplies b: both say b depends on a
    assert component_sizes(undirected) == [2, 1]
    assert component_sizes(undirected, undirected.flags(["a"])) == [1, 1]


@pytest.mark.parametrize("categories", [5, 70])
def test_compiled_service_losses_match_the_upstream_recount(categories: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # 70 service kinds do not fit the compiled search's word: the general search answers, with the same result.
    G = random_typed_ecosystem(500, 900, seed=categories, categories=categories)
    nodes = list(G)[:60]
    monkeypatch.setattr(_adjacency, "KERNEL_MIN_ELEMENTS", 10**12)
    in_python = service_losses(G, DEPENDENCY_EDGES, nodes)
    monkeypatch.setattr(_adjacency, "KERNEL_MIN_ELEMENTS", 0)
    compiled = service_losses(G, DEPENDENCY_EDGES, nodes)

    assert compiled == in_python
    assert sum(actors for actors, _ in compiled.values()) > 0


def test_single_removals_match_removing_each_node(monkeypatch: pytest.MonkeyPatch) -> None:
    G = nx.Graph(random_typed_ecosystem(300, 330, seed=4).to_undirected())
    view = undirected_view(G)
    nodes = list(G)[:40]
    in_python = single_removals(view, nodes)
    monkeypatch.setattr(_adjacency, "KERNEL_MIN_ELEMENTS", 0)
    compiled = single_removals(view, nodes)

    for removals in (in_python, compiled):
        for v in nodes:
            component = nx.node_connected_component(G, v)
            rest = G.subgraph(component - {v})
            assert removals.pieces[v] == tuple(sorted(map(len, nx.connected_components(rest)), reverse=True))
            assert removals.component_size[v] == len(component)
        assert removals.component_sizes == sorted(map(len, nx.connected_components(G)), reverse=True)
    assert any(len(pieces) > 1 for pieces in compiled.pieces.values())
