"""Every copy of a canonical Cypher fragment in `cypher/` matches `cypher/fragments/`, so that no copy drifts.

The loader does no templating, so a condition that several queries need is copied into each. The canonical text
lives in `cypher/fragments/<name>.cypher`, with `r` standing for the relationship variable each copy names its own
way; this test finds every place a query reads the arrays the fragment reads and requires the canonical text there.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from atlas_graph.store.cypher import default_cypher_dir

CYPHER_DIR = default_cypher_dir()
VISIBLE_CLAIM = CYPHER_DIR / "fragments" / "visible_claim.cypher"
# Every loop over a relationship's claim arrays, and every read of the i-th claim's visibility or dates: only a copy
# of the fragment may read those (a query may read a passing claim's confidence again, to keep the best).
CLAIM_LOOP = re.compile(r"range\(0,\s*size\((?:coalesce\()?\w+\.a_vis\b")
CLAIM_ARRAY_READ = re.compile(r"\b\w+\.a_(?:vis|first|last)\[i\]")


def fragment_pattern(fragment: Path) -> re.Pattern[str]:
    """A pattern for the fragment's text with any whitespace between its words and any one relationship name."""
    body = [line for line in fragment.read_text(encoding="utf-8").splitlines() if not line.startswith("//")]
    pattern = r"\s+".join(re.escape(word) for word in " ".join(body).split())
    pattern = pattern.replace(r"r\.a_", r"(?P<relationship>\w+)\.a_", 1).replace(r"r\.a_", r"(?P=relationship)\.a_")
    return re.compile(pattern)


def drifted_copies(root: Path, fragment: Path) -> list[str]:
    """Where under `root` a loop over claim arrays lacks the fragment, or reads visibility or dates outside it."""
    copy = fragment_pattern(fragment)
    problems = []
    for path in sorted(root.rglob("*.cypher")):
        if path.parent == root / "fragments":
            continue
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root).as_posix()
        loops, copies = len(CLAIM_LOOP.findall(text)), len(copy.findall(text))
        if loops != copies:
            problems.append(f"{name}: {loops} loops over claim arrays but {copies} copies of {fragment.name}")
        stray = CLAIM_ARRAY_READ.findall(copy.sub("", text))
        if stray:
            problems.append(f"{name}: {', '.join(stray)} read outside a copy of {fragment.name}")
    return problems


def test_every_copy_of_the_visible_claim_condition_matches_the_fragment() -> None:
    assert drifted_copies(CYPHER_DIR, VISIBLE_CLAIM) == []


def test_the_condition_is_found_where_the_queries_filter_claims() -> None:
    # Guards the guard: a pattern that matched nothing would make the check above pass vacuously.
    copy = fragment_pattern(VISIBLE_CLAIM)
    copies = {
        path.stem: len(copy.findall(path.read_text(encoding="utf-8"))) for path in sorted(CYPHER_DIR.glob("read/*"))
    }
    assert {name: count for name, count in copies.items() if count} == {
        "neighborhood_step": 1,
        "paths_any": 2,
        "paths_forward": 2,
        "paths_shortest_any": 2,
        "paths_shortest_forward": 2,
        "projection_edges": 1,
    }


@pytest.mark.parametrize(
    ("query", "canonical", "drifted"),
    [
        ("read/paths_any", ">= $min_confidence", "> $min_confidence"),
        ("read/projection_edges", "$as_of <= relationship.a_last[i]", "$as_of < relationship.a_last[i]"),
        ("read/neighborhood_step", "r.a_vis[i] = '*' OR ", ""),
        ("read/paths_shortest_forward", "AND ($as_of IS NULL OR", "OR ($as_of IS NULL OR"),
        ("read/paths_forward", "AND (NOT $only_mine OR r.a_org[i]", "AND (NOT $only_mine OR r.a_vis[i]"),
    ],
)
def test_a_drifted_copy_is_reported(tmp_path: Path, query: str, canonical: str, drifted: str) -> None:
    root = tmp_path / "cypher"
    shutil.copytree(CYPHER_DIR, root)
    path = root / f"{query}.cypher"
    text = path.read_text(encoding="utf-8")
    assert canonical in text
    path.write_text(text.replace(canonical, drifted, 1), encoding="utf-8")
    problems = drifted_copies(root, root / "fragments" / VISIBLE_CLAIM.name)
    assert problems and all(problem.startswith(f"{query}.cypher: ") for problem in problems), problems
