"""Tests of scripts/generate_ecosystem.py: one bundle file, or batch files that add up to the same bundle."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from atlas_graph.synthetic import generate_ecosystem

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "generate_ecosystem.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_ecosystem_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_out_writes_the_seeded_bundle_and_reports_counts(
    script: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ecosystem.json"
    assert script.main(["--entities", "120", "--relationships", "400", "--seed", "5", "--out", str(out)]) == 0
    assert json.loads(out.read_text()) == generate_ecosystem(entities=120, relationships=400, seed=5).as_bundle()
    report = capsys.readouterr().err
    assert "120 entities" in report and "400 relationships" in report
    assert "actor" in report and "TARGETS" in report and "seed 5" in report


def test_out_dir_writes_batches_that_add_up_to_the_bundle(script: ModuleType, tmp_path: Path) -> None:
    arguments = ["--entities", "120", "--relationships", "400", "--seed", "5"]
    assert script.main([*arguments, "--out-dir", str(tmp_path), "--batch-size", "100"]) == 0
    files = sorted(tmp_path.glob("batch-*.json"))
    assert [file.name for file in files[:2]] == ["batch-000001.json", "batch-000002.json"]
    assert len(files) == 6  # 520 items, 100 a file
    batches = [json.loads(file.read_text()) for file in files]
    expected = generate_ecosystem(entities=120, relationships=400, seed=5)
    assert [entity for batch in batches for entity in batch["entities"]] == expected.entities
    posted = [relationship for batch in batches for relationship in batch["relationships"]]
    assert sorted(map(json.dumps, posted)) == sorted(map(json.dumps, expected.relationships))


@pytest.mark.parametrize(
    "arguments",
    [
        ["--entities", "3", "--out", "x.json"],
        ["--out-dir", "x", "--batch-size", "0"],
        ["--out", "x.json", "--out-dir", "x"],
        [],
    ],
)
def test_impossible_arguments_exit_with_a_usage_error(script: ModuleType, arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        script.main(arguments)
    assert exit_.value.code == 2
