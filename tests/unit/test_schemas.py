"""schemas/ holds exactly the JSON Schemas the models generate: regenerate with scripts/generate_schemas.py."""

from __future__ import annotations

from pathlib import Path

from atlas_graph.api.json_schemas import body_schemas, render

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_schemas_match_the_models() -> None:
    expected = body_schemas()
    on_disk = {
        path.relative_to(SCHEMAS).as_posix(): path.read_text(encoding="utf-8") for path in SCHEMAS.rglob("*.json")
    }
    assert sorted(on_disk) == sorted(expected), "run scripts/generate_schemas.py"
    for relative, schema in expected.items():
        assert on_disk[relative] == render(schema), f"{relative} drifted: run scripts/generate_schemas.py"


def test_every_body_of_the_ingestion_api_has_a_schema() -> None:
    names = set(body_schemas())
    assert {
        "request/BundleIn.json",
        "request/StixBundleIn.json",
        "response/BundleResultOut.json",
        "response/StixImportOut.json",
        "response/EntityOut.json",
        "response/ErrorOut.json",
    } <= names
