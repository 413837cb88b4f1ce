"""Criminal capabilities: who supplies what, what actors lose when targets fall, and who can act on each target.

A disruption planner does not ask how fragmented the graph becomes but which capabilities criminals lose once they
have moved to the substitutes within their reach. This module measures that (see ``docs/planning.md``):

- a **supplier** is a service provider, financier or infrastructure entity that is not software (category
  ``tool`` or ``malware``); its **capability** is ``kind/category``;
- an actor **has** a capability when a supplier of it is reachable along dependencies (`DEPENDENCY_EDGES`);
- removing a set S of targets makes an actor **lose** a capability when it is in S, or when it no longer reaches a
  supplier and the substitution rule leaves it none (``none``, ``affiliates`` or ``market``);
- the **loss** of S sums ``harm(actor) * criticality(capability)`` over the lost pairs, where
  ``harm(actor) = 1 + the victims it targets``.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import Any, Literal, get_args

import networkx as nx
import numpy as np

from atlas_graph.analysis import _adjacency
from atlas_graph.analysis._adjacency import dependency_view, reach_closure, relationship_edges
from atlas_graph.analysis.fragmentation import DEPENDENCY_EDGES

__all__ = [
    "ACTIONS",
    "FITTING_ACTIONS",
    "SOFTWARE_CATEGORIES",
    "SUPPLIER_KINDS",
    "CapabilityLoss",
    "MemberProfile",
    "Substitution",
    "actionable_targets",
    "actor_capabilities",
    "any_actor_supplied",
    "capability_loss",
    "capability_of",
    "dependency_digraph",
    "harm",
    "is_target",
    "suppliers",
]

Substitution = Literal["none", "affiliates", "market"]
"""Where an actor that no longer reaches a supplier of a capability may still find one; see `capability_loss`."""

SUPPLIER_KINDS: frozenset[str] = frozenset({"service_provider", "financier", "infrastructure"})
"""Kinds of the entities that supply capabilities."""

SOFTWARE_CATEGORIES: frozenset[str] = frozenset({"tool", "malware"})
"""Categories of service providers that are software, not parties: never suppliers, never targets."""

ACTIONS: tuple[str, ...] = ("arrest", "sanction", "takedown", "seize", "sinkhole", "suspend", "freeze")
"""The actions a coalition member may take."""

FITTING_ACTIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "actor": frozenset({"arrest", "sanction"}),
        "service_provider": frozenset({"takedown", "arrest", "seize"}),
        "financier": frozenset({"freeze", "seize", "sanction"}),
        "infrastructure": frozenset({"takedown", "sinkhole", "suspend", "seize"}),
    }
)
"""Which actions fit a target of each kind. Victims are never targets."""

TARGETING = "TARGETS"
AFFILIATION = "AFFILIATED_WITH"


def capability_of(kind: str | None, category: str | None) -> str | None:
    """Return the capability an entity supplies, ``kind/category`` (``kind/other`` without one), or None.

    Examples
    --------
    >>> capability_of("service_provider", "bulletproof_hosting")
    'service_provider/bulletproof_hosting'
    >>> capability_of("financier", None)
    'financier/other'
    >>> capability_of("service_provider", "tool") is None, capability_of("actor", "group") is None
    (True, True)
    """
    if kind not in SUPPLIER_KINDS or category in SOFTWARE_CATEGORIES:
        return None
    return f"{kind}/{category or 'other'}"


def is_target(kind: str | None, category: str | None) -> bool:
    """Return whether an entity of this kind and category may be acted on: not a victim, not software."""
    return kind in FITTING_ACTIONS and category not in SOFTWARE_CATEGORIES


def dependency_digraph(G: nx.Graph) -> nx.DiGraph:
    """Return the dependency digraph of `G`: an edge ``u -> v`` when `u` depends on `v`.

    Parameters
    ----------
    G : NetworkX multidigraph
        The ecosystem as the projection builds it: a relationship type per edge (``type`` or the key).

    Returns
    -------
    dependencies : networkx.DiGraph
        Every node of `G`, with its attributes; ``u -> v`` for ``USES``, ``OPERATES``, ``AFFILIATED_WITH`` and
        ``PAYS`` u->v, and for ``SUPPLIES`` and ``LAUNDERS_FOR`` v->u.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("host", "gang", key="SUPPLIES", type="SUPPLIES")
    'SUPPLIES'
    >>> list(dependency_digraph(G).edges)
    [('gang', 'host')]
    """
    view = dependency_view(G, DEPENDENCY_EDGES)
    dependencies = nx.DiGraph()
    dependencies.add_nodes_from(G.nodes(data=True))
    nodes = view.nodes
    dependencies.add_edges_from((nodes[i], nodes[j]) for i, successors in enumerate(view.links) for j in successors)
    return dependencies


def suppliers(G: nx.Graph) -> dict[Hashable, str]:
    """Return every supplier of `G` mapped to its capability, in the graph's node order."""
    found: dict[Hashable, str] = {}
    for v, attributes in G.nodes(data=True):
        capability = capability_of(attributes.get("kind"), attributes.get("category"))
        if capability is not None:
            found[v] = capability
    return found


