#!/usr/bin/env python3
"""Disruption-plan benchmark: plans on generated ecosystems of 2,000, 10,000 and 100,000 entities.

Each ecosystem is generated with ``planning=True`` (countries, costs and a coalition of member profiles) and
five relationships per entity. The candidates are the targets the coalition can act on. For each size the
script prints the plan's search time (wall clock), the CPU seconds of the whole call (search and baselines: what a
loaded machine does not inflate), its loss, whether it is optimal (else the gap to the solver's bound),
the loss of each baseline (top by degree, by betweenness, by the fragmentation order, within the same budget)
and the ratio of the plan's loss to the best baseline's.

Timings depend on the machine and on what else runs on it. The first line is the calibration of this machine now
(scripts/benchlib.py: a fixed pure-Python workload and a bare Neo4j CREATE, in the same run): divide a timing by
the pure-Python loop's to compare runs across machines.

    .venv/bin/python scripts/bench_plans.py [--sizes 2000,10000,100000] [--budget 10] [--time-limits 20,20,60]
"""

from __future__ import annotations

import argparse
import sys
import time

from atlas_graph.analysis.capabilities import MemberProfile, Substitution, actionable_targets
from atlas_graph.analysis.plans import plan
from atlas_graph.synthetic import generate_ecosystem
from benchlib import bench_settings, calibrate_standalone


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,10000,100000")
    parser.add_argument("--per-entity", type=int, default=5, help="relationships per entity")
    parser.add_argument("--budget", type=float, default=10.0)
    parser.add_argument("--substitution", default="affiliates", choices=["none", "affiliates", "market"])
    parser.add_argument(
        "--time-limits", default="20,20,60", help="the plan's time limit per size (the issue's targets)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-neo4j-calibration", action="store_true", help="leave the bare Neo4j CREATE out")
    args = parser.parse_args()
    substitution: Substitution = args.substitution

    settings = None if args.no_neo4j_calibration else bench_settings(None, None)
    calibration = calibrate_standalone(settings).python_seconds
    print("(plan timings below also as multiples of the pure-Python loop)")
    sizes = [int(part) for part in args.sizes.split(",")]
    limits = [float(part) for part in args.time_limits.split(",")]
    limits += [limits[-1]] * (len(sizes) - len(limits))
    print(f"budget {args.budget:g}, substitution {substitution}, time limits {limits} s")
    header = (
        "entities  relationships  candidates  plan_s (x cal)  cpu_s  loss  optimal/gap  degree  betweenness"
        "  fragmentation  plan/best  baselines_s"
    )
    print(header)
    for size, time_limit in zip(sizes, limits, strict=False):
        ecosystem = generate_ecosystem(
            entities=size, relationships=args.per_entity * size, seed=args.seed, planning=True
        )
        G = ecosystem.to_networkx()
        coalition = [
            MemberProfile(member["name"], frozenset(member["jurisdictions"]), frozenset(member["actions"]))
            for member in ecosystem.coalition
        ]
        candidates = actionable_targets(G, coalition)
        started, cpu_started = time.perf_counter(), time.process_time()
        found = plan(
            G,
            args.budget,
            substitution=substitution,
            candidates=candidates,
            time_limit=time_limit,
            seed=args.seed,
        )
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        objective = found.objective
        if objective.optimal:
            quality = "optimal"
        elif objective.upper_bound is not None and objective.upper_bound > 0:
            quality = f"gap {(objective.upper_bound - objective.loss) / objective.upper_bound:.1%}"
        else:
            quality = "no bound"
        losses = {baseline.method: baseline.loss for baseline in found.baselines}
        best = max(losses.values(), default=0.0)
        ratio = f"{objective.loss / best:.2f}" if best > 0 else "inf"
        print(
            f"{size:>8}  {G.number_of_edges():>13}  {len(candidates):>10}  "
            f"{objective.seconds:>6.2f} ({objective.seconds / calibration:>4.1f})  {cpu:>5.1f}  {objective.loss:>4g}  "
            f"{quality:>11}  {losses.get('degree', 0):>6g}  {losses.get('betweenness', 0):>11g}  "
            f"{losses.get('fragmentation', 0):>13g}  {ratio:>9}  {total - objective.seconds:>11.1f}",
            flush=True,
        )
        print(f"          solver {objective.solver}; targets {[target.node for target in found.targets]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
