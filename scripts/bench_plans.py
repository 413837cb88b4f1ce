#!/usr/bin/env python3
"""Disruption-plan benchmark: plans on generated ecosystems of 2,000, 10,000 and 100,000 entities.

Each ecosystem is generated with ``planning=True`` (countries, costs and a coalition of member profiles) and
five relationships per entity. The candidates are the targets the coalition can act on. For each size the
script prints the plan's search time (wall clock), the CPU seconds of the whole call (search and baselines: what a
loaded machine does not inflate), its loss, whether it is optimal (else the gap to the solver's bound),
the loss of each baseline (top by degree, by betweenness, by the fragmentation order, within the same budget),
the ratio of the plan's loss to the best baseline's, and the wall seconds after the search (the baselines and the
final scoring).

With ``--baseline COMMIT`` the plan of that commit (extracted with ``git archive`` into ``var/bench-plans/``, kept
there so that numba's cache of its kernels stays warm from one run to the next) runs on the same ecosystem first,
each side in its own child process; both print the CPU and wall seconds of the whole call and of the baselines
alone (the rankings' heads and their scoring), their ratios, and whether the answers are the same: targets, costs,
losses, the objective but its seconds, the losses per actor, the displacement and the baselines.

With ``--service`` each side then also answers as the service does (POST /v1/analysis/plans, seed 0): the API
process checks the request (``services.plans.check_plan``), and a worker builds the graph from the projection and
runs ``services.plans.make_plan`` (the plan, its explanations, gaps and notes); both are timed, the answers compared
whole but the search's seconds.

Timings depend on the machine and on what else runs on it. The first line is the calibration of this machine now
(scripts/benchlib.py: a fixed pure-Python workload and a bare Neo4j CREATE, in the same run): divide a timing by
the pure-Python loop's to compare runs across machines.

    .venv/bin/python scripts/bench_plans.py [--sizes 2000,10000,100000] [--budget 10] [--time-limits 20,20,60]
        [--baseline 711e148] [--service] [--no-neo4j-calibration]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchlib import REPO, bench_settings, calibrate_standalone, headline


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
    parser.add_argument("--baseline", help="a commit whose plan runs first on the same input, answers compared")
    parser.add_argument("--service", action="store_true", help="also the plan as the service answers it")
    parser.add_argument("--no-neo4j-calibration", action="store_true", help="leave the bare Neo4j CREATE out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-service", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--time-limit", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return service_child(args) if args.child_service else child(args)

    settings = None if args.no_neo4j_calibration else bench_settings(None, None)
    calibration = calibrate_standalone(settings).python_seconds
    print("(plan timings below also as multiples of the pure-Python loop)")
    sizes = [int(part) for part in args.sizes.split(",")]
    limits = [float(part) for part in args.time_limits.split(",")]
    limits += [limits[-1]] * (len(sizes) - len(limits))
    print(f"budget {args.budget:g}, substitution {args.substitution}, time limits {limits} s")
    sides = [("this tree", REPO / "src")]
    if args.baseline:
        sides.insert(0, (args.baseline, baseline_source(args.baseline)))
    header = (
        "entities  relationships  candidates  plan_s (x cal)  cpu_s  loss  optimal/gap  degree  betweenness"
        "  fragmentation  plan/best  baselines_s"
    )
    with tempfile.TemporaryDirectory(prefix="bench-plans-") as folder:
        for size, time_limit in zip(sizes, limits, strict=False):
            relationships, candidates = write_input(Path(folder) / "input.pickle", size, args)
            print(f"\n{size:,} entities, {relationships:,} relationships, {candidates:,} candidates")
            print(f"  {'':<10}  {header}")
            results: list[dict[str, Any]] = []
            for label, source in sides:
                answer = Path(folder) / f"answer-{len(results)}.json"
                result = run_child(
                    source, [str(Path(folder) / "input.pickle"), "--sizes", str(answer), *options(args, time_limit)]
                )
                results.append(result)
                print(f"  {label:<10}  {row(size, relationships, candidates, result, calibration)}", flush=True)
                print(f"  {'':<10}  solver {result['solver']}; targets {result['targets']}")
                print(
                    f"  {'':<10}  whole call CPU {result['cpu']:.2f} s, wall {result['wall']:.2f} s; baselines alone "
                    f"CPU {result['baselines_cpu']:.2f} s, wall {result['baselines_wall']:.2f} s",
                    flush=True,
                )
                if label == "this tree":
                    headline(f"disruption plan at {size:,} entities", summary(result, calibration))
            if len(results) == 2:
                before, after = results
                same = json.loads(Path(folder, "answer-0.json").read_text()) == json.loads(
                    Path(folder, "answer-1.json").read_text()
                )
                print(
                    f"  this / {args.baseline}: whole call CPU {after['cpu'] / before['cpu']:.2f}, wall "
                    f"{after['wall'] / before['wall']:.2f}; baselines CPU "
                    f"{after['baselines_cpu'] / before['baselines_cpu']:.2f}, wall "
                    f"{after['baselines_wall'] / before['baselines_wall']:.2f}; answers equal: {same}",
                    flush=True,
                )
            if args.service:
                compare_service(args, sides, Path(folder), size)
    return 0


def compare_service(args: argparse.Namespace, sides: list[tuple[str, Path]], folder: Path, size: int) -> None:
    """Each side's plan as the service answers it, on the projection of the same ecosystem."""
    from benchlib import generated_projection

    with (folder / "projection.pickle").open("wb") as file:
        pickle.dump(generated_projection(size, seed=args.seed), file, protocol=pickle.HIGHEST_PROTOCOL)
    results: list[dict[str, Any]] = []
    for label, source in sides:
        answer = folder / f"service-{len(results)}.json"
        child_arguments = [str(folder / "projection.pickle"), "--child-service", "--sizes", str(answer)]
        result = run_child(source, [*child_arguments, *options(args, 60.0)])
        results.append(result)
        print(
            f"  {label:<10}  service: API checks CPU {result['checks_cpu']:.2f} s; worker (graph and make_plan) CPU "
            f"{result['cpu']:.2f} s, wall {result['wall']:.2f} s",
            flush=True,
        )
    if len(results) == 2:
        before, after = results
        same = (folder / "service-0.json").read_text() == (folder / "service-1.json").read_text()
        print(
            f"  this / {args.baseline}: service checks CPU {after['checks_cpu'] / before['checks_cpu']:.2f}, worker "
            f"CPU {after['cpu'] / before['cpu']:.2f}, wall {after['wall'] / before['wall']:.2f}; answers equal: {same}",
            flush=True,
        )


