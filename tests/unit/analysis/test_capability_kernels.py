"""The compiled capability kernels answer as their plain Python runs and as the searches they replace."""

from __future__ import annotations

import random

import numpy as np
import pytest

from atlas_graph.analysis import _capability_kernels as kernels
from atlas_graph.analysis._adjacency import dependency_view, reach_closure, relationship_edges
from atlas_graph.analysis.capabilities import LossModel, Substitution, capability_loss, csr, harm
from atlas_graph.analysis.fragmentation import DEPENDENCY_EDGES
from atlas_graph.analysis.plans import _anchor_robust, capability_ranking, capability_scores

from .test_plans import RULES, random_ecosystem


@pytest.mark.parametrize("seed", range(3))
def test_the_closure_without_removed_nodes_is_the_closure_of_the_graph_without_them(seed: int) -> None:
    model = LossModel(random_ecosystem(seed, actors=60, suppliers=40), substitution="none")
    rng = random.Random(seed)
    for size in (1, 2, 5):
        removed = model.flags(rng.sample(model.nodes, size))
        whole = reach_closure(model.successors, model.marks, removed=removed)
        gone = [v for v, flag in enumerate(removed) if flag]
        assert model.closure_without(removed) == whole  # the small graph's path: searches of the upstream
        assert model._closure_without_kernel(removed, gone) == whole  # the large graph's: compiled searches


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("substitution", ["none", "affiliates"])
def test_the_compiled_single_removal_gains_are_those_of_the_plain_run(seed: int, substitution: Substitution) -> None:
    model = LossModel(random_ecosystem(seed + 20, actors=60, suppliers=40), substitution=substitution)
    arrays = model.arrays
    supplies = np.full(len(model.nodes), -1, np.int64)
    for c, group in enumerate(model.suppliers_of):
        supplies[group] = c
    arguments = (
        arrays.succ_ptr,
        arrays.succ_idx,
        arrays.pred_ptr,
        arrays.pred_idx,
        model.reach_rows,
        *model.supplier_arrays,
        supplies,
        np.array(model.scope, np.int64),
        np.array(model.harm, np.float64),
        np.array(model.criticality, np.float64),
        *csr(model.affiliates),
        substitution == "affiliates",
    )
    compiled = kernels.single_removal_gains(*arguments)
    assert compiled.tolist() == kernels.single_removal_gains.py_func(*arguments).tolist()
    assert compiled.any()


@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_nearest_suppliers_are_those_of_the_plain_run(seed: int) -> None:
    model = LossModel(random_ecosystem(seed + 30, actors=60, suppliers=40), substitution="affiliates")
    arrays = model.arrays
    removed = np.frombuffer(bytes(model.flags(random.Random(seed).sample(model.nodes, 3))), np.uint8)
    for bit, group in enumerate(model.suppliers_of):
        starts = np.array(group, np.int64)
        for listed in (1, 3):
            found, counts = kernels.nearest_suppliers(arrays.pred_ptr, arrays.pred_idx, starts, removed, listed)
            plain = kernels.nearest_suppliers.py_func(arrays.pred_ptr, arrays.pred_idx, starts, removed, listed)
            assert found.tolist() == plain[0].tolist() and counts.tolist() == plain[1].tolist(), bit


@pytest.mark.parametrize("substitution", RULES)
def test_the_ranking_is_the_scores_with_the_loss_of_each(substitution: Substitution) -> None:
    G = random_ecosystem(41)
    scores = capability_scores(G, substitution=substitution)
    ranked = capability_ranking(G, substitution=substitution, top=5)
    expected = sorted((v for v in scores if scores[v] > 0), key=lambda v: -scores[v])[:5]
    assert [target.node for target in ranked] == expected
    for target in ranked:
        alone = capability_loss(G, [target.node], substitution=substitution, listed=3)
        assert target.score == scores[target.node] == alone.loss
        assert target.account == alone


@pytest.mark.parametrize("seed", range(3))
def test_the_model_reads_the_multigraph_as_the_dependency_view_and_harm_do(seed: int) -> None:
    G = random_ecosystem(seed + 50, actors=40, suppliers=30)
    model = LossModel(G, substitution="affiliates")
    assert model.successors == dependency_view(G, DEPENDENCY_EDGES).links  # the same lists, in the same order
    assert {model.nodes[a]: model.harm[a] for a in model.all_actors} == harm(G)
    affiliates = {(u, v) for u, v, rel in relationship_edges(G) if rel == "AFFILIATED_WITH" and u != v}
    expected = [
        sorted({model.index[b] for pair in affiliates if a in pair for b in pair} - {model.index[a]})
        for a in model.nodes
    ]
    assert model.affiliates == expected


def _random_region(seed: int) -> tuple[list[list[int]], bytearray, bytearray, list[float], list[int]]:
    """Successor lists with cycles, some nodes anchored (no successors), candidates with costs, and the starts."""
    rng = random.Random(seed)
    n = 120
    successors = [rng.sample(range(n), rng.randint(0, 4)) for _ in range(n)]
    anchored = bytearray(1 if rng.random() < 0.15 else 0 for _ in range(n))
    for u in range(n):
        if anchored[u]:
            successors[u] = []
        successors[u] = [w for w in successors[u] if w != u]
    removable = bytearray(1 if rng.random() < 0.6 else 0 for _ in range(n))
    cost = [float(rng.choice((1, 2, 3, 4))) for _ in range(n)]
    starts = list(dict.fromkeys(rng.choice(range(n)) for _ in range(30)))
    return successors, anchored, removable, cost, starts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("room", [2.0, 5.0, 9.0])
def test_the_compiled_anchoring_anchors_the_nodes_the_plain_one_does(seed: int, room: float) -> None:
    successors, anchored, removable, cost, starts = _random_region(seed)
    plain = bytearray(anchored)
    _anchor_robust([list(following) for following in successors], plain, removable, cost, room, starts)
    indptr, indices = csr(successors)
    for run in (kernels.anchor_robust, kernels.anchor_robust.py_func):
        flags = np.frombuffer(anchored, np.uint8).copy()
        run(
            indptr,
            indices,
            flags,
            np.frombuffer(removable, np.uint8),
            np.array(cost, np.float64),
            room,
            np.array(starts, np.int64),
        )
        assert flags.tolist() == list(plain)
    assert plain != anchored  # the searches anchored some nodes beyond the given ones