def harm(G: nx.Graph) -> dict[Hashable, int]:
    """Return each actor's harm: 1 + the number of distinct victims it `TARGETS`."""
    kind = dict(G.nodes(data="kind"))
    victims: dict[Hashable, set[Hashable]] = {v: set() for v, k in kind.items() if k == "actor"}
    for u, v, rel in relationship_edges(G):
        if rel == TARGETING and u in victims and kind.get(v) == "victim":
            victims[u].add(v)
    return {actor: 1 + len(targeted) for actor, targeted in victims.items()}


def actor_capabilities(G: nx.Graph) -> dict[Hashable, frozenset[str]]:
    """Return each actor's capabilities: those of the suppliers it reaches along dependencies.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("gang", kind="actor")
    >>> G.add_node("core", kind="actor")
    >>> G.add_node("host", kind="service_provider", category="bulletproof_hosting")
    >>> _ = G.add_edge("gang", "core", key="AFFILIATED_WITH", type="AFFILIATED_WITH")
    >>> _ = G.add_edge("core", "host", key="USES", type="USES")
    >>> sorted(actor_capabilities(G)["gang"])
    ['service_provider/bulletproof_hosting']
    """
    model = LossModel(G, substitution="none")
    return {model.nodes[a]: model.labels(model.before[a]) for a in model.all_actors}


def any_actor_supplied(G: nx.Graph) -> bool:
    """Return whether some actor reaches a supplier along dependencies: whether any of `actor_capabilities` is
    non-empty.

    One search back from the suppliers to the nodes that depend on them, which stops at the first actor: no
    closure of every node as `actor_capabilities` builds (a full loss model, seconds at 100,000 entities).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("gang", kind="actor")
    >>> G.add_node("host", kind="service_provider", category="bulletproof_hosting")
    >>> _ = G.add_edge("host", "gang", key="TARGETS", type="TARGETS")
    >>> any_actor_supplied(G)
    False
    >>> _ = G.add_edge("host", "gang", key="SUPPLIES", type="SUPPLIES")
    >>> any_actor_supplied(G)
    True
    """
    attributes = G.nodes
    frontier = list(suppliers(G))
    seen = set(frontier)
    while frontier:
        for u in _dependents(G, frontier.pop()):
            if u in seen:
                continue
            if attributes[u].get("kind") == "actor":
                return True
            seen.add(u)
            frontier.append(u)
    return False


def _dependents(G: nx.Graph, v: Hashable) -> Iterator[Hashable]:
    """Yield the nodes that depend on `v` directly, as `dependency_view` reads the typed edges (an undirected graph:
    every typed neighbour)."""
    if not G.is_directed():
        for u, rel in _typed(G, G.adj[v]):
            if rel in DEPENDENCY_EDGES:
                yield u
        return
    for u, rel in _typed(G, G.pred[v]):
        if DEPENDENCY_EDGES.get(rel) == "forward":
            yield u
    for u, rel in _typed(G, G.succ[v]):
        if DEPENDENCY_EDGES.get(rel) == "reverse":
            yield u


def _typed(G: nx.Graph, neighbours: Mapping[Hashable, Any]) -> Iterator[tuple[Hashable, Any]]:
    """Yield ``(neighbour, relationship type)`` per edge to each of `neighbours`, as `relationship_edges` types them."""
    if not G.is_multigraph():
        for u, data in neighbours.items():
            yield u, data.get("type")
        return
    for u, keyed in neighbours.items():
        for key, data in keyed.items():
            rel = data.get("type")
            yield u, key if rel is None else rel


