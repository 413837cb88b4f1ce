#!/usr/bin/env python3
"""Run every benchmark, one after the other, and write a dated Markdown table of their figures to docs/benchmarks/.

Each benchmark prints its own calibration line first (scripts/benchlib.py: a fixed pure-Python loop and a bare
Neo4j CREATE of 10,000 relationships, measured in the same run), and its key figures as `headline:` lines; this
script gathers both into one table, beside a calibration of its own taken before the first benchmark, and keeps
each benchmark's whole output below the table. A reader on another machine compares the figures divided by the
calibration, not the figures.

The benchmark Neo4j (var/neo4j-bench, port ATLAS_BENCH_NEO4J_PORT or 7691) is started once for the whole run and
stopped at the end if this script started it; the benchmarks empty it, as they do when run alone.

    .venv/bin/python scripts/bench_all.py --quick                # small sizes, a few minutes
    .venv/bin/python scripts/bench_all.py                        # the documented sizes: hours on 2 cores
    .venv/bin/python scripts/bench_all.py --only bench_paths,bench_ingest --networks DIR
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from atlas_graph.neo4j_local import LocalNeo4j
from benchlib import REPO, Calibration, bench_settings, calibrate, load_average
from benchlib import bench_store as open_bench_store


@dataclass(frozen=True)
class Benchmark:
    script: str
    quick: list[str]
    full: list[str]


def benchmarks(networks: Path | None) -> list[Benchmark]:
    """Every benchmark with its quick and documented arguments (the documented ones are each script's defaults)."""
    # A short budget: the slow baselines (betweenness, adaptive or not) are skipped rather than run for minutes.
    dismantling_quick = ["--ba", "5000", "--budget", "20"] + (
        ["--networks", str(networks), "--only", "Crime"] if networks else []
    )
    dismantling_full = ["--networks", str(networks), "--scale"] if networks else ["--ba", "100000"]
    return [
        Benchmark(
            "bench_ingest.py",
            ["--entities", "2000", "--relationships", "10000", "--batch-size", "5000", "--naive-items", "500"],
            [],
        ),
        Benchmark("bench_paths.py", ["--entities", "5000", "--relationships", "25000", "--queries", "60"], []),
        Benchmark("bench_backup.py", ["--entities", "2000", "--relationships", "10000"], []),
        Benchmark("bench_taxii.py", ["--entities", "2000", "--relationships", "10000", "--pull-objects", "1000"], []),
        Benchmark("bench_plans.py", ["--sizes", "2000", "--time-limits", "20"], []),
        Benchmark("bench_analysis.py", ["--entities", "2000", "--relationships", "10000", "--samples", "5"], []),
        Benchmark("bench_fragmentation.py", ["--entities", "5000"], []),
        Benchmark("bench_capability.py", ["--entities", "5000"], []),
        Benchmark("bench_dismantling.py", dismantling_quick, dismantling_full),
    ]


@dataclass(frozen=True)
class Outcome:
    benchmark: Benchmark
    arguments: list[str]
    seconds: float
    returncode: int
    output: str

    @property
    def calibration(self) -> str:
        return next((line.removeprefix("calibration: ") for line in self.lines if line.startswith("calibration:")), "")

    @property
    def headlines(self) -> list[str]:
        return [line.removeprefix("headline: ") for line in self.lines if line.startswith("headline:")]

    @property
    def lines(self) -> list[str]:
        return self.output.splitlines()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: a few minutes instead of hours")
    parser.add_argument("--only", default="", help="comma-separated script names, e.g. bench_paths,bench_ingest")
    parser.add_argument("--networks", type=Path, help="edge lists for bench_dismantling.py (else a generated graph)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks", help="folder of the tables")
    args = parser.parse_args()
    wanted = {name.strip().removesuffix(".py") for name in args.only.split(",") if name.strip()}
    chosen = [b for b in benchmarks(args.networks) if not wanted or b.script.removesuffix(".py") in wanted]
    if not chosen:
        parser.error(f"--only names no benchmark: {args.only}")

    settings = bench_settings(None, None)
    local = LocalNeo4j(settings)
    started_here = not local.start(say=lambda m: print(m, file=sys.stderr)).already_running
    logs = REPO / "var" / "bench-all"
    logs.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    try:
        with open_bench_store(settings, empty=False) as store:
            calibration = calibrate(store)
        for benchmark in chosen:
            arguments = benchmark.quick if args.quick else benchmark.full
            print(f"running {benchmark.script} {' '.join(arguments)}", file=sys.stderr, flush=True)
            started = time.perf_counter()
            with (logs / f"{benchmark.script}.stderr.log").open("w") as errors:
                done = subprocess.run(
                    [sys.executable, str(REPO / "scripts" / benchmark.script), *arguments],
                    cwd=REPO,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    check=False,
                )
            outcome = Outcome(benchmark, arguments, time.perf_counter() - started, done.returncode, done.stdout)
            print(outcome.output, flush=True)
            print(f"  {benchmark.script}: exit {done.returncode}, {outcome.seconds:.0f} s", file=sys.stderr)
            outcomes.append(outcome)
    finally:
        if started_here:
            local.stop()

    path = write_table(args.out, outcomes, calibration, quick=args.quick)
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0 if all(outcome.returncode == 0 for outcome in outcomes) else 1


def write_table(folder: Path, outcomes: list[Outcome], calibration: Calibration, *, quick: bool) -> Path:
    now = datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now:%Y-%m-%d-%H%M}{'-quick' if quick else ''}.md"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    ).stdout.strip()
    lines = [
        f"# Benchmarks of {now:%Y-%m-%d %H:%M} UTC{' (--quick: small sizes)' if quick else ''}",
        "",
        f"`scripts/bench_all.py{' --quick' if quick else ''}` at commit {commit or 'unknown'}, on {machine()}; "
        f"load average at the end {load_average()}.",
        "",
        f"Calibration before the first benchmark: {calibration.line().removeprefix('calibration: ')}. Each "
        "benchmark measured its own calibration in its own run (second column): compare figures divided by it, "
        "not the figures, across machines and runs.",
        "",
        "| benchmark | arguments | its calibration | figures | wall time | exit |",
        "|---|---|---|---|---|---|",
    ]
    for outcome in outcomes:
        figures = "<br>".join(cell(line) for line in outcome.headlines) or "(no headline: see its output below)"
        lines.append(
            f"| `{outcome.benchmark.script}` | `{' '.join(outcome.arguments) or '(defaults)'}` | "
            f"{cell(outcome.calibration)} | {figures} | {outcome.seconds:.0f} s | {outcome.returncode} |"
        )
    for outcome in outcomes:
        lines += ["", f"## {outcome.benchmark.script}", "", "```", outcome.output.rstrip(), "```"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model or platform.machine()}), {memory:.0f} GiB, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    sys.exit(main())
