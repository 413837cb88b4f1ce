"""No lost writes: a stream of bundles through the real HTTP service while its Neo4j is stopped and started again.

The service runs in uvicorn on loopback, on its own Neo4j (own data folder and port, so that the session's test
Neo4j is not disturbed), with the driver its lifespan opened. Afterwards: every bundle answered 200 is wholly in
the graph; every other one is wholly there or wholly absent, never partial; every failure was a 503 with the JSON
error body; and /readyz went 503 while Neo4j was down and 200 after, without restarting the service.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from atlas_graph.config import Settings
from atlas_graph.main import create_app, open_store
from atlas_graph.models.vocabulary import Role
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.services import access, organizations
from atlas_graph.store.graph import GraphStore
from tests.integration.live_service import serving

OUTAGE_PORT = int(os.environ.get("ATLAS_TEST_OUTAGE_PORT", "7690"))
ORGANIZATION = "Outage Org"
# Node ids never derive from names, so every entity posted here carries its own id (one that says its kind).
IDS = uuid.UUID("0d7c1e52-3b9a-4f6e-8d2c-5a1b7e9f3c40")


def _with_id(entity: dict[str, str]) -> dict[str, str]:
    return {**entity, "id": f"{entity['kind']}--{uuid.uuid5(IDS, entity['kind'] + '|' + entity['name'])}"}


HUB = _with_id({"kind": "service_provider", "name": "Outage Hub", "category": "bulletproof_hosting"})
# Each writer posts bundles of this many groups (4 entities + 4 relationships each): small ones, and large ones
# that take long enough to be in flight when Neo4j stops.
WRITER_GROUPS = (1, 1, 60)
# Bundles answered 200 before the stop, and after the restart, before the stream ends.
SUCCESSES_BEFORE, SUCCESSES_AFTER = 10, 10
# How long Neo4j stays down once /readyz has said so: long enough for requests to fail, not only to wait.
DOWN_SECONDS = 3.0

Triple = tuple[str, str, str]


@dataclass(frozen=True)
class Expected:
    """What one bundle writes: its own entities and its relationships as (source id, type, target id)."""

    entity_ids: frozenset[str]
    relationships: frozenset[Triple]


@dataclass
class Outcome:
    number: int
    expected: Expected
    status: int | None = None
    body: Any = None
    error: str | None = None


@dataclass
class Stream:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def successes(self) -> int:
        with self.lock:
            return sum(outcome.status == 200 for outcome in self.outcomes)


def bundle(number: int, groups: int) -> tuple[dict[str, Any], Expected]:
    """Per group four new entities and four relationships, one of them to the hub every bundle shares (contention)."""
    entities: list[dict[str, str]] = []
    relationships: list[dict[str, Any]] = []
    for group in range(groups):
        crew = _with_id({"kind": "actor", "name": f"Outage Crew {number} group {group}", "category": "group"})
        host = _with_id(
            {
                "kind": "service_provider",
                "name": f"Outage Host {number} group {group}",
                "category": "bulletproof_hosting",
            }
        )
        mixer = _with_id({"kind": "financier", "name": f"Outage Mixer {number} group {group}", "category": "mixer"})
        clinic = _with_id({"kind": "victim", "name": f"Outage Clinic {number} group {group}"})
        entities += [crew, host, mixer, clinic]
        relationships += [
            {"type": "USES", "source": _ref(crew), "target": _ref(host), "confidence": 80},
            {"type": "USES", "source": _ref(crew), "target": _ref(HUB), "confidence": 70},
            {"type": "LAUNDERS_FOR", "source": _ref(mixer), "target": _ref(crew), "confidence": 60},
            {"type": "TARGETS", "source": _ref(crew), "target": _ref(clinic), "confidence": 90},
        ]
    expected = Expected(
        entity_ids=frozenset(_entity_id(entity) for entity in entities),
        relationships=frozenset(
            (_entity_id(rel["source"]), rel["type"], _entity_id(rel["target"])) for rel in relationships
        ),
    )
    return {"entities": entities, "relationships": relationships}, expected


def _ref(entity: dict[str, str]) -> dict[str, str]:
    return {"kind": entity["kind"], "name": entity["name"]}


def _entity_id(entity: dict[str, str]) -> str:
    return _with_id(entity)["id"]


@pytest.fixture
def outage_neo4j(tmp_path: Path, settings: Settings) -> Iterator[tuple[LocalNeo4j, Settings]]:
    outage = Settings(
        neo4j_uri=None,
        local_neo4j_dir=tmp_path / "neo4j",
        local_neo4j_port=OUTAGE_PORT,
        local_neo4j_heap="512m",
        local_neo4j_pagecache="64m",
        cache_dir=settings.cache_dir,
        neo4j_connection_timeout=3.0,
        # Shorter than the outage, so that requests fail (and must fail cleanly) rather than only wait it out.
        neo4j_max_retry_time=2.0,
        rate_limit_per_minute=1_000_000,
        rate_limit_burst=100_000,
    )
    local = LocalNeo4j(outage)
    local.start()
    try:
        yield local, outage
    finally:
        local.stop()


@pytest.fixture
def service(outage_neo4j: tuple[LocalNeo4j, Settings]) -> Iterator[str]:
    """The real service in uvicorn on a loopback port, in a thread; its lifespan opens its own driver."""
    _, outage = outage_neo4j
    with serving(create_app(outage)) as url:
        yield url


def test_no_write_is_lost_or_partial_when_neo4j_stops_and_comes_back(
    outage_neo4j: tuple[LocalNeo4j, Settings], service: str
) -> None:
    local, outage = outage_neo4j
    setup = open_store(outage)
    try:
        organizations.create_organization(setup, name=ORGANIZATION)
        token = access.issue_key(setup, organization=ORGANIZATION, role=Role.ANALYST).token
    finally:
        setup.close()
    headers = {"Authorization": f"Bearer {token}"}
    client = httpx2.Client(base_url=service, headers=headers, timeout=60.0)
    hub = client.post("/v1/bundles", json={"entities": [HUB]})
    assert hub.status_code == 200, hub.text

    stream = Stream()
    numbers = iter(range(1, 1_000_000))
    numbers_lock = threading.Lock()

    def write(groups: int) -> None:
        with httpx2.Client(base_url=service, headers=headers, timeout=60.0) as writer:
            while not stream.stop.is_set():
                with numbers_lock:
                    number = next(numbers)
                body, expected = bundle(number, groups)
                outcome = Outcome(number=number, expected=expected)
                try:
                    response = writer.post("/v1/bundles", json=body)
                    outcome.status = response.status_code
                    outcome.body = response.json()
                except (httpx2.HTTPError, ValueError) as error:
                    outcome.error = repr(error)
                with stream.lock:
                    stream.outcomes.append(outcome)

    def wait_for(condition: Any, what: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)

    writers = [threading.Thread(target=write, args=(groups,), daemon=True) for groups in WRITER_GROUPS]
    for thread in writers:
        thread.start()
    readiness: list[int] = []

    def ready_status() -> int:
        status = client.get("/readyz").status_code
        readiness.append(status)
        return status

    try:
        wait_for(lambda: stream.successes() >= SUCCESSES_BEFORE, "bundles before the stop")
        assert local.stop() is True
        wait_for(lambda: ready_status() == 503, "/readyz to say 503")
        time.sleep(DOWN_SECONDS)
        local.start()
        wait_for(lambda: ready_status() == 200, "/readyz to recover without restarting the service")
        recovered_at = stream.successes()
        wait_for(lambda: stream.successes() >= recovered_at + SUCCESSES_AFTER, "bundles after the restart")
    finally:
        stream.stop.set()
        for thread in writers:
            thread.join(timeout=90)

    outcomes = sorted(stream.outcomes, key=lambda outcome: outcome.number)
    failed = [outcome for outcome in outcomes if outcome.status != 200]
    assert failed, "the outage outlasted the driver's retries, so some requests must have failed"
    assert not [o for o in failed if o.status != 503 or o.error is not None], (
        "a request failing because Neo4j is down must be a 503, not "
        + "; ".join(f"#{o.number}: {o.status} {o.error or o.body}" for o in failed if o.status != 503)
    )
    for outcome in failed:
        assert outcome.body["error"]["code"] == "store_unavailable" and outcome.body["error"]["message"]
    assert 503 in readiness and readiness[-1] == 200

    store = open_store(outage)
    try:
        complete, touched = stored_elements(store)
    finally:
        store.close()
    partial = []
    for outcome in outcomes:
        elements = outcome.expected.entity_ids | outcome.expected.relationships
        if outcome.status == 200:
            missing = elements - complete
            assert not missing, f"bundle #{outcome.number} was answered 200 but lacks {missing}"
        elif elements & touched and not elements <= complete:
            partial.append(
                f"#{outcome.number} ({outcome.status}: {outcome.body}): {len(elements & complete)} of "
                f"{len(elements)} complete, {len(elements & touched)} stored at all"
            )
    assert not partial, f"bundles written in part: {partial}"


def stored_elements(store: GraphStore) -> tuple[set[str | Triple], set[str | Triple]]:
    """Entities and relationships stored with the organization's claim about them, and every one stored at all."""
    entities = store.driver.execute_query(
        "MATCH (entity:Entity) "
        "RETURN entity.id AS id, EXISTS { "
        "  MATCH (:EntityAssertion {organization: $organization})-[:ABOUT]->(entity) } AS claimed",
        organization=ORGANIZATION,
        database_=store.database,
    ).records
    relationships = store.driver.execute_query(
        "MATCH (source:Entity)-[relationship]->(target:Entity) "
        "RETURN source.id AS source, type(relationship) AS type, target.id AS target, "
        "  $organization IN relationship.a_org "
        "  AND EXISTS { MATCH (:RelationshipAssertion {key: relationship.key + '|' + $organization}) } AS claimed",
        organization=ORGANIZATION,
        database_=store.database,
    ).records
    rows: list[tuple[str | Triple, bool]] = [(record["id"], record["claimed"]) for record in entities]
    rows += [((record["source"], record["type"], record["target"]), record["claimed"]) for record in relationships]
    return {element for element, claimed in rows if claimed}, {element for element, _ in rows}
