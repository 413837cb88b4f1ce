"""Benchmark `dismantling_order` against classic dismantling baselines on real networks.

For every network it prints the robustness R (Schneider et al. 2011; lower is better), the fraction
of removed nodes at which the largest connected component (LCC) first falls to 10% and to 1% of
the nodes, and the wall and CPU time and peak RSS, for `dismantling_order` and for baselines computed in the same run:

- high degree (static), adaptive degree, CoreHD (Zdeborova et al. 2016);
- Collective Influence l=2 (Morone & Makse 2015), adaptive, choosing only nodes of the current LCC;
- betweenness (static), and adaptive betweenness (recomputed on the current LCC after every
  removal), skipped when they would not finish within ``--budget`` seconds.

Ties are broken by degree, then by the order of first appearance in the edge list. Baselines run
one node at a time, without reinsertion, which reproduces the published values of the Generalized
Network Dismantling data folder to within tie-breaking.

Usage::

    .venv/bin/python scripts/bench_dismantling.py --networks DIR [--only Crime,PPI] [--budget 600]
        [--seed 0] [--scale] [--ba NODES] [--no-neo4j-calibration]

``DIR`` holds edge lists, ``u v`` per line; a first line of two numbers that does not look like an
edge is a header and is skipped, self-loops are dropped. Networks with more than 50,000 edges are
run only with ``--scale``, which also adds generated Barabasi-Albert graphs of 100,000 and 200,000 nodes
(about 500,000 and 1,000,000 edges, seed 1); on those only the baselines that fit the budget run.
``--ba NODES`` runs a generated Barabasi-Albert graph of that many nodes
(5 edges each, seed 1), with or without ``--networks``.

The first line is the calibration of this machine now (scripts/benchlib.py); times are also given as multiples
of its pure-Python loop. Each method prints its wall and CPU seconds and its peak memory (RSS). On graphs large
enough for `dismantling_order`'s compiled kernels, the same order computed in pure Python (as before the kernels)
runs beside it as the baseline, with the ratios of the two (``--no-python-baseline`` leaves it out).
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

import networkx as nx

from atlas_graph.analysis import dismantling
from atlas_graph.analysis.dismantling import dismantling_order
from atlas_graph.analysis.robustness import lcc_curve
from atlas_graph.synthetic import generate_ecosystem
from benchlib import Calibration, Measured, bench_settings, calibrate_standalone, headline, measured

Order = list[Hashable]

LARGE_EDGES = 50_000
#: Exact betweenness in NetworkX scans roughly this many (source, edge) pairs a second here.
BETWEENNESS_RATE = 1.5e6


class BudgetExceeded(Exception):
    """A baseline ran, or would run, past its time budget."""


def read_edge_list(path: Path) -> nx.Graph:
    """Read an undirected edge list, skipping an ``N M`` header line and self-loops."""
    rows = []
    with path.open() as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2 or parts[0].startswith(("#", "%")):
                continue
            rows.append((int(parts[0]), int(parts[1])))
    if rows:
        a, b = rows[0]
        rest = rows[1:]
        nodes = {x for edge in rest for x in edge}
        if b == len(rest) and (a == len(nodes) or a == max(nodes, default=0)):
            rows = rest
    G = nx.Graph()
    G.add_edges_from((u, v) for u, v in rows if u != v)
    return G


def network_name(path: Path) -> str:
    """Return a short name for a network file, e.g. ``Crime`` for ``Crime_Gcc.txt``."""
    stem = path.stem
    for suffix in ("_Gcc", "_gcc", "_GCC"):
        stem = stem.removesuffix(suffix)
    return stem


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- baselines


def high_degree(G: nx.Graph, deadline: float) -> Order:
    position = {v: i for i, v in enumerate(G)}
    return sorted(G, key=lambda v: (-G.degree(v), position[v]))


def adaptive_degree(G: nx.Graph, deadline: float) -> Order:
    return _adaptive_degree(G, list(G), set())


def _adaptive_degree(G: nx.Graph, nodes: Sequence[Hashable], removed: set[Hashable]) -> Order:
    position = {v: i for i, v in enumerate(G)}
    degree = {v: sum(1 for u in G.adj[v] if u not in removed) for v in nodes}
    heap = [(-d, position[v], v) for v, d in degree.items()]
    heapq.heapify(heap)
    order = []
    while heap:
        neg, _, v = heapq.heappop(heap)
        if v in removed or -neg != degree[v]:
            continue
        removed.add(v)
        order.append(v)
        for u in G.adj[v]:
            if u not in removed:
                degree[u] -= 1
                heapq.heappush(heap, (-degree[u], position[u], u))
    return order


def core_hd(G: nx.Graph, deadline: float) -> Order:
    """Adaptive highest degree within the 2-core until it is empty, then adaptive degree."""
    position = {v: i for i, v in enumerate(G)}
    degree = dict(G.degree())
    in_core = dict.fromkeys(G, True)
    heap: list[tuple[int, int, Hashable]] = []

    def prune(stack: list[Hashable]) -> None:
        while stack:
            v = stack.pop()
            if not in_core[v]:
                continue
            in_core[v] = False
            for u in G.adj[v]:
                if in_core[u]:
                    degree[u] -= 1
                    if degree[u] < 2:
                        stack.append(u)
                    else:
                        heapq.heappush(heap, (-degree[u], position[u], u))

    prune([v for v in G if degree[v] < 2])
    heap[:] = [(-degree[v], position[v], v) for v in G if in_core[v]]
    heapq.heapify(heap)
    order = []
    while heap:
        neg, _, v = heapq.heappop(heap)
        if not in_core[v] or -neg != degree[v]:
            continue
        in_core[v] = False
        order.append(v)
        stack = []
        for u in G.adj[v]:
            if in_core[u]:
                degree[u] -= 1
                if degree[u] < 2:
                    stack.append(u)
                else:
                    heapq.heappush(heap, (-degree[u], position[u], u))
        prune(stack)
    removed = set(order)
    return order + _adaptive_degree(G, [v for v in G if v not in removed], removed)


def _from_largest_piece(
    G: nx.Graph,
    deadline: float,
    pick: Callable[[nx.Graph, set[Hashable]], Hashable],
    remove: Callable[[nx.Graph, Hashable], None],
    label: str,
) -> Order:
    """Repeatedly remove ``pick(H, lcc)`` from the largest connected component of what is left."""
    H = nx.Graph(G)
    position = {v: i for i, v in enumerate(G)}

    def entry(nodes: set[Hashable]) -> tuple[int, int, set[Hashable]]:
        return (-len(nodes), min(position[x] for x in nodes), nodes)

    pieces = [entry(set(c)) for c in nx.connected_components(H)]
    heapq.heapify(pieces)
    order = []
    while pieces:
        if time.monotonic() > deadline:
            raise BudgetExceeded
        _, _, nodes = heapq.heappop(pieces)
        v = next(iter(nodes)) if len(nodes) == 1 else pick(H, nodes)
        order.append(v)
        nodes.discard(v)
        splits = H.degree(v) > 1
        remove(H, v)
        if splits:
            for c in nx.connected_components(H.subgraph(nodes)):
                heapq.heappush(pieces, entry(set(c)))
        elif nodes:
            heapq.heappush(pieces, entry(nodes))
        if len(order) % 500 == 0:
            progress(f"    {label}: {len(order):,} removed")
    return order


def collective_influence(G: nx.Graph, deadline: float, radius: int = 2) -> Order:
    """Adaptive CI_l = (k_i - 1) * sum of (k_j - 1) over the frontier of the ball of radius l."""
    position = {v: i for i, v in enumerate(G)}

    def layers(H: nx.Graph, v: Hashable, depth: int) -> tuple[set[Hashable], list[Hashable]]:
        ball = {v}
        frontier = [v]
        for _ in range(depth):
            nxt = []
            for x in frontier:
                for y in H.adj[x]:
                    if y not in ball:
                        ball.add(y)
                        nxt.append(y)
            frontier = nxt
        return ball, frontier

    def ci(H: nx.Graph, v: Hashable) -> int:
        k: int = H.degree(v)
        if k <= 1:
            return 0
        return (k - 1) * sum(int(H.degree(u)) - 1 for u in layers(H, v, radius)[1])

    score = {v: ci(G, v) for v in G}

    def pick(H: nx.Graph, nodes: set[Hashable]) -> Hashable:
        return max(nodes, key=lambda x: (score[x], H.degree(x), -position[x]))

    def remove(H: nx.Graph, v: Hashable) -> None:
        ball = layers(H, v, radius + 1)[0]
        H.remove_node(v)
        for u in ball - {v}:
            score[u] = ci(H, u)

    return _from_largest_piece(G, deadline, pick, remove, "CI")


def static_betweenness(G: nx.Graph, deadline: float) -> Order:
    position = {v: i for i, v in enumerate(G)}
    score = nx.betweenness_centrality(G)
    return sorted(G, key=lambda v: (-score[v], -G.degree(v), position[v]))


def adaptive_betweenness(G: nx.Graph, deadline: float, curve: Sequence[int] = ()) -> Order:
    """Remove the top-betweenness node of the current LCC, recomputing it after every removal.

    After the first step, the time of the whole run is estimated from `curve` (an LCC curve of a
    good order), since a step costs about the LCC's nodes times its edges; the run stops at once
    when the estimate exceeds the deadline.
    """
    position = {v: i for i, v in enumerate(G)}
    n = G.number_of_nodes()
    start = time.monotonic()

    def pick(H: nx.Graph, nodes: set[Hashable]) -> Hashable:
        sub = H.subgraph(nodes)
        score = nx.betweenness_centrality(sub, normalized=False)
        if len(nodes) == n and curve:
            first = time.monotonic() - start
            estimate = 2 * first * sum((size / n) ** 2 for size in curve[:-1] if size > 2)
            if start + estimate > deadline:
                raise BudgetExceeded(f"estimated {estimate:,.0f} s after the first step")
        return max(nodes, key=lambda x: (score[x], sub.degree(x), -position[x]))

    return _from_largest_piece(G, deadline, pick, nx.Graph.remove_node, "adaptive betweenness")


def betweenness_seconds(G: nx.Graph) -> float:
    """Estimate the seconds one exact betweenness computation of `G` takes in NetworkX."""
    return float(G.number_of_nodes() * G.number_of_edges()) / BETWEENNESS_RATE


Method = Callable[[nx.Graph, float], Order]


PURE_PYTHON = "dismantling_order, pure Python"


def pure_python_order(G: nx.Graph, seed: int) -> Order:
    """`dismantling_order` as before its compiled kernels (the same order, in pure Python): the baseline."""
    threshold = dismantling.KERNEL_MIN_ELEMENTS
    dismantling.KERNEL_MIN_ELEMENTS = sys.maxsize
    try:
        return dismantling_order(G, seed=seed)
    finally:
        dismantling.KERNEL_MIN_ELEMENTS = threshold


def methods(seed: int) -> list[tuple[str, Method]]:
    return [
        ("dismantling_order", lambda G, deadline: dismantling_order(G, seed=seed)),
        (PURE_PYTHON, lambda G, deadline: pure_python_order(G, seed)),
        ("high degree", high_degree),
        ("adaptive degree", adaptive_degree),
        ("CoreHD", core_hd),
        ("CI l=2 (adaptive, LCC)", collective_influence),
        ("betweenness (static)", static_betweenness),
        ("adaptive betweenness", adaptive_betweenness),
    ]


def skip_reason(name: str, G: nx.Graph, budget: float) -> str | None:
    """Return why a baseline is skipped up front, or None to run it.

    Only the runs that cannot finish even one betweenness computation are skipped here; adaptive
    betweenness estimates its whole run after its first step.
    """
    once = betweenness_seconds(G)
    if name == "betweenness (static)" and once > budget:
        return f"skipped: estimated {once:,.0f} s > budget"
    if name == "adaptive betweenness" and once > budget:
        return f"skipped: estimated {once:,.0f} s for the first of many steps > budget"
    if name.startswith("CI") and G.number_of_edges() > LARGE_EDGES:
        return f"skipped: not run above {LARGE_EDGES:,} edges (radius-3 updates around hubs)"
    return None


# ----------------------------------------------------------------------------- driver


def measure(G: nx.Graph, order: Order) -> tuple[float, float, float]:
    """Return R and the fractions removed when the LCC first falls to 10% and to 1% of N."""
    curve = lcc_curve(G, order)
    n = len(curve) - 1
    r = sum(curve[1:]) / (n * n)
    f10 = next(q for q, size in enumerate(curve) if size <= 0.1 * n) / n
    f1 = next(q for q, size in enumerate(curve) if size <= 0.01 * n) / n
    return r, f10, f1


def run_network(
    name: str, G: nx.Graph, *, budget: float, seed: int, calibration: Calibration, python_baseline: bool = True
) -> None:
    n, m = G.number_of_nodes(), G.number_of_edges()
    print(f"\n{name}  (N={n:,}, M={m:,})")
    print(f"  {'method':<30} {'R':>9} {'LCC<=10%':>9} {'LCC<=1%':>9} {'wall':>8} {'CPU':>8} {'peak RSS':>9}")
    curve: list[int] = []
    compiled: Measured[Order] | None = None
    for label, method in methods(seed):
        if label == PURE_PYTHON and (not python_baseline or n + 2 * m < dismantling.KERNEL_MIN_ELEMENTS):
            continue  # below the threshold dismantling_order is this very path
        reason = None if label.startswith("dismantling_order") else skip_reason(label, G, budget)
        if reason:
            print(f"  {label:<30} {reason}", flush=True)
            continue
        progress(f"  {name}: {label} ...")
        deadline = time.monotonic() + budget
        try:
            if method is adaptive_betweenness:
                run = measured(lambda deadline=deadline, curve=curve: adaptive_betweenness(G, deadline, curve))
            else:
                run = measured(lambda method=method, deadline=deadline: method(G, deadline))
        except BudgetExceeded as exc:
            why = exc.args[0] if exc.args else f"did not finish within {budget:,.0f} s"
            print(f"  {label:<30} skipped: {why} (budget {budget:,.0f} s)", flush=True)
            continue
        order = run.value
        if len(order) != n or set(order) != set(G):
            raise RuntimeError(f"{label} did not return a permutation of the nodes")
        if not curve:
            curve = lcc_curve(G, order)
        r, f10, f1 = measure(G, order)
        rss = f"{run.peak_rss / 2**20:,.0f} MiB" if run.peak_rss is not None else "n/a"
        print(
            f"  {label:<30} {r:9.6f} {f10:9.5f} {f1:9.5f} {run.wall:7.1f}s {run.cpu:7.1f}s {rss:>9}  "
            f"({calibration.python_ratio(run.wall)})",
            flush=True,
        )
        if label == "dismantling_order":
            compiled = run
            headline(
                f"dismantling_order on {name} (N={n:,}, M={m:,})",
                f"R {r:.4f} in {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, peak RSS {rss} "
                f"({calibration.python_ratio(run.wall)})",
            )
        if label == PURE_PYTHON and compiled is not None:
            same = "the same order" if order == compiled.value else "A DIFFERENT ORDER"
            print(
                f"  {'':<30} compiled / pure Python: wall {compiled.wall / run.wall:.2f}x, "
                f"CPU {compiled.cpu / run.cpu:.2f}x, {same}",
                flush=True,
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--networks", type=Path, help="folder of edge lists (*.txt)")
    parser.add_argument("--ba", type=int, default=0, help="also a generated Barabasi-Albert graph of NODES nodes")
    parser.add_argument(
        "--no-neo4j-calibration", action="store_true", help="leave the bare Neo4j CREATE out of the calibration"
    )
    parser.add_argument(
        "--no-python-baseline",
        action="store_true",
        help="leave out dismantling_order in pure Python (the baseline of its compiled kernels) on large graphs",
    )
    parser.add_argument("--only", default="", help="comma-separated network names, e.g. Crime,PPI")
    parser.add_argument(
        "--budget", type=float, default=600.0, help="seconds allowed to each slow baseline (default 600)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for dismantling_order (default 0)")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="also run large networks, BA graphs of 100,000 and 200,000 nodes (0.5M and 1M edges) and a generated "
        "ecosystem",
    )
    args = parser.parse_args(argv)
    wanted = {x.strip() for x in args.only.split(",") if x.strip()}
    if args.networks is None and not args.ba and not args.scale:
        parser.error("give --networks, --ba NODES or --scale")
    files = sorted(args.networks.glob("*.txt"), key=lambda p: p.stat().st_size) if args.networks else []
    if args.networks is not None and not files:
        parser.error(f"no *.txt edge lists in {args.networks}")
    calibration = calibrate_standalone(None if args.no_neo4j_calibration else bench_settings(None, None))
    for path in files:
        name = network_name(path)
        if wanted and name not in wanted:
            continue
        G = read_edge_list(path)
        if G.number_of_edges() > LARGE_EDGES and not args.scale:
            print(f"\n{name}: {G.number_of_edges():,} edges, run with --scale")
            continue
        run_network(
            name,
            G,
            budget=args.budget,
            seed=args.seed,
            calibration=calibration,
            python_baseline=not args.no_python_baseline,
        )
    if args.ba:
        progress(f"generating BA({args.ba}, 5) ...")
        G = nx.barabasi_albert_graph(args.ba, 5, seed=1)
        run_network(
            f"BA{args.ba}",
            G,
            budget=args.budget,
            seed=args.seed,
            calibration=calibration,
            python_baseline=not args.no_python_baseline,
        )
    for nodes, label in ((100_000, "BA100k"), (200_000, "BA200k")):
        if args.scale and (not wanted or label in wanted):
            progress(f"generating BA({nodes}, 5) ...")
            run_network(
                label,
                nx.barabasi_albert_graph(nodes, 5, seed=1),
                budget=args.budget,
                seed=args.seed,
                calibration=calibration,
                python_baseline=not args.no_python_baseline,
            )
    if args.scale and (not wanted or "Ecosystem100k" in wanted):
        progress("generating the synthetic ecosystem (100,000 entities, 500,000 relationships) ...")
        ecosystem = generate_ecosystem(entities=100_000, relationships=500_000, seed=args.seed)
        run_network(
            "Ecosystem100k",
            nx.Graph(ecosystem.to_networkx()),
            budget=args.budget,
            seed=args.seed,
            calibration=calibration,
            python_baseline=not args.no_python_baseline,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