def baseline_source(commit: str) -> Path:
    """The `src` folder of `commit`, extracted once under var/bench-plans/ (numba caches its kernels beside them)."""
    resolved = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", commit], check=True, capture_output=True, text=True
    ).stdout.strip()
    folder = REPO / "var" / "bench-plans" / resolved
    if not (folder / "src").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", resolved, "src"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder / "src"


def write_input(path: Path, size: int, args: argparse.Namespace) -> tuple[int, int]:
    """Generate the ecosystem and pickle ``(graph, candidates)`` for the children; return their sizes."""
    from atlas_graph.analysis.capabilities import MemberProfile, actionable_targets
    from atlas_graph.synthetic import generate_ecosystem

    ecosystem = generate_ecosystem(entities=size, relationships=args.per_entity * size, seed=args.seed, planning=True)
    G = ecosystem.to_networkx()
    coalition = [
        MemberProfile(member["name"], frozenset(member["jurisdictions"]), frozenset(member["actions"]))
        for member in ecosystem.coalition
    ]
    candidates = list(actionable_targets(G, coalition))
    with path.open("wb") as file:
        pickle.dump((G, candidates), file, protocol=pickle.HIGHEST_PROTOCOL)
    return G.number_of_edges(), len(candidates)


def run_child(source: Path, arguments: list[str]) -> dict[str, Any]:
    """Run this script as a child importing `atlas_graph` from `source`; return what it printed last (JSON)."""
    env = dict(os.environ, PYTHONPATH=f"{source}{os.pathsep}{REPO / 'scripts'}", PYTHONHASHSEED="0")
    command = [sys.executable, __file__, "--child", *arguments]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def options(args: argparse.Namespace, time_limit: float) -> list[str]:
    """The plan's options for a child."""
    seed = ["--seed", str(args.seed)]
    return ["--budget", str(args.budget), "--substitution", args.substitution, *seed, "--time-limit", str(time_limit)]


def quality_of(objective: dict[str, Any]) -> str:
    if objective["optimal"]:
        return "optimal"
    if objective["upper_bound"] is not None and objective["upper_bound"] > 0:
        return f"gap {(objective['upper_bound'] - objective['loss']) / objective['upper_bound']:.1%}"
    return "no bound"


def against_best_baseline(result: dict[str, Any]) -> str:
    best = max(result["baseline_losses"].values(), default=0.0)
    return f"{result['objective']['loss'] / best:.2f}" if best > 0 else "inf"


