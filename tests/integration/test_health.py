"""/healthz and /readyz against the real Neo4j, and /readyz when Neo4j is gone."""

from __future__ import annotations

from fastapi.testclient import TestClient

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.graph import GraphStore, Neo4jConnection


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_version_and_edition(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["neo4j"]["version"].startswith("5.")
    assert body["neo4j"]["edition"] in {"community", "enterprise"}
    assert body["neo4j"]["database"] == "neo4j"
    assert response.headers["X-Request-ID"]


def test_readyz_is_503_with_a_reason_when_neo4j_is_unreachable(settings: Settings) -> None:
    # Port 9 (discard) is closed on loopback here: the driver gets a refused connection at once.
    dead = GraphStore.open(
        Neo4jConnection(
            uri="bolt://127.0.0.1:9",
            user="neo4j",
            password="whatever1",
            database="neo4j",
            connection_timeout=2.0,
        ),
        queries=CypherLibrary.load(),
    )
    try:
        with TestClient(create_app(settings, store=dead)) as client:
            response = client.get("/readyz")
    finally:
        dead.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "unreachable" in body["reason"]


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "/v1/me" in schema["paths"]
