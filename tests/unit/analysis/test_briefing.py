"""The planner's reading of a plan: attribution, explanations, tasks, gaps and coverage notes."""

from __future__ import annotations

from atlas_graph.analysis.briefing import assign_tasks, attribute_targets, coverage_notes, explain_target, gaps
from atlas_graph.analysis.capabilities import MemberProfile, actionable_targets
from atlas_graph.analysis.plans import capability_scores, plan

from .graphs import planning_example

COALITION = [
    MemberProfile("de-police", frozenset({"DE"}), frozenset({"takedown", "seize", "arrest"})),
    MemberProfile("nl-fiu", frozenset({"NL"}), frozenset({"freeze"})),
]


def test_each_target_accounts_for_the_pairs_only_it_cuts() -> None:
    G = planning_example()
    actionable = actionable_targets(G, COALITION)
    best = plan(G, 4, candidates=list(actionable), baselines=())
    why = attribute_targets(G, best, substitution="affiliates")
    assert set(why) == {"host_east", "mixer"}
    # Host East alone: affiliate_1 loses hosting (its only affiliate, the core, lost it too); the core keeps it
    # through affiliate_2's Host Island, affiliate_2 through its own.
    assert why["host_east"].lost == {"affiliate_1": frozenset({"service_provider/bulletproof_hosting"})}
    assert why["host_east"].victims == 1
    assert set(why["host_east"].kept) == {"core", "affiliate_2"}
    assert why["mixer"].lost == {a: frozenset({"financier/mixer"}) for a in ("core", "affiliate_1", "affiliate_2")}
    assert why["mixer"].victims == 2  # hospital and school
    text = explain_target(G, "mixer", why["mixer"], actionable["mixer"], "affiliates")
    assert text == (
        "Freezing mixer (mixer, NL; nl-fiu can freeze it) cuts mixer for 3 actors who target 2 victims; "
        "none of their affiliates has another supplier of it."
    )
    tasks = assign_tasks(["host_east", "mixer"], actionable)
    assert tasks == {"de-police": [("host_east", ("arrest", "takedown", "seize"))], "nl-fiu": [("mixer", ("freeze",))]}


def test_gaps_are_the_highest_losses_out_of_reach() -> None:
    G = planning_example()
    actionable = actionable_targets(G, COALITION)
    scores = capability_scores(G)
    assert gaps(scores, actionable, top=3) == [("core", 11.0), ("affiliate_1", 4.0), ("affiliate_2", 2.0)]
    assert all(v not in actionable for v, _ in gaps(scores, actionable))


def test_coverage_notes_name_the_missing_layers() -> None:
    G = planning_example()
    assert coverage_notes(G) == [
        "No infrastructure entities: hosting, domains and servers are not in the graph, and no plan can cut them."
    ]
    G.remove_nodes_from(["mixer", "hospital", "school", "bank"])
    notes = coverage_notes(G)
    assert any(n.startswith("No financier entities") for n in notes)
    assert any(n.startswith("No victims targeted") for n in notes)


def test_suppliers_no_actor_reaches_are_named() -> None:
    G = planning_example()
    G.remove_edges_from([(u, v, k) for u, v, k in G.edges(keys=True) if k != "TARGETS"])
    (note,) = [n for n in coverage_notes(G) if n.startswith("No actor reaches a supplier")]
    assert "the graph has 3 suppliers" in note
