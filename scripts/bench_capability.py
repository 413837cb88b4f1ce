#!/usr/bin/env python3
"""The capability ranking (and the plans) in-process, this tree against an older commit, in one run.

Each side runs in its own child process, one after the other: the baseline imports ``atlas_graph`` from the
``--baseline`` commit (extracted with ``git archive`` into a temporary folder), the other from this tree. Each child
prints its CPU seconds (time.process_time), wall seconds and peak RSS for the work alone (loading the input
excluded), and writes its answer as JSON; the parent prints both lines, their ratio, and whether the answers are
equal (same ranked ids, scores, metrics and explanations; for plans the whole answer but the seconds).

- ``--what ranking`` (default): ``services.plans.rank_by_capability`` (GET /v1/analysis/chokepoints,
  method=capability, top 10, ``affiliates``) on ``--projection``, a pickle of ``(projection, coalition)``, or on a
  generated ecosystem (``--entities``, five relationships per entity, ``planning=True``). Both sides must read the
  pickle: a baseline from before the projection's rows and columns (issue 19) cannot, so compare with it on a
  generated ecosystem, which each side holds in its own form, in the same order.
- ``--what plans``: ``services.plans.make_plan`` (POST /v1/analysis/plans, budget 10, ``affiliates``, the
  generator's coalition) on generated ecosystems of ``--sizes`` entities (seed 1, as scripts/bench_plans.py).

The first line is the calibration of this machine now (scripts/benchlib.py), and each time is also given as a
multiple of its pure-Python loop.

    .venv/bin/python scripts/bench_capability.py [--projection PICKLE]
        [--entities 100000] [--what ranking|plans] [--sizes 2000,10000] [--baseline 4c60618]
        [--no-neo4j-calibration]
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

from benchlib import REPO, Calibration, bench_settings, calibrate_standalone, generated_projection, measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--what", choices=["ranking", "plans"], default="ranking")
    parser.add_argument("--projection", help="a pickle of (projection, coalition), as read from the benchmark")
    parser.add_argument("--entities", type=int, default=100_000, help="without --projection: a generated one")
    parser.add_argument("--sizes", default="2000,10000", help="--what plans: the ecosystems' entities")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", default="4c60618", help="the commit to compare with")
    parser.add_argument("--no-neo4j-calibration", action="store_true", help="leave the bare Neo4j CREATE out")
    parser.add_argument("--child", choices=["baseline", "this"], help=argparse.SUPPRESS)
    parser.add_argument("--answer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    calibration = calibrate_standalone(None if args.no_neo4j_calibration else bench_settings(None, None))
    with tempfile.TemporaryDirectory(prefix="bench-capability-") as folder:
        baseline_src = Path(folder) / "baseline"
        baseline_src.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.baseline, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline_src)], input=archive, check=True)
        runs = [("baseline", f"{args.baseline}", baseline_src / "src"), ("this", "this tree", REPO / "src")]
        if args.what == "ranking":
            cases = [args.projection or f"generated:{args.entities}"]
        else:
            cases = [f"generated:{size}" for size in args.sizes.split(",")]
        for case in cases:
            print(f"\n{args.what} on {case}")
            results = {}
            for side, label, source in runs:
                answer = Path(folder) / f"{side}.json"
                result = run_child(args, side, source, case, answer)
                results[side] = result
                print(f"  {label:<12} {summary(result, calibration)}", flush=True)
            base, this = results["baseline"], results["this"]
            print(
                f"  this / baseline: CPU {this['cpu'] / base['cpu']:.3f}, wall {this['wall'] / base['wall']:.3f}; "
                f"answers equal: {answers_equal(args.what, Path(folder))}",
                flush=True,
            )
    return 0


def run_child(args: argparse.Namespace, side: str, source: Path, case: str, answer: Path) -> dict[str, Any]:
    """Run one side in a child process importing `atlas_graph` from `source`; return its measurements."""
    # One hash seed for both sides: explanations name tied capabilities in the order of a set of strings, which
    # differs between processes with different seeds (as between two runs of the service).
    env = dict(os.environ, PYTHONPATH=f"{source}{os.pathsep}{REPO / 'scripts'}", PYTHONHASHSEED="0")
    command = [sys.executable, __file__, "--child", side, "--what", args.what, "--answer", str(answer)]
    command += ["--seed", str(args.seed)]
    if case.startswith("generated:"):
        command += ["--entities", case.split(":", 1)[1]]
    else:
        command += ["--projection", case]
    output = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def summary(result: dict[str, Any], calibration: Calibration) -> str:
    rss = f"{result['peak_rss'] / 2**20:,.0f} MiB" if result["peak_rss"] else "n/a"
    return (
        f"CPU {result['cpu']:7.2f} s, wall {result['wall']:7.2f} s ({calibration.python_ratio(result['wall'])}), "
        f"peak RSS {rss} (of which the input {result['input_rss'] / 2**20:,.0f} MiB)"
    )


def answers_equal(what: str, folder: Path) -> bool:
    base = json.loads((folder / "baseline.json").read_text())
    this = json.loads((folder / "this.json").read_text())
    for answer in (base, this):
        # The input's digest names how each tree holds the graph (a generated baseline's is its name), not a result.
        answer.get("scope", {}).pop("graph_version", None)
        if what == "plans":
            # The search's own seconds differ by nature; everything else must not.
            answer["objective"].pop("seconds", None)
    return bool(base == this)


# ----------------------------------------------------------------------------- a child: one side


def child(args: argparse.Namespace) -> int:
    """Load the input, run the work once, print the measurements as JSON (last line) and write the answer."""
    from atlas_graph.services import plans as plans_service
    from atlas_graph.store.scope import GraphScope

    if args.projection:
        with open(args.projection, "rb") as file:
            projection, coalition = pickle.load(file)
    else:
        projection, coalition = generated(args.entities, args.seed)
    input_rss = _rss()
    if args.what == "ranking":
        result = measured(
            lambda: plans_service.rank_by_capability(
                projection,
                top=10,
                kinds=None,
                scope=GraphScope(),
                substitution="affiliates",
                coalition=coalition,
                only_actionable=False,
                seed=0,
            )
        )
    else:
        from atlas_graph.models.analysis import PlanIn

        body = PlanIn(budget=10, substitution="affiliates", time_limit=60)
        arguments = plans_service.check_plan(projection.graph, body, coalition)
        result = measured(lambda: plans_service.make_plan(projection, scope=GraphScope(), **arguments))
    Path(args.answer).write_text(result.value.model_dump_json())
    print(
        json.dumps({"cpu": result.cpu, "wall": result.wall, "peak_rss": result.peak_rss or 0, "input_rss": input_rss})
    )
    return 0


def generated(entities: int, seed: int) -> tuple[Any, tuple[Any, ...]]:
    """A generated ecosystem as a projection, with the generator's coalition (as scripts/bench_plans.py)."""
    started = time.perf_counter()
    projection, coalition = generated_projection(entities, seed=seed)
    print(f"generated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return projection, coalition


def _rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
