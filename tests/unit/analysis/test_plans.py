"""Tests of disruption plans: optimal against brute force, better than the rankings, and the budget's rules."""

from __future__ import annotations

import itertools
import random
from collections.abc import Hashable, Iterable

import networkx as nx
import pytest

from atlas_graph.analysis import rank_chokepoints
from atlas_graph.analysis.capabilities import MemberProfile, Substitution, actionable_targets, capability_loss
from atlas_graph.analysis.plans import capability_scores, plan

from .graphs import BPH, planning_example

RULES: tuple[Substitution, ...] = ("none", "affiliates", "market")


def random_ecosystem(seed: int, *, actors: int = 15, suppliers: int = 12) -> nx.MultiDiGraph:
    """Actors using two or three of a few kinds of suppliers, with affiliations, suppliers using suppliers,
    and some software that supplies nothing."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    kinds = [
        ("service_provider", BPH),
        ("service_provider", "crypting"),
        ("financier", "mixer"),
        ("infrastructure", "domain"),
        ("service_provider", "tool"),
    ]
    gangs = [f"actor_{i}" for i in range(actors)]
    sellers = [f"supplier_{i}" for i in range(suppliers)]
    for gang in gangs:
        G.add_node(gang, kind="actor", category="group", cost=rng.choice([1, 2]))
    for seller in sellers:
        kind, category = rng.choice(kinds)
        G.add_node(seller, kind=kind, category=category, cost=rng.choice([1, 1, 2]))
    for i in range(4):
        G.add_node(f"victim_{i}", kind="victim", category="organization")

    def link(u: str, rel: str, v: str) -> None:
        if u != v:
            G.add_edge(u, v, key=rel, type=rel)

    for gang in gangs:
        for seller in rng.sample(sellers, rng.randint(1, 3)):
            link(gang, rng.choice(["USES", "PAYS"]), seller)
        if rng.random() < 0.4:
            link(gang, "AFFILIATED_WITH", rng.choice(gangs))
        if rng.random() < 0.5:
            link(gang, "TARGETS", f"victim_{rng.randrange(4)}")
    for seller in sellers:
        if rng.random() < 0.5:
            link(seller, "USES", rng.choice(sellers))
        if rng.random() < 0.3:
            link(seller, "SUPPLIES", rng.choice(gangs))
    return G


def brute_force(G: nx.MultiDiGraph, budget: float, substitution: Substitution, candidates: Iterable[Hashable]) -> float:
    chosen = list(candidates)
    best = 0.0
    for size in range(len(chosen) + 1):
        for subset in itertools.combinations(chosen, size):
            if sum(G.nodes[v]["cost"] for v in subset) <= budget:
                best = max(best, capability_loss(G, subset, substitution=substitution).loss)
    return best


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("substitution", RULES)
def test_the_plan_is_the_brute_force_optimum(seed: int, substitution: Substitution) -> None:
    G = random_ecosystem(seed)
    rng = random.Random(seed)
    targets = sorted(v for v, data in G.nodes(data=True) if data["kind"] != "victim" and data["category"] != "tool")
    candidates = rng.sample(targets, 11)
    budget = rng.choice([2, 3, 4])
    found = plan(G, budget, substitution=substitution, candidates=candidates, baselines=())
    assert found.objective.optimal
    assert found.objective.solver in ("highs", "greedy", "none")
    assert found.objective.loss == pytest.approx(brute_force(G, budget, substitution, candidates))
    assert found.objective.upper_bound == pytest.approx(found.objective.loss)
    assert sum(target.cost for target in found.targets) <= budget
    assert {target.node for target in found.targets} <= set(candidates)
    chosen = [target.node for target in found.targets]
    assert capability_loss(G, chosen, substitution=substitution).loss == pytest.approx(found.objective.loss)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("substitution", RULES)
def test_each_score_is_the_loss_of_removing_the_target_alone(seed: int, substitution: Substitution) -> None:
    G = random_ecosystem(seed + 10)
    scores = capability_scores(G, substitution=substitution)
    targets = [v for v, data in G.nodes(data=True) if data["kind"] != "victim" and data["category"] != "tool"]
    assert list(scores) == targets
    for target in targets:
        assert scores[target] == capability_loss(G, [target], substitution=substitution).loss, target


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("substitution", RULES)
def test_a_plan_scores_every_target_as_capability_scores_does(seed: int, substitution: Substitution) -> None:
    G = random_ecosystem(seed + 20)
    rng = random.Random(seed)
    actors = rng.sample(sorted(v for v, kind in G.nodes(data="kind") if kind == "actor"), 6)
    criticality = {"financier/mixer": 3.0, f"service_provider/{BPH}": 0.5}
    found = plan(G, 3, substitution=substitution, actors=actors, criticality=criticality, baselines=(), scores=True)
    expected = capability_scores(G, substitution=substitution, actors=actors, criticality=criticality)
    assert found.scores is not None and any(score > 0 for score in expected.values())
    assert list(found.scores.items()) == list(expected.items())
    assert plan(G, 3, substitution=substitution, baselines=()).scores is None


def hand_built() -> tuple[nx.MultiDiGraph, dict[Hashable, tuple[tuple[str, str], ...]]]:
    """Six gangs and three of gang_6's affiliates, the targets a planner is offered, and a coalition.

    Every actor runs PsExec (a dual-use tool); gangs 1-5 trade through a Russian marketplace that pays three
    exchanges; they rent from Host Big (DE) and, each, from one of two hosters abroad with no known country;
    gang_6 and its affiliates rent only from Host Only (NL); the one mixer (NL) launders for all six gangs.
    """
    G = nx.MultiDiGraph()

    def node(v: str, kind: str, category: str, countries: tuple[str, ...] = (), cost: float = 1) -> None:
        G.add_node(v, kind=kind, category=category, name=v, countries=frozenset(countries), cost=cost)

    def link(u: str, rel: str, v: str) -> None:
        G.add_edge(u, v, key=rel, type=rel, confidence=80, organizations=1)

    gangs = [f"gang_{i}" for i in range(1, 7)]
    affiliates = ["affiliate_1", "affiliate_2", "affiliate_3"]
    crews = ["crew_1", "crew_2", "crew_3"]
    exchanges = ["exchange_1", "exchange_2", "exchange_3"]
    for gang in gangs:
        node(gang, "actor", "group", ("RU",), 5)
    for affiliate in affiliates:
        node(affiliate, "actor", "individual", ("RU",), 4)
    for crew in crews:
        node(crew, "actor", "individual", ("BR",), 3)
    node("psexec", "service_provider", "tool")
    node("market_ru", "service_provider", "marketplace", ("RU",), 3)
    node("host_big", "service_provider", BPH, ("DE",), 2)
    node("host_abroad_1", "service_provider", BPH, (), 2)
    node("host_abroad_2", "service_provider", BPH, (), 2)
    node("host_only", "service_provider", BPH, ("NL",), 2)
    node("mixer", "financier", "mixer", ("NL",), 2)
    for exchange in exchanges:
        node(exchange, "financier", "exchange", ("RU",), 2)
        link("market_ru", "PAYS", exchange)
    for i in range(8):
        node(f"victim_{i}", "victim", "organization", ("DE",))
    for i, gang in enumerate(gangs):
        link(gang, "USES", "psexec")
        link("mixer", "LAUNDERS_FOR", gang)
        link(gang, "TARGETS", f"victim_{i}")
    for i, gang in enumerate(gangs[:5]):
        link(gang, "USES", "market_ru")
        link(gang, "USES", "host_big")
        link(gang, "USES", "host_abroad_1" if i % 2 else "host_abroad_2")
    for i, crew in enumerate(crews):
        link(crew, "USES", "psexec")
        link(crew, "TARGETS", f"victim_{i}")
    link("gang_6", "USES", "host_only")
    for affiliate in affiliates:
        link(affiliate, "AFFILIATED_WITH", "gang_6")
        link(affiliate, "USES", "psexec")
    link("gang_6", "TARGETS", "victim_6")
    link("gang_6", "TARGETS", "victim_7")
    link("affiliate_1", "TARGETS", "victim_7")
    coalition = [
        MemberProfile("de-police", frozenset({"DE"}), frozenset({"takedown", "seize", "arrest"})),
        MemberProfile("nl-police", frozenset({"NL"}), frozenset({"takedown", "seize", "arrest"})),
        MemberProfile("nl-fiu", frozenset({"NL"}), frozenset({"freeze"})),
    ]
    return G, actionable_targets(G, coalition)


def test_the_rankings_pick_the_tool_the_foreign_hub_and_the_hoster_with_substitutes() -> None:
    G, actionable = hand_built()
    assert set(actionable) == {"host_big", "host_only", "mixer"}
    for method in ("degree", "betweenness", "fragmentation"):
        ranked = [
            chokepoint.node
            for chokepoint in rank_chokepoints(
                G, method=method, top=4, seed=0, kinds=["service_provider", "financier", "infrastructure"]
            )
        ]
        assert ranked[:2] == ["psexec", "market_ru"], method
        assert "host_big" in ranked and "host_only" not in ranked, method


def test_the_plan_picks_the_irreplaceable_hoster_and_the_only_mixer() -> None:
    G, actionable = hand_built()
    found = plan(G, 4, candidates=actionable, substitution="affiliates")
    assert [target.node for target in found.targets] == ["host_only", "mixer"]
    assert found.objective.optimal and found.objective.solver == "highs"
    # The mixer: harm 2 for gangs 1-5, 4 for gang_6, and 2 + 1 + 1 for its affiliates; Host Only: gang_6 and
    # its affiliates' hosting, 4 + 2 + 1 + 1.
    assert found.objective.loss == 26.0
    assert {target.node: target.loss for target in found.targets} == {"host_only": 8.0, "mixer": 18.0}
    assert {baseline.method for baseline in found.baselines} == {"degree", "betweenness", "fragmentation"}
    for baseline in found.baselines:
        assert set(baseline.targets) == {"host_big", "mixer"}, baseline.method
        assert baseline.loss == 18.0 < found.objective.loss
    # What the baselines' Host Big costs: nothing, gangs 1-5 keep hosting through the hosters abroad.
    seized = capability_loss(G, ["host_big"], substitution="affiliates")
    assert seized.loss == 0.0
    assert seized.displacement[("gang_1", f"service_provider/{BPH}")] == ("own", ("host_abroad_2",))
    assert seized.displacement[("gang_2", f"service_provider/{BPH}")] == ("own", ("host_abroad_1",))


def test_the_worked_example_of_the_documentation() -> None:
    G = planning_example()
    coalition = [
        MemberProfile("de-police", frozenset({"DE"}), frozenset({"takedown", "seize", "arrest"})),
        MemberProfile("nl-fiu", frozenset({"NL"}), frozenset({"freeze"})),
    ]
    actionable = actionable_targets(G, coalition)
    assert set(actionable) == {"host_east", "mixer"}
    by_rule = {rule: plan(G, 2, candidates=actionable, substitution=rule, baselines=()) for rule in RULES}
    # With room for one of them, the mixer (loss 6) beats Host East (5, 2 or 0 by the rule).
    assert all([t.node for t in found.targets] == ["mixer"] for found in by_rule.values())
    both = plan(G, 4, candidates=actionable, substitution="affiliates", baselines=())
    assert [t.node for t in both.targets] == ["host_east", "mixer"] and both.objective.loss == 8.0


def test_required_and_excluded_targets_are_honoured() -> None:
    G = planning_example()
    forced = plan(G, 4, require=["host_island"], substitution="none", baselines=())
    assert "host_island" in {t.node for t in forced.targets}
    assert sum(t.cost for t in forced.targets) <= 4
    barred = plan(G, 2, exclude=["mixer"], substitution="none", baselines=())
    assert "mixer" not in {t.node for t in barred.targets}
    assert barred.objective.loss == 5.0  # Host East, the best left within 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"budget": 0}, "budget"),
        ({"budget": 2, "require": ["host_east", "mixer"]}, "more than the budget"),
        ({"budget": 4, "require": ["mixer"], "exclude": ["mixer"]}, "required and excluded"),
        ({"budget": 4, "require": ["hospital"]}, "not a target"),
        ({"budget": 4, "require": ["nowhere"]}, "not in the graph"),
        ({"budget": 4, "costs": {"mixer": 0}}, "positive"),
        ({"budget": 4, "substitution": "anywhere"}, "substitution"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan(planning_example(), baselines=(), **arguments)  # type: ignore[arg-type]