@dataclass(frozen=True, slots=True)
class CapabilityLoss:
    """What removing a set of targets takes from the actors.

    Attributes
    ----------
    removed : frozenset
        The targets removed.
    loss : float
        The sum of ``harm(actor) * criticality(capability)`` over the lost (actor, capability) pairs.
    losses : mapping
        Each actor in scope that loses something, mapped to the capabilities it loses (all of them when it was
        removed itself).
    displacement : mapping
        Each (actor, capability) that an actor in scope keeps although the removal touched it (it reached a
        removed supplier of it, or it no longer reaches one itself), mapped to ``(route, suppliers)``: the route is
        ``"own"`` (it still reaches these suppliers), ``"affiliates"`` (an affiliate of it does) or ``"market"``
        (suppliers left elsewhere); at most `listed` suppliers are named, nearest first.
    """

    removed: frozenset[Hashable]
    loss: float
    losses: Mapping[Hashable, frozenset[str]]
    displacement: Mapping[tuple[Hashable, str], tuple[str, tuple[Hashable, ...]]]


def capability_loss(
    G: nx.Graph,
    removed: Iterable[Hashable],
    *,
    substitution: Substitution = "affiliates",
    actors: Iterable[Hashable] | None = None,
    criticality: Mapping[str, float] | None = None,
    listed: int = 5,
) -> CapabilityLoss:
    """Return the capabilities actors lose when `removed` is taken out of `G`, after substitution.

    Parameters
    ----------
    G : NetworkX multidigraph
        The ecosystem (node attributes `kind` and `category`; a relationship type per edge).
    removed : iterable
        The targets taken out. Nodes that are not in `G` are ignored.
    substitution : {"none", "affiliates", "market"}, optional (default="affiliates")
        Where an actor that no longer reaches a supplier of a capability may still find one:

        - ``"none"``: nowhere; it loses the capability;
        - ``"affiliates"``: through an actor `AFFILIATED_WITH` it (either direction), not removed, that still
          reaches a supplier of it;
        - ``"market"``: anywhere, as long as any supplier of it is left.
    actors : iterable or None, optional (default=None)
        The actors whose losses count; None for every actor.
    criticality : mapping or None, optional (default=None)
        A weight per capability; 1 for capabilities not named.
    listed : int, optional (default=5)
        Most suppliers named per displaced (actor, capability).

    Returns
    -------
    loss : CapabilityLoss

    Raises
    ------
    ValueError
        If `substitution` is unknown, a criticality is negative, or `actors` names a node that is not an actor.

    Examples
    --------
    Two gangs rent from one hoster; one of them also from a second hoster:

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for gang in ("gang", "crew"):
    ...     G.add_node(gang, kind="actor")
    >>> for host in ("east", "west"):
    ...     G.add_node(host, kind="service_provider", category="bulletproof_hosting")
    >>> for user, host in (("gang", "east"), ("crew", "east"), ("crew", "west")):
    ...     _ = G.add_edge(user, host, key="USES", type="USES")
    >>> result = capability_loss(G, ["east"], substitution="none")
    >>> result.loss, dict(result.losses)
    (1.0, {'gang': frozenset({'service_provider/bulletproof_hosting'})})
    >>> result.displacement[("crew", "service_provider/bulletproof_hosting")]
    ('own', ('west',))
    >>> capability_loss(G, ["east"], substitution="market").loss
    0.0
    """
    model = LossModel(G, substitution=substitution, actors=actors, criticality=criticality)
    return model.capability_loss([v for v in removed if v in model.index], listed=listed)


