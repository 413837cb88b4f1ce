"""The Cypher library: every file is documented, declared and used; a missing one fails at load."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import atlas_graph.store
from atlas_graph.errors import ConfigurationError
from atlas_graph.store.cypher import CypherLibrary, default_cypher_dir
from atlas_graph.store.queries import QUERY_NAMES

CYPHER_DIR = default_cypher_dir()
REPO = Path(__file__).resolve().parents[3]
QUERY_LITERAL = re.compile(r'"((?:read|write)/[a-z_0-9]+)"')


def _names_used_in(folder: Path) -> set[str]:
    return {name for path in folder.glob("*.py") for name in re.findall(r'"(bench/[a-z_]+)"', path.read_text())}


def all_query_files() -> list[Path]:
    return sorted(CYPHER_DIR.rglob("*.cypher"))


def test_every_query_a_store_module_names_is_in_the_one_list() -> None:
    # A query named in a store module but missing from QUERY_NAMES would not be checked at start-up.
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.iter_modules(atlas_graph.store.__path__, "atlas_graph.store.")
    ]
    named = set()
    for module in modules:
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        in_source = set(QUERY_LITERAL.findall(source))
        assert in_source == set(getattr(module, "QUERIES", ())), f"{module.__name__}: list every query in QUERIES"
        named |= in_source
    assert named == QUERY_NAMES


def test_every_file_starts_with_a_comment_line() -> None:
    for path in all_query_files():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("// ") and len(first) > 10, path


def test_every_query_file_is_used_and_every_declared_query_exists() -> None:
    library = CypherLibrary.load()
    on_disk = set(library.names())
    schema = {name for name in on_disk if name.startswith("schema/")}
    assert schema, "the schema folder is applied as a whole and must not be empty"
    bench = {name for name in on_disk if name.startswith("bench/")}
    assert bench <= _names_used_in(REPO / "scripts"), "every bench/ query is run by a script under scripts/"
    # A fragment is the canonical text of a condition that queries copy; no store module runs it.
    fragments = {name for name in on_disk if name.startswith("fragments/")}
    guarded = (Path(__file__).parent / "test_cypher_fragments.py").read_text(encoding="utf-8")
    assert all(f'"{name.removeprefix("fragments/")}.cypher"' in guarded for name in fragments), "guard each fragment"
    assert on_disk - schema - bench - fragments == QUERY_NAMES


def test_no_query_formats_user_values() -> None:
    # Values reach Cypher only as $parameters; Python format fields in a query file would mean string building.
    for path in all_query_files():
        assert not re.search(r"\{[a-z_]+\}", path.read_text(encoding="utf-8").replace("{ ", "").replace(" }", "")), path


def test_missing_declared_query_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "read").mkdir()
    (tmp_path / "read" / "present.cypher").write_text("// x\nRETURN 1\n")
    with pytest.raises(ConfigurationError, match="read/absent.cypher"):
        CypherLibrary.load(tmp_path, required=frozenset({"read/present", "read/absent"}))


def test_unknown_name_lookup_fails() -> None:
    library = CypherLibrary({"read/a": "RETURN 1"})
    assert library["read/a"] == "RETURN 1"
    with pytest.raises(ConfigurationError):
        library["read/b"]
