"""Test fixtures: the real Neo4j (started once per session), a clean graph per test, and API clients."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from atlas_graph.config import Settings
from atlas_graph.main import create_app, open_store
from atlas_graph.models.vocabulary import Role
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.services import access, organizations
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything

REPO = Path(__file__).resolve().parents[1]
TEST_NEO4J_DIR = REPO / "var" / "neo4j-test"
INTEGRATION_DIRS = (REPO / "tests" / "integration", REPO / "tests" / "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `integration` what needs the real Neo4j, so that `pytest -m "not integration"` runs the unit suite alone.

    That is every test under tests/integration and tests/e2e, and any other test that asks for the session's Neo4j.
    """
    for item in items:
        in_integration_dir = any(item.path.is_relative_to(folder) for folder in INTEGRATION_DIRS)
        if in_integration_dir or "settings" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


def _test_settings() -> Settings:
    """An external Neo4j when ATLAS_TEST_NEO4J_URI names one; otherwise a local one kept apart from dev data."""
    uri = os.environ.get("ATLAS_TEST_NEO4J_URI")
    if uri:
        return Settings(
            neo4j_uri=uri,
            neo4j_user=os.environ.get("ATLAS_TEST_NEO4J_USER", "neo4j"),
            neo4j_password=os.environ.get("ATLAS_TEST_NEO4J_PASSWORD"),
            neo4j_database=os.environ.get("ATLAS_TEST_NEO4J_DATABASE", "neo4j"),
        )
    port = int(os.environ.get("ATLAS_TEST_NEO4J_PORT", "7688"))
    return Settings(
        neo4j_uri=None,
        # Another port gets its own data folder, so that two test sessions can run side by side.
        local_neo4j_dir=TEST_NEO4J_DIR if port == 7688 else TEST_NEO4J_DIR.with_name(f"neo4j-test-{port}"),
        local_neo4j_port=port,
        local_neo4j_heap="1g",
        local_neo4j_pagecache="256m",
    )


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    settings = _test_settings()
    local = LocalNeo4j(settings) if settings.uses_local_neo4j else None
    started_here = False
    if local is not None:
        # No skip: if Neo4j cannot start, every storage test fails with the reason (and the log file's name).
        started_here = not local.start().already_running
    yield settings
    if local is not None and started_here:
        local.stop()


@pytest.fixture(scope="session")
def store(settings: Settings) -> Iterator[GraphStore]:
    store = open_store(settings)
    yield store
    store.close()


@pytest.fixture
def graph(store: GraphStore) -> Iterator[GraphStore]:
    """The store, emptied: each test that takes it starts from an empty graph.

    After the test, whatever it wrote must keep each entity's CommunityVisible label equal to its `vis_all`: path
    searches read the label, every other read the property, so a write that left them apart would show an entity
    to organizations that may not see it (or hide it from those that may).
    """
    delete_everything(store)
    yield store
    records, _, _ = store.driver.execute_query(
        "MATCH (entity:Entity) WHERE coalesce(entity.vis_all, false) <> entity:CommunityVisible "
        "RETURN collect(entity.id)[..5] AS ids, count(entity) AS apart",
        database_=store.database,
    )
    assert records[0]["apart"] == 0, f"CommunityVisible label and vis_all disagree on {records[0]['ids']}"


@pytest.fixture
def app(settings: Settings, graph: GraphStore) -> FastAPI:
    return create_app(settings, store=graph)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


KeyFactory = Callable[..., dict[str, str]]


@pytest.fixture
def auth_headers(graph: GraphStore) -> KeyFactory:
    """Make an organization (once) and a key for it (or an operator key); returns the Authorization header to send."""
    known: set[str] = set()

    def make(organization: str = "Org A", role: Role | str = Role.ANALYST) -> dict[str, str]:
        if organization not in known:
            organizations.create_organization(graph, name=organization)
            known.add(organization)
        # An operator key belongs to no organization; the organization is made all the same, for the test's use.
        holder = None if Role(role) is Role.OPERATOR else organization
        issued = access.issue_key(graph, organization=holder, role=Role(role))
        return {"Authorization": f"Bearer {issued.token}"}

    return make
