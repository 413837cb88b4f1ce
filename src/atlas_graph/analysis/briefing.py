"""What a planner reads beside a plan: why each target, who acts, what no member can reach, what the graph lacks.

Pure functions over the projection and a `Plan` (see ``docs/planning.md``): the attribution of the plan's loss to
each target, the sentence that explains it, the assignment of targets to members, the gaps (high-loss entities no
member can act on) and coverage notes when the graph lacks the layers the analysis needs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from atlas_graph.analysis._adjacency import relationship_edges
from atlas_graph.analysis.capabilities import (
    LossModel,
    Substitution,
    any_actor_supplied,
    capability_of,
    suppliers,
)
from atlas_graph.analysis.plans import Plan

__all__ = [
    "Attribution",
    "assign_tasks",
    "attribute_targets",
    "capability_words",
    "coverage_notes",
    "explain_target",
    "gaps",
    "victims_targeted",
]

_GERUNDS = {
    "arrest": "Arresting",
    "sanction": "Sanctioning",
    "takedown": "Taking down",
    "seize": "Seizing",
    "sinkhole": "Sinkholing",
    "suspend": "Suspending",
    "freeze": "Freezing",
}
_VERBS = {"takedown": "take it down"}
"""How an action reads after "can"; the others read as themselves ("seize it")."""
_PREFERRED = {
    "actor": ("arrest", "sanction"),
    "service_provider": ("takedown", "seize", "arrest"),
    "financier": ("freeze", "seize", "sanction"),
    "infrastructure": ("takedown", "sinkhole", "suspend", "seize"),
}
"""How a planner would name the actions on a target of each kind, the most usual first."""
_NAMED_SUPPLIERS = 2
_NAMED_CAPABILITIES = 3


@dataclass(frozen=True, slots=True)
class Attribution:
    """What one target of a plan accounts for: the pairs lost with it that the rest of the plan keeps.

    Attributes
    ----------
    lost : mapping
        Actor to the capabilities it loses only because of this target.
    victims : int
        Distinct victims the actors in `lost` target.
    kept : mapping
        For the capability the target supplies, the actors that keep it although the plan touched it, mapped to
        the suppliers they keep or move to (see `CapabilityLoss.displacement`).
    """

    lost: Mapping[Hashable, frozenset[str]]
    victims: int
    kept: Mapping[Hashable, tuple[Hashable, ...]]


def capability_words(capability: str) -> str:
    """Return a capability in words: ``"service_provider/bulletproof_hosting"`` -> ``"bulletproof hosting"``.

    Examples
    --------
    >>> capability_words("financier/mixer"), capability_words("infrastructure/other")
    ('mixer', 'other infrastructure')
    """
    kind, _, category = capability.partition("/")
    if category == "other":
        return f"other {kind.replace('_', ' ')}"
    return category.replace("_", " ")


def attribute_targets(
    G: nx.Graph,
    plan: Plan,
    *,
    substitution: Substitution,
    actors: Iterable[Hashable] | None = None,
    criticality: Mapping[str, float] | None = None,
) -> dict[Hashable, Attribution]:
    """Return, per target of `plan`, the (actor, capability) pairs lost with it and not without it.

    The pairs of one target are those the plan loses and the plan without that target keeps: what would come
    back if this one action were dropped. Pairs that need two targets together belong to neither alone.
    """
    # One loss model for the plan and each plan without one target: building it is most of a loss at 100,000
    # entities (a second), and only the losses are read, not the displacement.
    model = LossModel(G, substitution=substitution, actors=actors, criticality=criticality)
    chosen = [target.node for target in plan.targets]
    known = [v for v in chosen if v in model.index]
    whole = model.losses(model.state(model.flags(known)))
    victims_of = _victims(G)
    supplied = suppliers(G)
    found: dict[Hashable, Attribution] = {}
    for v in chosen:
        rest = model.losses(model.state(model.flags(u for u in known if u != v)))
        lost: dict[Hashable, frozenset[str]] = {}
        for actor, capabilities in whole.items():
            extra = capabilities - rest.get(actor, frozenset())
            if extra:
                lost[actor] = extra
        capability = supplied.get(v)
        kept = {
            actor: found_suppliers
            for (actor, kept_capability), (_, found_suppliers) in plan.displacement.items()
            if kept_capability == capability
        }
        victims = set().union(*(victims_of.get(actor, set()) for actor in lost)) if lost else set()
        found[v] = Attribution(lost=lost, victims=len(victims), kept=kept)
    return found


def explain_target(
    G: nx.Graph, v: Hashable, attribution: Attribution, actions: Sequence[tuple[str, str]], substitution: str
) -> str:
    """Return why `v` is in the plan, in plain words: what acting on it cuts, for whom, who can, what stays.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("h", name="Host East", kind="service_provider", category="bulletproof_hosting", countries=("DE",))
    >>> G.add_node("g", name="Gang", kind="actor")
    >>> why = Attribution(lost={"g": frozenset({"service_provider/bulletproof_hosting"})}, victims=3, kept={})
    >>> print(explain_target(G, "h", why, [("de-police", "seize"), ("de-police", "takedown")], "affiliates"))
    ... # doctest: +NORMALIZE_WHITESPACE
    Taking down Host East (bulletproof hosting, DE; de-police can take it down or seize it) cuts bulletproof hosting
    for 1 actor who targets 3 victims; none of its affiliates has another supplier of it.
    """
    node = G.nodes[v]
    name = node.get("name") or str(v)
    kind, category = node.get("kind"), node.get("category")
    countries = ", ".join(node.get("countries") or ()) or "no known country"
    what = capability_of(kind, category)
    described = capability_words(what) if what else (category or str(kind)).replace("_", " ")
    preferred = _PREFERRED.get(str(kind), ())
    ordered = sorted(actions, key=lambda pair: preferred.index(pair[1]) if pair[1] in preferred else len(preferred))
    first_action = ordered[0][1] if ordered else (preferred[0] if preferred else "takedown")
    members: dict[str, list[str]] = {}
    for member, action in ordered:
        members.setdefault(member, []).append(_VERBS.get(action, f"{action} it"))
    who = "; ".join(f"{member} can {_listing(verbs, 'or')}" for member, verbs in members.items())
    who = who or "no coalition member can act on it"
    opening = f"{_GERUNDS[first_action]} {name} ({described}, {countries}; {who})"
    if not attribution.lost:
        return f"{opening} adds nothing alone beside the rest of the plan: what it cuts, another target cuts too."
    capabilities = Counter(c for lost in attribution.lost.values() for c in lost)
    named = [capability_words(c) for c, _ in capabilities.most_common(_NAMED_CAPABILITIES)]
    if len(capabilities) > _NAMED_CAPABILITIES:
        named.append(f"{len(capabilities) - _NAMED_CAPABILITIES} more capabilities")
    actors = len(attribution.lost)
    sentence = (
        f"{opening} cuts {_listing(named, 'and')} for {_count(actors, 'actor')} who "
        f"{'targets' if actors == 1 else 'target'} {_count(attribution.victims, 'victim')}"
    )
    if kind == "actor" and v in attribution.lost:
        sentence += f", itself included (all {len(attribution.lost[v])} of its capabilities)"
    if substitution == "affiliates" and what is not None:
        sentence += f"; none of {'its' if actors == 1 else 'their'} affiliates has another supplier of it"
    elif substitution == "market" and what is not None:
        sentence += "; no other supplier of it is left"
    if attribution.kept:
        through = Counter(s for found in attribution.kept.values() for s in found)
        names = [G.nodes[s].get("name") or str(s) for s, _ in through.most_common(_NAMED_SUPPLIERS)]
        others = len(attribution.kept)
        sentence += (
            f"; {_count(others, 'other user')} {'keeps' if others == 1 else 'keep'} "
            f"{described if what else 'what it supplied'}"
            + (f" through {_listing(names, 'and')}" if names else " through their affiliates")
        )
    return sentence + "."


def assign_tasks(
    targets: Iterable[Hashable], actions: Mapping[Hashable, Sequence[tuple[str, str]]]
) -> dict[str, list[tuple[Hashable, tuple[str, ...]]]]:
    """Return, per member, the targets assigned to it and the actions it may take on each.

    Each target goes to one member: the first (by name) of those that can act on it with the most actions,
    so that every target has exactly one owner and the tasks are the same for the same plan.
    """
    tasks: dict[str, list[tuple[Hashable, tuple[str, ...]]]] = {}
    for v in targets:
        by_member: dict[str, list[str]] = {}
        for member, action in actions.get(v, ()):
            by_member.setdefault(member, []).append(action)
        if not by_member:
            continue
        owner = min(by_member, key=lambda member: (-len(by_member[member]), member))
        tasks.setdefault(owner, []).append((v, tuple(by_member[owner])))
    return dict(sorted(tasks.items()))


def gaps(
    scores: Mapping[Hashable, float], actionable: Collection[Hashable], *, top: int = 10
) -> list[tuple[Hashable, float]]:
    """Return the `top` highest-loss targets no member can act on, highest first (ties in `scores` order)."""
    order = {v: i for i, v in enumerate(scores)}
    out = [(v, score) for v, score in scores.items() if score > 0 and v not in actionable]
    return sorted(out, key=lambda item: (-item[1], order[item[0]]))[:top]


def coverage_notes(G: nx.Graph) -> list[str]:
    """Return short notes on the layers the capability analysis needs and the graph lacks.

    A plan or ranking on a graph without suppliers, without financiers or infrastructure, without victims, or
    without countries still answers, but the planner should know what it could not see.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("a", kind="actor")
    >>> G.add_node("t", kind="service_provider", category="tool")
    >>> for note in coverage_notes(G):
    ...     print(note)  # doctest: +NORMALIZE_WHITESPACE
    No suppliers: the graph has no service provider, financier or infrastructure that is not software (tool or
    malware), so no actor has a capability to lose.
    No financier entities: money laundering is not in the graph, and no plan can cut it.
    No infrastructure entities: hosting, domains and servers are not in the graph, and no plan can cut them.
    No victims targeted: every actor weighs 1; losses do not reflect harm.
    No entity has a country: only members whose jurisdiction is "*" can act on anything.
    """
    kinds = Counter(kind for _, kind in G.nodes(data="kind"))
    notes = []
    supplied = suppliers(G)
    if not supplied:
        notes.append(
            "No suppliers: the graph has no service provider, financier or infrastructure that is not software "
            "(tool or malware), so no actor has a capability to lose."
        )
    elif not any_actor_supplied(G):
        notes.append(
            f"No actor reaches a supplier: the graph has {len(supplied)} suppliers, but no actor depends on any "
            "(USES, OPERATES, AFFILIATED_WITH, PAYS, SUPPLIES, LAUNDERS_FOR), so there is no capability to cut."
        )
    if not kinds["financier"]:
        notes.append("No financier entities: money laundering is not in the graph, and no plan can cut it.")
    if not kinds["infrastructure"]:
        notes.append(
            "No infrastructure entities: hosting, domains and servers are not in the graph, and no plan can cut them."
        )
    if not any(rel == "TARGETS" for _, _, rel in relationship_edges(G)):
        notes.append("No victims targeted: every actor weighs 1; losses do not reflect harm.")
    if not any(countries for _, countries in G.nodes(data="countries")):
        notes.append('No entity has a country: only members whose jurisdiction is "*" can act on anything.')
    return notes


def _victims(G: nx.Graph) -> dict[Hashable, set[Hashable]]:
    kind = G.nodes
    victims: dict[Hashable, set[Hashable]] = {}
    for u, v, rel in relationship_edges(G):
        if rel == "TARGETS" and kind[v].get("kind") == "victim":
            victims.setdefault(u, set()).add(v)
    return victims


def victims_targeted(G: nx.Graph, actors: Iterable[Hashable]) -> int:
    """Return how many distinct victims the `actors` target."""
    victims = _victims(G)
    return len(set().union(*(victims.get(a, set()) for a in actors)))


def _count(n: int, singular: str) -> str:
    return f"{n} {singular}" if n == 1 else f"{n} {singular}s"


def _listing(items: Sequence[str], joiner: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {joiner} {items[-1]}"
