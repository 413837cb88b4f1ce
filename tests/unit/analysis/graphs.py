"""Small graphs shared by the analysis tests, whose answers are worked out by hand in those tests."""

from __future__ import annotations

import random

import networkx as nx

BPH = "bulletproof_hosting"
RAAS = "ransomware_as_a_service"


def ecosystem() -> nx.MultiDiGraph:
    """A ransomware programme and FIN7, in two separate components of 8 and 4 nodes.

    LockBit's core group runs the RaaS, which uses bulletproof hoster bph_1 (running a C2 server); two
    affiliates work for the core group, a mixer launders for it, affiliate_a hits a hospital. FIN7 uses
    bph_2, gets a crypter supplied and hits a bank.
    """
    G = nx.MultiDiGraph()
    for node, kind, category in [
        ("lockbit_core", "actor", "group"),
        ("affiliate_a", "actor", "individual"),
        ("affiliate_b", "actor", "individual"),
        ("fin7", "actor", "group"),
        ("lockbit_raas", "service_provider", RAAS),
        ("bph_1", "service_provider", BPH),
        ("bph_2", "service_provider", BPH),
        ("crypter", "service_provider", "crypting"),
        ("mixer", "financier", "mixer"),
        ("c2", "infrastructure", "server"),
        ("hospital", "victim", "organization"),
        ("bank", "victim", "organization"),
    ]:
        G.add_node(node, kind=kind, category=category, name=node)
    for u, rel, v in [
        ("affiliate_a", "AFFILIATED_WITH", "lockbit_core"),
        ("affiliate_b", "AFFILIATED_WITH", "lockbit_core"),
        ("lockbit_core", "OPERATES", "lockbit_raas"),
        ("lockbit_raas", "USES", "bph_1"),
        ("bph_1", "OPERATES", "c2"),
        ("mixer", "LAUNDERS_FOR", "lockbit_core"),
        ("affiliate_a", "TARGETS", "hospital"),
        ("fin7", "USES", "bph_2"),
        ("crypter", "SUPPLIES", "fin7"),
        ("fin7", "TARGETS", "bank"),
    ]:
        G.add_edge(u, v, key=rel, type=rel, confidence=90, organizations=2)
    return G


def planning_example() -> nx.MultiDiGraph:
    """The worked example of docs/planning.md: a ransomware core with two affiliates, and FIN7.

    The core uses Host East (bulletproof hosting, DE) and Cobalt Strike (a tool: software, never a supplier);
    a mixer (NL) launders for it; affiliate_1 and affiliate_2 are AFFILIATED_WITH it; affiliate_2 and FIN7 also
    use Host Island (bulletproof hosting, no known country). Harm: core 3 (two victims), affiliate_1 2,
    affiliate_2 1, FIN7 2.
    """
    G = nx.MultiDiGraph()
    for node, kind, category, countries, cost in [
        ("core", "actor", "group", ("RU",), 4),
        ("affiliate_1", "actor", "individual", ("NL",), 3),
        ("affiliate_2", "actor", "individual", (), 3),
        ("fin7", "actor", "group", ("US",), 5),
        ("host_east", "service_provider", BPH, ("DE",), 2),
        ("host_island", "service_provider", BPH, (), 2),
        ("mixer", "financier", "mixer", ("NL",), 2),
        ("cobalt_strike", "service_provider", "tool", (), 1),
        ("hospital", "victim", "organization", ("DE",), 1),
        ("school", "victim", "organization", ("NL",), 1),
        ("bank", "victim", "organization", ("US",), 1),
    ]:
        G.add_node(node, kind=kind, category=category, name=node, countries=frozenset(countries), cost=cost)
    for u, rel, v in [
        ("core", "USES", "host_east"),
        ("core", "USES", "cobalt_strike"),
        ("mixer", "LAUNDERS_FOR", "core"),
        ("affiliate_1", "AFFILIATED_WITH", "core"),
        ("affiliate_2", "AFFILIATED_WITH", "core"),
        ("affiliate_2", "USES", "host_island"),
        ("fin7", "USES", "host_island"),
        ("core", "TARGETS", "hospital"),
        ("core", "TARGETS", "school"),
        ("affiliate_1", "TARGETS", "school"),
        ("fin7", "TARGETS", "bank"),
    ]:
        G.add_edge(u, v, key=rel, type=rel, confidence=80, organizations=1)
    return G


def random_typed_ecosystem(nodes: int, edges: int, *, seed: int, categories: int = 6) -> nx.MultiDiGraph:
    """A random ecosystem with every kind, `categories` service kinds, every relationship type, parallel
    relationships, self-loops and dependency cycles: for holding compiled kernels to their pure-Python twins."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    kinds = ["actor", "actor", "service_provider", "service_provider", "financier", "infrastructure", "victim"]
    for v in range(nodes):
        kind = rng.choice(kinds)
        category = f"service_{rng.randrange(categories)}" if kind == "service_provider" else "other"
        G.add_node(v, kind=kind, category=category, name=f"n{v}")
    types = ["USES", "OPERATES", "SUPPLIES", "AFFILIATED_WITH", "LAUNDERS_FOR", "PAYS", "TARGETS"]
    for _ in range(edges):
        u, v, rel = rng.randrange(nodes), rng.randrange(nodes), rng.choice(types)
        G.add_edge(u, v, key=rel, type=rel)
    return G
