#!/usr/bin/env python3
"""The `fragmentation` chokepoint ranking of a large projection, in this process: as before its compiled kernels and
as now, in the same run, with the two answers compared.

The projection is a pickle of ``(projection, coalition)`` (or of the projection alone) read from a loaded benchmark
database, e.g. the 100,000 entities and 500,000 relationships of ``bench_paths.py`` (seed 11), so that no Neo4j is
needed here; without one, a generated ecosystem of ``--entities`` (five relationships per entity, seed 1). A pickle
is only read by the code that wrote it (the projection's form changes with the code). The ranking is
``services.analysis.rank`` (the pure function plus the answer's model), as a worker process runs it for
``GET /v1/analysis/chokepoints?method=fragmentation``.

"Before" is the same code with the supply-chain betweenness (`analysis.centrality`) and the service kinds actors
lose (`analysis._adjacency.service_losses`) left to their NetworkX and pure-Python twins; the dismantling order is
compiled in both. The first run also pays for loading numba and the dismantling kernels, the second for loading its
own kernels only; ``--order new-first`` swaps them.

The first line is the calibration of this machine now (scripts/benchlib.py); each figure is also given as a
multiple of its pure-Python loop.

    .venv/bin/python scripts/bench_fragmentation.py [--projection /path/to/projection.pickle | --entities 100000]
        [--top 10] [--seed 0] [--order old-first|new-first] [--no-neo4j-calibration]
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from atlas_graph.analysis import _adjacency
from atlas_graph.models.analysis import ChokepointsOut
from atlas_graph.services import analysis as analysis_service
from atlas_graph.store.projection import Projection
from atlas_graph.store.scope import GraphScope
from benchlib import Measured, bench_settings, calibrate_standalone, generated_projection, headline, measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projection", type=Path, help="pickle of (projection, coalition); else a generated one")
    parser.add_argument("--entities", type=int, default=100_000, help="without --projection: the generated size")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--order", choices=["old-first", "new-first"], default="old-first")
    parser.add_argument(
        "--no-neo4j-calibration", action="store_true", help="leave the bare Neo4j CREATE out of the calibration"
    )
    args = parser.parse_args()
    calibration = calibrate_standalone(None if args.no_neo4j_calibration else bench_settings(None, None))

    if args.projection is not None:
        with args.projection.open("rb") as file:
            loaded = pickle.load(file)
        projection: Projection = loaded[0] if isinstance(loaded, tuple) else loaded
    else:
        projection = generated_projection(args.entities)[0]
    graph = projection.graph
    print(f"projection: {graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges", flush=True)

    def ranking() -> ChokepointsOut:
        return analysis_service.rank(
            projection,
            ranking=analysis_service.Ranking(
                method="fragmentation", top=args.top, kinds=None, stability=False, samples=0, seed=args.seed
            ),
            scope=GraphScope(),
        )

    runs: dict[str, Measured[ChokepointsOut]] = {}
    labels = {"old": "before (NetworkX betweenness, Python losses)", "new": "now (compiled kernels)"}
    for which in ("old", "new") if args.order == "old-first" else ("new", "old"):
        with _as_before() if which == "old" else nullcontext():
            runs[which] = measured(ranking)
        print(
            f"  {labels[which]:<46} {runs[which].summary()}  ({calibration.python_ratio(runs[which].wall)})",
            flush=True,
        )
    old, new = runs["old"], runs["new"]
    print(f"  now / before: CPU {new.cpu / old.cpu:.2f}x, wall {new.wall / old.wall:.2f}x", flush=True)
    differences = list(_differences(old.value.model_dump(), new.value.model_dump()))
    for difference in differences[:20]:
        print(f"  differs: {difference}", flush=True)
    exact = old.value.model_dump() == new.value.model_dump()
    verdict = "the same answer" + (" (bit for bit)" if exact else " (floats within 1e-12)")
    print(f"  answers: {verdict if not differences else f'{len(differences)} differences'}", flush=True)
    headline(
        f"fragmentation ranking at {graph.number_of_nodes():,} entities, in-process",
        f"{new.cpu:.1f} CPU-s, wall {new.wall:.1f} s ({calibration.python_ratio(new.wall)}); "
        f"before {old.cpu:.1f} CPU-s",
    )
    return 1 if differences else 0


@contextmanager
def _as_before() -> Iterator[None]:
    """The ranking's betweenness and service losses by their twins of before (NetworkX and pure Python)."""
    saved = _adjacency.KERNEL_MIN_ELEMENTS
    _adjacency.KERNEL_MIN_ELEMENTS = sys.maxsize  # the dismantling order's own threshold is left as it is
    try:
        yield
    finally:
        _adjacency.KERNEL_MIN_ELEMENTS = saved


def _differences(old: Any, new: Any, path: str = "") -> Iterator[str]:
    """Where two answers differ, floats compared to 1e-12 relative."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys(), key=str):
            yield from _differences(old.get(key), new.get(key), f"{path}.{key}")
    elif isinstance(old, list | tuple) and isinstance(new, list | tuple) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _differences(a, b, f"{path}[{i}]")
    elif isinstance(old, float) and isinstance(new, float):
        if not math.isclose(old, new, rel_tol=1e-12, abs_tol=1e-15):
            yield f"{path}: {old!r} before, {new!r} now"
    elif old != new:
        yield f"{path}: {old!r} before, {new!r} now"


if __name__ == "__main__":
    raise SystemExit(main())
