"""The README's map of the code ("How the code is laid out") matches the tree: what it names exists, and it leaves
out no module of the package's top level, nor of the packages whose entry lists their modules."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "atlas_graph"

LISTED_IN_FULL = ("api", "cli", "stix", "imports", "imports/formats", "misp", "taxii")
"""Packages whose entry in the map names every module they have (by file name, or by stem in a list)."""

_ENTRY = re.compile(r"^(?P<indent> {0,2})(?P<name>[\w./]+)(?: {2,}(?P<text>.*))?$")
_PATH = re.compile(r"(?<![\w/.`-])((?:[a-z_][a-z0-9_]*/)*[a-z_][a-z0-9_]*(?:\.py|/))(?![\w/])")


def map_entries() -> dict[Path, str]:
    """Each path the map gives an entry to, with its description (continuation lines joined)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## How the code is laid out", 1)[1]
    block = section.split("```", 2)[1].split("\n", 1)[1]
    entries: dict[Path, str] = {}
    current: Path | None = None
    for line in block.splitlines():
        entry = _ENTRY.match(line)
        if entry:
            base = PACKAGE if entry["indent"] else ROOT
            current = base / entry["name"].rstrip("/")
            entries[current] = entry["text"] or ""
        elif current is not None and line.strip():
            entries[current] += " " + line.strip()
    return entries


def test_every_entry_of_the_map_exists() -> None:
    entries = map_entries()
    assert PACKAGE / "main.py" in entries and ROOT / "cypher" in entries, "the map was not found in README.md"
    missing = [str(path.relative_to(ROOT)) for path in entries if not path.exists()]
    assert not missing, f"the README's map names what the tree does not have: {missing}"


def test_every_path_a_description_names_exists() -> None:
    missing = []
    for entry, text in map_entries().items():
        for named in _PATH.findall(text):
            # Relative to the entry (a package's own modules), else to the package or the repository; a bare file
            # name may be in one of the entry's subfolders (`formats/ (...; reader.py ...)`).
            if any((base / named.rstrip("/")).exists() for base in (entry, PACKAGE, ROOT)):
                continue
            if "/" in named or entry.is_file() or not any(entry.rglob(named)):
                missing.append(f"{entry.relative_to(ROOT)}: {named}")
    assert not missing, f"the README's map names paths the tree does not have: {missing}"


def test_the_map_has_every_module_of_the_package() -> None:
    on_disk = {path for path in PACKAGE.iterdir() if path.name not in ("__init__.py", "__pycache__")}
    left_out = sorted(path.name for path in on_disk - set(map_entries()))
    assert not left_out, f"the README's map leaves out {left_out}"


def test_packages_listed_in_full_name_each_of_their_modules() -> None:
    entries = map_entries()
    left_out = []
    for package in LISTED_IN_FULL:
        outer, _, inner = package.partition("/")
        text = entries[PACKAGE / outer]
        if inner:
            # A subpackage is described inside its parent's entry: `formats/ (bundle, stix, ...)`.
            text = text.split(f"{inner}/", 1)[1].split(")", 1)[0]
        for module in sorted((PACKAGE / package).iterdir()):
            if module.name.startswith("__") or module.name == "py.typed":
                continue
            if not re.search(rf"(?<![\w/]){re.escape(module.stem)}(\.py|/)?(?![\w])", text):
                left_out.append(f"{package}/{module.name}")
    assert not left_out, f"the README's map leaves out modules of packages it lists in full: {left_out}"