@dataclass(frozen=True, slots=True)
class MemberProfile:
    """What one coalition member can do, and where.

    Attributes
    ----------
    name : str
        The organization.
    jurisdictions : frozenset of str
        ISO 3166-1 alpha-2 codes, or ``"*"`` for a member whose action is not bound to a country.
    actions : frozenset of str
        Some of `ACTIONS`.
    """

    name: str
    jurisdictions: frozenset[str]
    actions: frozenset[str]

    def __post_init__(self) -> None:
        unknown = self.actions - set(ACTIONS)
        if unknown:
            raise ValueError(f"unknown actions {sorted(unknown)}; expected some of {list(ACTIONS)}")

    def fitting_actions(self, kind: str | None, category: str | None, countries: Collection[str]) -> list[str]:
        """Return the actions this member can take against an entity, in `ACTIONS` order (empty if none)."""
        if not is_target(kind, category):
            return []
        if "*" not in self.jurisdictions and self.jurisdictions.isdisjoint(countries):
            return []
        fitting = FITTING_ACTIONS[str(kind)] & self.actions
        return [action for action in ACTIONS if action in fitting]


def actionable_targets(G: nx.Graph, coalition: Iterable[MemberProfile]) -> dict[Hashable, tuple[tuple[str, str], ...]]:
    """Return the targets some member of `coalition` can act on, each with its ``(member, action)`` pairs.

    Member m can act on v when m has an action that fits v's kind (`FITTING_ACTIONS`) and m's jurisdictions
    include ``"*"`` or share a country with v (node attribute `countries`). An entity with no known country is
    reachable only by ``"*"`` members. Victims and software are never targets.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("host", kind="service_provider", category="bulletproof_hosting", countries={"DE"})
    >>> G.add_node("site", kind="infrastructure", category="domain")
    >>> police = MemberProfile("de-police", frozenset({"DE"}), frozenset({"takedown", "arrest"}))
    >>> registrar = MemberProfile("registrars", frozenset({"*"}), frozenset({"suspend"}))
    >>> actionable_targets(G, [police, registrar])
    {'host': (('de-police', 'arrest'), ('de-police', 'takedown')), 'site': (('registrars', 'suspend'),)}
    """
    members = list(coalition)
    found: dict[Hashable, tuple[tuple[str, str], ...]] = {}
    for v, attributes in G.nodes(data=True):
        kind, category = attributes.get("kind"), attributes.get("category")
        if not is_target(kind, category):
            continue
        countries = frozenset(attributes.get("countries") or ())
        pairs = tuple(
            (member.name, action) for member in members for action in member.fitting_actions(kind, category, countries)
        )
        if pairs:
            found[v] = pairs
    return found


# ------------------------------------------------------------------------------------------ the loss model


@dataclass(frozen=True, slots=True)
class _TypedLinks:
    """What the loss model reads from a graph's typed edges, in one pass."""

    successors: list[list[int]]
    """The dependency digraph (`dependency_view` with `DEPENDENCY_EDGES`), by node number."""
    victims: dict[int, set[int]]
    """Actor -> the victims it `TARGETS`."""
    affiliated: dict[int, set[int]]
    """Actor -> the actors `AFFILIATED_WITH` it, either direction."""

    @classmethod
    def of(cls, G: nx.Graph, index: Mapping[Hashable, int], kind: list[str | None]) -> _TypedLinks:
        victims: dict[int, set[int]] = {}
        affiliated: dict[int, set[int]] = {}
        successors: list[set[int]] | None = None
        edges: Iterable[tuple[int, int, Any]]
        if G.is_directed() and G.is_multigraph():
            # The projection is a MultiDiGraph: its own dicts (`_adj`) walked once give the dependencies, the
            # victims and the affiliations, without a view object per node and edge and without a second pass;
            # the successors are added in the order `dependency_view` adds them, so their lists come out the same.
            successors = [set() for _ in kind]
            edges = (
                (index[u], index[v], key if data.get("type") is None else data["type"])
                for u, neighbours in G._adj.items()
                for v, keyed in neighbours.items()
                for key, data in keyed.items()
            )
        else:
            edges = ((index[u], index[v], rel) for u, v, rel in relationship_edges(G))
        directions = DEPENDENCY_EDGES
        for i, j, rel in edges:
            if successors is not None and i != j:
                direction = directions.get(rel)
                if direction == "forward":
                    successors[i].add(j)
                elif direction == "reverse":
                    successors[j].add(i)
            if rel == TARGETING:
                if kind[i] == "actor" and kind[j] == "victim":
                    victims.setdefault(i, set()).add(j)
            elif rel == AFFILIATION and i != j and kind[i] == "actor" and kind[j] == "actor":
                affiliated.setdefault(i, set()).add(j)
                affiliated.setdefault(j, set()).add(i)
        if successors is None:
            return cls(dependency_view(G, DEPENDENCY_EDGES).links, victims, affiliated)
        return cls([list(near) for near in successors], victims, affiliated)


