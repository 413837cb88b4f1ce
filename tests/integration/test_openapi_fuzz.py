"""Every operation of the app's own OpenAPI schema, fuzzed by schemathesis, in-process, as an analyst and as an admin:
whatever comes in (valid or not), the answer is never a 5xx.

The graph holds a small ecosystem (so that ids from the schema's examples and the fuzzer meet real entities now and
then) and the keys of two organizations. A fixed number of examples per operation, derandomized, keeps the run
bounded and the same on every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, organizations
from atlas_graph.services.caller import Caller
from atlas_graph.services.ingestion import ingest_bundle
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything

EXAMPLES_PER_OPERATION = 12
# The operations, read from the schema itself, so that a new endpoint is fuzzed without a word here.
OPERATIONS = sorted(
    (method.upper(), path)
    for path, methods in create_app(Settings(neo4j_uri=None)).openapi()["paths"].items()
    for method in methods
)

SEED_BUNDLE: dict[str, Any] = {
    "entities": [
        {"kind": "actor", "name": "Fuzz Crew", "aliases": ["FC"]},
        {"kind": "service_provider", "name": "Fuzz Host", "category": "bulletproof_hosting"},
        {"kind": "victim", "name": "Fuzz Clinic", "tlp": "RED"},
    ],
    "relationships": [
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Fuzz Crew"},
            "target": {"kind": "service_provider", "name": "Fuzz Host"},
        },
        {
            "type": "TARGETS",
            "source": {"kind": "actor", "name": "Fuzz Crew"},
            "target": {"kind": "victim", "name": "Fuzz Clinic"},
            "tlp": "RED",
        },
    ],
}


@pytest.fixture(scope="module")
def fuzzed_app(settings: Settings, store: GraphStore) -> FastAPI:
    delete_everything(store)
    roomy = settings.model_copy(update={"rate_limit_per_minute": 1_000_000, "rate_limit_burst": 1_000_000})
    return create_app(roomy, store=store)


@pytest.fixture(scope="module")
def keys(fuzzed_app: FastAPI, store: GraphStore) -> dict[str, dict[str, str]]:
    for name in ("Org Fuzz", "Org Other"):
        organizations.create_organization(store, name=name)
    caller = Caller(organization="Org Fuzz", role=Role.ANALYST, key_id="fuzz-seed")
    ingest_bundle(store, caller=caller, bundle=BundleIn.model_validate(SEED_BUNDLE), max_items=100)
    holders = {"analyst": "Org Fuzz", "admin": "Org Fuzz", "operator": None}
    return {
        role: {"Authorization": f"Bearer {access.issue_key(store, organization=holder, role=Role(role)).token}"}
        for role, holder in holders.items()
    }


@pytest.fixture(scope="module")
def fuzz_schema(fuzzed_app: FastAPI) -> Iterator[Any]:
    yield schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)


BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("role", ["analyst", "admin", "operator"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{method} {path}" for method, path in OPERATIONS])
def test_no_server_error(method: str, path: str, role: str, fuzz_schema: Any, keys: dict[str, dict[str, str]]) -> None:
    operation = fuzz_schema[path][method]
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

    @BOUNDED
    @given(case=cases)
    def call(case: Any) -> None:
        case.call_and_validate(headers=keys[role], checks=[not_a_server_error])

    call()


def test_audit_offset_is_bounded(fuzzed_app: FastAPI, keys: dict[str, dict[str, str]]) -> None:
    """Regression found by the fuzzer: Neo4j adds SKIP and LIMIT as 64-bit integers; offset 2**63 - 1 was a 500."""
    with TestClient(fuzzed_app) as client:
        for offset in (2**63 - 1, 2**63, 10**30):
            response = client.get("/v1/audit", params={"offset": offset, "limit": 1}, headers=keys["admin"])
            assert response.status_code == 422, offset
        assert client.get("/v1/audit", params={"offset": 10_000_000}, headers=keys["admin"]).json()["events"] == []


def test_audit_times_take_any_offset_and_naive_means_utc(fuzzed_app: FastAPI, keys: dict[str, dict[str, str]]) -> None:
    """Regression found by the fuzzer: `since=...+18:01` (valid ISO 8601, beyond Neo4j's +-18:00) was a 500, and a
    time without an offset matched no event at all (Neo4j compares a local time with a zoned one as null)."""
    with TestClient(fuzzed_app) as client:
        admin = keys["admin"]

        def events(**params: str) -> list[str]:
            response = client.get("/v1/audit", params={"limit": 1000, **params}, headers=admin)
            assert response.status_code == 200, response.text
            return [event["id"] for event in response.json()["events"]]

        every = events()
        assert every
        assert events(since="2000-01-01T00:00:00+18:01") == every == events(until="2999-12-31T23:59:59-23:59")
        assert events(since="2000-01-01T00:00:00") == every
        assert events(until="2000-01-01T00:00:00") == [] == events(since="2999-01-01T00:00:00")
