"""schemas/ holds exactly the JSON Schemas the models generate: regenerate with scripts/generate_schemas.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from atlas_graph.api.json_schemas import body_schemas, render
from atlas_graph.api.routes import RAW_BODY_MODELS, ROUTERS
from atlas_graph.config import Settings
from atlas_graph.main import create_app

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


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def test_the_bodies_read_from_raw_json_are_the_listed_ones() -> None:
    # Such a body is only a reference in its route's OpenAPI; RAW_BODY_MODELS is what puts its schema there.
    routes = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    referenced = {
        reference.rsplit("/", 1)[1]
        for route in routes
        for reference in _references((route.openapi_extra or {}).get("requestBody", {}))
    }
    assert referenced == {model.__name__ for model in RAW_BODY_MODELS}


def test_every_reference_in_the_openapi_resolves() -> None:
    openapi = create_app(Settings(neo4j_uri=None)).openapi()
    components = openapi["components"]["schemas"]
    references = set(_references(openapi))
    assert {"#/components/schemas/BundleIn", "#/components/schemas/StixBundleIn"} <= references
    for reference in references:
        assert reference.removeprefix("#/components/schemas/") in components, reference