@dataclass(slots=True)
class LossState:
    """The graph without some removed nodes: what every node reaches, and what each actor in scope lost."""

    removed: bytearray
    closure: list[int]
    """Per node number, the capabilities (bits) it reaches; 0 for removed nodes."""
    lost: list[int]
    """Per actor in scope (the order of `LossModel.scope`), the capabilities (bits) it lost."""
    loss: float


class LossModel:
    """The numbered dependency digraph with capabilities as bits, and the loss of any set of removed nodes.

    Shared by `capability_loss` and the plans: built once per graph, then each loss is one search of the
    digraph.
    """

    def __init__(
        self,
        G: nx.Graph,
        *,
        substitution: Substitution,
        actors: Iterable[Hashable] | None = None,
        criticality: Mapping[str, float] | None = None,
    ) -> None:
        if substitution not in get_args(Substitution):
            raise ValueError(f"unknown substitution {substitution!r}; expected one of {get_args(Substitution)}")
        self.substitution = substitution
        self.nodes = list(G)
        self.index = {v: i for i, v in enumerate(self.nodes)}
        n = len(self.nodes)
        attributes = G.nodes
        self.kind = [attributes[v].get("kind") for v in self.nodes]
        self.category = [attributes[v].get("category") for v in self.nodes]
        links = _TypedLinks.of(G, self.index, self.kind)
        self.successors = links.successors
        supplied = suppliers(G)
        self.capabilities = sorted(set(supplied.values()))
        bit = {capability: b for b, capability in enumerate(self.capabilities)}
        self.marks = [0] * n
        self.suppliers_of: list[list[int]] = [[] for _ in self.capabilities]
        for v, capability in supplied.items():
            i = self.index[v]
            self.marks[i] = 1 << bit[capability]
            self.suppliers_of[bit[capability]].append(i)
        self.all_actors = [i for i in range(n) if self.kind[i] == "actor"]
        if actors is None:
            self.scope = self.all_actors
        else:
            chosen = set(actors)
            strangers = [a for a in chosen if a not in self.index or self.kind[self.index[a]] != "actor"]
            if strangers:
                raise ValueError(f"not actors of the graph: {sorted(map(str, strangers))[:5]}")
            self.scope = [i for i in self.all_actors if self.nodes[i] in chosen]
        weights = {} if criticality is None else dict(criticality)
        negative = [capability for capability, weight in weights.items() if weight < 0]
        if negative:
            raise ValueError(f"criticality must not be negative: {sorted(negative)}")
        self.criticality = [float(weights.get(capability, 1.0)) for capability in self.capabilities]
        self.uniform = all(weight == 1.0 for weight in self.criticality)
        kind = self.kind
        victims, affiliated = links.victims, links.affiliated
        self.harm = [1.0 + len(victims.get(i, ())) if kind[i] == "actor" else 0.0 for i in range(n)]
        self.victims: dict[int, set[int]] = victims
        """Per actor that targets any, the victims it targets (node numbers)."""
        self.affiliates: list[list[int]] = [sorted(affiliated[i]) if i in affiliated else [] for i in range(n)]
        self.before = reach_closure(self.successors, self.marks)
        self.position = {a: p for p, a in enumerate(self.scope)}
        self._predecessors: list[list[int]] | None = None
        self._arrays: _Arrays | None = None
        self._reach_rows: Any = None

    # ------------------------------------------------------------------------------------------ basics

    def flags(self, nodes: Iterable[Hashable]) -> bytearray:
        """Return a 0/1 flag per node number, set for `nodes`."""
        flags = bytearray(len(self.nodes))
        for v in nodes:
            flags[self.index[v]] = 1
        return flags

    def labels(self, mask: int) -> frozenset[str]:
        """Return the capabilities in a bit set."""
        return frozenset(c for b, c in enumerate(self.capabilities) if mask >> b & 1)

    def weight(self, actor: int, mask: int) -> float:
        """Return the weight of losing the capabilities `mask` for `actor` (a node number)."""
        if not mask:
            return 0.0
        if self.uniform:
            return self.harm[actor] * mask.bit_count()
        total = 0.0
        while mask:
            low = mask & -mask
            total += self.criticality[low.bit_length() - 1]
            mask ^= low
        return self.harm[actor] * total

    def targets(self, candidates: Iterable[Hashable] | None = None) -> list[int]:
        """Return the node numbers of the targets among `candidates` (default: all), in the graph's order."""
        if candidates is None:
            return [i for i in range(len(self.nodes)) if is_target(self.kind[i], self.category[i])]
        chosen = {self.index[v] for v in candidates if v in self.index}
        return [i for i in sorted(chosen) if is_target(self.kind[i], self.category[i])]

    @property
    def predecessors(self) -> list[list[int]]:
        """Each node's predecessors in the dependency digraph: the nodes that depend on it."""
        if self._predecessors is None:
            self._predecessors = [[] for _ in self.nodes]
            for v, targets in enumerate(self.successors):
                for w in targets:
                    self._predecessors[w].append(v)
        return self._predecessors

    # ------------------------------------------------------------------------------------------ losses

    def gone(self, removed: bytearray) -> int:
        """Return the capabilities whose suppliers are all removed (none left on the market)."""
        mask = 0
        for b, group in enumerate(self.suppliers_of):
            if all(removed[s] for s in group):
                mask |= 1 << b
        return mask

    def lost_mask(self, actor: int, removed: bytearray, closure: list[int], gone: int) -> int:
        """Return the capabilities `actor` loses, given what every node still reaches."""
        had = self.before[actor]
        if removed[actor]:
            return had
        if self.substitution == "market":
            # With no supplier left anywhere, none is reachable either.
            return had & gone
        missing = had & ~closure[actor]
        if not missing or self.substitution == "none":
            return missing
        for b in self.affiliates[actor]:
            if not removed[b]:
                missing &= ~closure[b]
        return missing

    def state(self, removed: bytearray) -> LossState:
        """Return the state of the graph without the flagged nodes."""
        # Nothing removed is the graph as it was built: its closure is known (a plan without required targets
        # starts there, and at 100,000 entities a closure is seconds).
        closure = self.closure_without(removed) if any(removed) else list(self.before)
        gone = self.gone(removed) if self.substitution == "market" else 0
        lost = [self.lost_mask(a, removed, closure, gone) for a in self.scope]
        loss = sum(self.weight(a, mask) for a, mask in zip(self.scope, lost, strict=True))
        return LossState(removed=removed, closure=closure, lost=lost, loss=loss)

    def closure_without(self, removed: bytearray) -> list[int]:
        """Return what every node reaches without the flagged nodes (0 for them).

        Only the nodes that reach a removed node can lose anything, so only they are searched again; the closure
        before removal supplies everything downstream of them, which the removal leaves as it was. A plan's few
        targets or a single removal then cost a search of their upstream, not of the whole graph.
        """
        gone = [v for v, flag in enumerate(removed) if flag]
        if self.arrays.elements >= _adjacency.KERNEL_MIN_ELEMENTS:
            return self._closure_without_kernel(removed, gone)
        predecessors = self.predecessors
        upstream = bytearray(len(self.nodes))
        frontier = list(gone)
        changed: list[int] = []
        while frontier:
            for u in predecessors[frontier.pop()]:
                if not upstream[u] and not removed[u]:
                    upstream[u] = 1
                    changed.append(u)
                    frontier.append(u)
        closure = list(self.before)
        if changed:
            after = reach_closure(self.successors, self.marks, removed=removed, inside=upstream, settled=self.before)
            for u in changed:
                closure[u] = after[u]
        for v in gone:
            closure[v] = 0
        return closure

    def _closure_without_kernel(self, removed: bytearray, gone: list[int]) -> list[int]:
        """`closure_without` on a large graph: per capability, one compiled search from its remaining suppliers
        (`_capability_kernels.reach_without`), and the bits lost cleared from the closure before."""
        arrays = self.arrays
        rows = self.reach_rows
        count = len(self.capabilities)
        touched = np.zeros(count, np.uint8)
        reached = 0
        for v in gone:
            reached |= self.before[v]
        for c in range(count):
            touched[c] = reached >> c & 1
        sup_ptr, sup_idx = self.supplier_arrays
        alive = _capability_kernels().reach_without(
            arrays.pred_ptr, arrays.pred_idx, rows, sup_ptr, sup_idx, np.frombuffer(removed, np.uint8), touched
        )
        lost = rows > alive
        closure = list(self.before)
        for start in range(0, count, _WORD):
            part = _packed(lost[start : start + _WORD])
            for u in np.flatnonzero(part).tolist():
                closure[u] &= ~(int(part[u]) << start)
        for v in gone:
            closure[v] = 0
        return closure

    @property
    def reach_rows(self) -> Any:
        """Per capability, a row of uint8 flagging the nodes that reach it before removal (for the kernels)."""
        if self._reach_rows is None:
            self._reach_rows = bit_rows(self.before, len(self.capabilities))
        return self._reach_rows

    @property
    def supplier_arrays(self) -> tuple[Any, Any]:
        """Each capability's suppliers (node numbers, in the graph's order) in CSR form."""
        return csr(self.suppliers_of)

    def loss(self, removed: bytearray) -> float:
        """Return the loss of removing the flagged nodes."""
        return self.state(removed).loss

    def capability_loss(self, removed: Iterable[Hashable], *, listed: int) -> CapabilityLoss:
        """Return `capability_loss` of removing `removed` (nodes of the graph) with this model."""
        flags = self.flags(removed)
        state = self.state(flags)
        return CapabilityLoss(
            removed=frozenset(self.nodes[i] for i, flag in enumerate(flags) if flag),
            loss=state.loss,
            losses=self.losses(state),
            displacement=self.displacement(flags, state, listed=listed),
        )

    def losses(self, state: LossState) -> dict[Hashable, frozenset[str]]:
        """Return each actor in scope that loses something in `state`, mapped to the capabilities it loses."""
        return {self.nodes[a]: self.labels(lost) for a, lost in zip(self.scope, state.lost, strict=True) if lost}

    def victims_targeted(self, actors: Iterable[Hashable]) -> int:
        """Return how many distinct victims the `actors` target."""
        victims: set[int] = set()
        for a in actors:
            victims |= self.victims.get(self.index[a], set())
        return len(victims)

    @property
    def arrays(self) -> _Arrays:
        """The dependency digraph in CSR form, both ways, for the compiled kernels."""
        if self._arrays is None:
            self._arrays = _Arrays.of(self.successors)
        return self._arrays

    # ------------------------------------------------------------------------------------------ displacement

    def nearest_suppliers(self, bit: int, removed: bytearray, listed: int) -> tuple[Any, Any]:
        """Return, per node, up to `listed` suppliers of capability `bit` it reaches without removed nodes,
        nearest first, as ``(found, counts)``: node u's are ``found[u, :counts[u]]``.

        One breadth-first search from all the suppliers at once, against the dependencies, in which each node
        keeps the first `listed` suppliers that arrive: linear in the graph times `listed`, for every node.
        """
        arrays = self.arrays
        search = kernel(_capability_kernels().nearest_suppliers, arrays.elements)
        starts = np.array(self.suppliers_of[bit], np.int64)
        flags = np.frombuffer(bytes(removed), np.uint8) if len(removed) else np.zeros(0, np.uint8)
        found: tuple[Any, Any] = search(arrays.pred_ptr, arrays.pred_idx, starts, flags, listed)
        return found

    def displacement(
        self, removed: bytearray, state: LossState, *, listed: int
    ) -> dict[tuple[Hashable, str], tuple[str, tuple[Hashable, ...]]]:
        """Return, per (actor, capability) kept although the removal touched it, the route and suppliers.

        A kept capability is listed when the actor reached a removed supplier of it before, or no longer reaches
        one itself. Suppliers are listed nearest first.
        """
        touched = [0] * len(self.nodes)
        for v, flag in enumerate(removed):
            if not flag or not self.marks[v]:
                continue
            reach = self.marks[v]
            frontier = [v]
            while frontier:
                for u in self.predecessors[frontier.pop()]:
                    if touched[u] & reach != reach:
                        touched[u] |= reach
                        frontier.append(u)
        gone = self.gone(removed)
        nearest: dict[int, tuple[list[list[int]], list[int]]] = {}

        def near(bit: int, node: int) -> list[int]:
            if bit not in nearest:
                # As lists: thousands of displaced actors each read a row, and numpy's per-item access is slow.
                found, counts = self.nearest_suppliers(bit, removed, listed)
                nearest[bit] = (found.tolist(), counts.tolist())
            rows, counts = nearest[bit]
            return rows[node][: counts[node]]

        moved: dict[tuple[Hashable, str], tuple[str, tuple[Hashable, ...]]] = {}
        for p, a in enumerate(self.scope):
            if removed[a]:
                continue
            kept = self.before[a] & ~state.lost[p]
            elsewhere = kept & ~state.closure[a]
            own = kept & touched[a] & ~elsewhere
            listed_bits = own | elsewhere
            while listed_bits:
                low = listed_bits & -listed_bits
                listed_bits ^= low
                b = low.bit_length() - 1
                if own & low:
                    route, found = "own", near(b, a)
                elif self.substitution == "affiliates":
                    found = list(dict.fromkeys(s for f in self.affiliates[a] if not removed[f] for s in near(b, f)))
                    route = "affiliates"
                else:
                    route = "market"
                    found = [] if gone & low else [s for s in self.suppliers_of[b] if not removed[s]]
                moved[(self.nodes[a], self.capabilities[b])] = (route, tuple(self.nodes[s] for s in found[:listed]))
        return moved