def summary(result: dict[str, Any], calibration: float) -> str:
    """The headline of one size: the whole call's wall time (baselines included), and how good the plan is."""
    return (
        f"{result['wall']:.1f} s wall ({result['wall'] / calibration:.1f}x cal), {result['cpu']:.1f} CPU-s; "
        f"{quality_of(result['objective'])}, {against_best_baseline(result)}x the best baseline's loss"
    )


def row(size: int, relationships: int, candidates: int, result: dict[str, Any], calibration: float) -> str:
    objective = result["objective"]
    quality = quality_of(objective)
    losses = result["baseline_losses"]
    ratio = against_best_baseline(result)
    seconds = result["seconds"]
    return (
        f"{size:>8}  {relationships:>13}  {candidates:>10}  "
        f"{seconds:>6.2f} ({seconds / calibration:>4.1f})  {result['cpu']:>5.1f}  {objective['loss']:>4g}  "
        f"{quality:>11}  {losses.get('degree', 0):>6g}  {losses.get('betweenness', 0):>11g}  "
        f"{losses.get('fragmentation', 0):>13g}  {ratio:>9}  {result['wall'] - seconds:>11.1f}"
    )


# ----------------------------------------------------------------------------- a child: one side


def child(args: argparse.Namespace) -> int:
    """Plan once on the pickled input; print the measurements as JSON (last line) and write the answer."""
    from atlas_graph.analysis import plans

    with open(args.child, "rb") as file:
        G, candidates = pickle.load(file)
    # The baselines alone: the one function of either side that ranks and scores them all, or each of them.
    name = "_baselines" if hasattr(plans, "_baselines") else "_baseline"
    ranked = getattr(plans, name)
    spent = {"cpu": 0.0, "wall": 0.0}

    def timed(*arguments: Any, **options: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return ranked(*arguments, **options)
        finally:
            spent["cpu"] += time.process_time() - cpu
            spent["wall"] += time.perf_counter() - wall

    setattr(plans, name, timed)
    cpu, wall = time.process_time(), time.perf_counter()
    found = plans.plan(
        G,
        args.budget,
        substitution=args.substitution,
        candidates=candidates,
        time_limit=args.time_limit,
        seed=args.seed,
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    objective = {
        "loss": found.objective.loss,
        "optimal": found.objective.optimal,
        "upper_bound": found.objective.upper_bound,
        "solver": found.objective.solver,
    }
    answer = {
        "targets": [[str(t.node), t.cost, t.loss] for t in found.targets],
        "objective": objective,
        "losses": sorted([str(actor), sorted(lost)] for actor, lost in found.losses.items()),
        "displacement": sorted(
            [str(actor), capability, route, [str(s) for s in suppliers]]
            for (actor, capability), (route, suppliers) in found.displacement.items()
        ),
        "baselines": [[b.method, [str(v) for v in b.targets], b.cost, b.loss] for b in found.baselines],
    }
    Path(args.sizes).write_text(json.dumps(answer))
    print(
        json.dumps(
            {
                "cpu": cpu,
                "wall": wall,
                "seconds": found.objective.seconds,
                "baselines_cpu": spent["cpu"],
                "baselines_wall": spent["wall"],
                "objective": objective,
                "solver": found.objective.solver,
                "targets": [str(t.node) for t in found.targets],
                "baseline_losses": {b.method: b.loss for b in found.baselines},
            }
        )
    )
    return 0


def service_child(args: argparse.Namespace) -> int:
    """Check and answer a plan request as the service does, on the pickled projection; print the measurements as
    JSON (last line) and write the answer but the search's seconds."""
    from atlas_graph.models.analysis import PlanIn
    from atlas_graph.services import plans as service
    from atlas_graph.store.scope import GraphScope

    with open(args.child, "rb") as file:
        projection, coalition = pickle.load(file)
    body = PlanIn(budget=args.budget, substitution=args.substitution, time_limit=args.time_limit)
    cpu = time.process_time()
    # The API process: the checks read the entities where the tree has them apart, else the whole graph.
    checked = projection.entities() if hasattr(projection, "entities") else projection.graph
    arguments = service.check_plan(checked, body, coalition)
    checks_cpu = time.process_time() - cpu
    # The worker: a fresh copy of the projection, as it arrives there, its graph not built yet.
    projection = pickle.loads(pickle.dumps(projection))
    cpu, wall = time.process_time(), time.perf_counter()
    answer = service.make_plan(projection, scope=GraphScope(), **arguments).model_dump(mode="json")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    answer["objective"].pop("seconds")
    Path(args.sizes).write_text(json.dumps(answer, sort_keys=True))
    print(json.dumps({"checks_cpu": checks_cpu, "cpu": cpu, "wall": wall}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
