"""With Neo4j down, a request answers within one retry window: not one per call to the store (issue 17).

No Neo4j: the store points at a loopback port nobody listens on, so every connection is refused at once and each
call to the store costs exactly its retry time.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from atlas_graph.api import deps
from atlas_graph.config import Settings
from atlas_graph.errors import StoreUnavailable
from atlas_graph.main import create_app
from atlas_graph.models.bundles import BundleIn
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import ingestion
from atlas_graph.services.caller import Caller
from atlas_graph.store.cypher import CypherLibrary
from atlas_graph.store.entities import ENTITY_COUNT_ALL as COUNT_ALL
from atlas_graph.store.graph import GraphStore, Neo4jConnection, fail_fast_after_outage
from atlas_graph.store.queries import QUERY_NAMES

# Each call retries until this many seconds after its first failure, and no backoff sleep passes that deadline.
RETRY_SECONDS = 1.0
# The window plus a margin for Python and a loaded machine, still well below a second window.
ONE_CALL_AT_MOST = RETRY_SECONDS + 0.5
TWO_CALLS_AT_LEAST = 2 * RETRY_SECONDS


def unreachable_store(max_retry_time: float) -> GraphStore:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connection = Neo4jConnection(
        uri=f"bolt://127.0.0.1:{port}",
        user="neo4j",
        password="unused",
        database="neo4j",
        connection_timeout=1.0,
        max_retry_time=max_retry_time,
    )
    return GraphStore.open(connection, queries=CypherLibrary.load(required=QUERY_NAMES))


@pytest.fixture
def unreachable() -> Iterator[GraphStore]:
    store = unreachable_store(RETRY_SECONDS)
    yield store
    store.close()


def test_one_call_gives_up_at_its_deadline() -> None:
    """The driver slept 1 s, 2 s, then 4 s more although 3 s had passed of a 3.5 s window: 7 s in all."""
    store = unreachable_store(3.5)
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.read(COUNT_ALL)
        elapsed = time.monotonic() - started
    finally:
        store.close()
    assert 3.5 <= elapsed < 3.5 + 0.5


def post_bundle(store: GraphStore) -> float:
    """Seconds until a bundle post (a share_with read, then the audit of its failure) answers StoreUnavailable."""
    caller = Caller(organization="Org A", role=Role.ANALYST, key_id="key")
    bundle = BundleIn.model_validate({"entities": [{"kind": "actor", "id": "actor--x", "name": "X"}]})
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        ingestion.ingest_bundle(store, caller=caller, bundle=bundle, max_items=10)
    return time.monotonic() - started


def test_a_request_answers_within_one_retry_window(unreachable: GraphStore) -> None:
    with fail_fast_after_outage():
        elapsed = post_bundle(unreachable)
    assert RETRY_SECONDS <= elapsed < ONE_CALL_AT_MOST


def test_outside_a_request_every_call_retries_as_before(unreachable: GraphStore) -> None:
    """The CLI and background jobs keep waiting for Neo4j on every call: the fail-fast is per request."""
    assert post_bundle(unreachable) >= TWO_CALLS_AT_LEAST


def test_the_service_answers_503_within_one_retry_window(
    unreachable: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the middleware, whose scope reaches the worker threads that run the routes."""
    # Neo4j went down after the key was checked: the bundle's reads and writes and its failure's audit remain.
    caller = Caller(organization="Org A", role=Role.ANALYST, key_id="key")
    monkeypatch.setattr(deps, "authenticate", lambda *args, **kwargs: caller)
    app = create_app(Settings(neo4j_uri="bolt://127.0.0.1:1", neo4j_password="unused"), store=unreachable)
    with TestClient(app) as client:
        started = time.monotonic()
        response = client.post(
            "/v1/bundles",
            json={"entities": [{"kind": "actor", "id": "actor--x", "name": "X"}]},
            headers={"Authorization": "Bearer atlas_0123456789abcdef_secret"},
        )
        elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "store_unavailable"
    assert elapsed < ONE_CALL_AT_MOST