def kernel(compiled: Any, elements: int) -> Any:
    """Return the compiled kernel for a graph of `elements` nodes plus links, or its plain Python twin: below the
    analyses' one threshold (`_adjacency.KERNEL_MIN_ELEMENTS`), loading numba costs more than it saves."""
    return compiled if elements >= _adjacency.KERNEL_MIN_ELEMENTS else compiled.py_func


def _capability_kernels() -> ModuleType:
    """The compiled kernels, imported when first needed: loading numba costs a process a few tenths of a second,
    which the service, the CLI and the analyses that never need them should not pay."""
    from atlas_graph.analysis import _capability_kernels as kernels

    return kernels


@dataclass(frozen=True, slots=True)
class _Arrays:
    """A digraph's successors and predecessors in CSR form (numpy int64), predecessors in node order."""

    succ_ptr: Any
    succ_idx: Any
    pred_ptr: Any
    pred_idx: Any

    @property
    def elements(self) -> int:
        return int(self.succ_ptr.shape[0] - 1 + self.succ_idx.shape[0])

    @classmethod
    def of(cls, successors: list[list[int]]) -> _Arrays:
        n = len(successors)
        succ_ptr, succ_idx = csr(successors)
        sources = np.repeat(np.arange(n, dtype=np.int64), np.diff(succ_ptr))
        # A stable sort keeps each node's predecessors in node order, as `LossModel.predecessors` lists them.
        by_target = np.argsort(succ_idx, kind="stable")
        pred_idx = sources[by_target]
        pred_ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(succ_idx, minlength=n), out=pred_ptr[1:])
        return cls(succ_ptr, succ_idx, pred_ptr, pred_idx)


_WORD = 62
"""Bits of a capability mask packed into one int64 at a time: whatever the number of capabilities, each fits."""


def bit_rows(masks: list[int], count: int) -> Any:
    """Return a ``count`` x ``len(masks)`` array of uint8: row c flags the masks with bit c set."""
    rows = np.zeros((count, len(masks)), np.uint8)
    for start in range(0, count, _WORD):
        width = min(_WORD, count - start)
        part = np.fromiter(((m >> start) & ((1 << width) - 1) for m in masks), np.int64, len(masks))
        for b in range(width):
            rows[start + b] = (part >> b) & 1
    return rows


def _packed(rows: Any) -> Any:
    """Return at most `_WORD` rows of flags packed into one int64 per column: row b as bit b."""
    packed = np.zeros(rows.shape[1], np.int64)
    for b in range(rows.shape[0]):
        packed |= rows[b].astype(np.int64) << b
    return packed


def csr(lists: list[list[int]]) -> tuple[Any, Any]:
    """Return lists of numbers as ``(indptr, indices)``, numpy int64, each list's order kept."""
    n = len(lists)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.fromiter(map(len, lists), np.int64, n), out=indptr[1:])
    indices = np.fromiter(itertools.chain.from_iterable(lists), np.int64, int(indptr[-1]))
    return indptr, indices
