"""Reads and merges beside concurrent writes (issue 17, item 2), against the real Neo4j: never a 5xx.

Neo4j's read transactions see each query's committed state, not a snapshot, so an entity may lose its last visible
claim, or be merged away, between two queries of one answer. The first tests put such a write exactly there (by
wrapping the store function that runs second); the last drives readers against a writer and concurrent merges for a
few seconds and counts the 5xx.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from atlas_graph.store import entities as entity_store
from atlas_graph.store import merges as merge_store
from atlas_graph.store import paths as path_store
from tests.conftest import KeyFactory

EMBER = "actor--1a2b3c4d-0000-4000-8000-000000000001"
CHURN = "actor--1a2b3c4d-0000-4000-8000-000000000002"
FROST = "service_provider--1a2b3c4d-0000-4000-8000-000000000003"
STRESS_SECONDS = 8.0


SERVER_TRACEBACKS: list[str] = []
"""The tracebacks behind the tolerant client's 500s: its answer says only "Internal Server Error"."""


def recording_faults(app: FastAPI) -> Any:
    """`app`, keeping the traceback of any exception it raises after answering 500, so that a failure says why."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except Exception:
            SERVER_TRACEBACKS.append(traceback.format_exc())
            raise

    return asgi


@pytest.fixture
def tolerant(app: FastAPI) -> Iterator[TestClient]:
    """A client that answers a server fault with its 500, as a real client would see it, instead of raising it."""
    SERVER_TRACEBACKS.clear()
    with TestClient(recording_faults(app), raise_server_exceptions=False) as client:
        yield client


def post(client: TestClient, who: dict[str, str], **bundle: Any) -> Any:
    response = client.post("/v1/bundles", json=bundle, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def chain(client: TestClient, who: dict[str, str]) -> None:
    """Ember is affiliated with Churn, which uses Frost: Churn is the middle of the only path, and has one claim."""
    post(
        client,
        who,
        entities=[
            {"kind": "actor", "id": EMBER, "name": "Ember"},
            {"kind": "actor", "id": CHURN, "name": "Churn Crew"},
            {"kind": "service_provider", "id": FROST, "name": "Frost Host", "category": "bulletproof_hosting"},
        ],
        relationships=[
            {"type": "AFFILIATED_WITH", "source": {"id": EMBER}, "target": {"id": CHURN}},
            {"type": "USES", "source": {"id": CHURN}, "target": {"id": FROST}},
        ],
    )


def repost_churn(client: TestClient, who: dict[str, str]) -> None:
    post(client, who, entities=[{"kind": "actor", "id": CHURN, "name": "Churn Crew"}])


def retract_churn(client: TestClient, who: dict[str, str]) -> bool:
    entity = client.get(f"/v1/entities/{CHURN}", headers=who)
    if entity.status_code != 200:
        return False
    for assertion in entity.json()["assertions"]:
        client.delete(f"/v1/assertions/{assertion['id']}", headers=who)
    return True


def wrap_once(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, before: Callable[[], None]) -> None:
    """Run `before` (a write, committed) the first time `module.name` is called, then the real function."""
    real = getattr(module, name)
    done: list[bool] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(True)
            before()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_a_path_through_an_entity_retracted_mid_read_is_left_out(
    tolerant: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entity was read, then its only claim went before its name was: a 500 before, no such path now."""
    who = auth_headers("Org A")
    chain(tolerant, who)
    # Between the check of both ends and the path search, the middle loses its only claim.
    wrap_once(monkeypatch, path_store, "_nodes", lambda: retract_churn(tolerant, who))
    response = tolerant.get("/v1/paths", params={"from": EMBER, "to": FROST}, headers=who)
    assert response.status_code == 200, response.text
    assert response.json()["paths"] == []


def test_a_neighborhood_whose_center_is_retracted_mid_read_is_absent(
    tolerant: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = auth_headers("Org A")
    chain(tolerant, who)
    wrap_once(monkeypatch, path_store, "_nodes", lambda: retract_churn(tolerant, who))
    response = tolerant.get(f"/v1/entities/{CHURN}/neighborhood", headers=who)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


def test_a_neighbor_retracted_mid_read_is_left_out_with_its_edges(
    tolerant: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = auth_headers("Org A")
    chain(tolerant, who)
    wrap_once(monkeypatch, path_store, "_nodes", lambda: retract_churn(tolerant, who))
    response = tolerant.get(f"/v1/entities/{EMBER}/neighborhood", headers=who)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [node["id"] for node in body["nodes"]] == [EMBER]
    assert body["edges"] == []


def test_a_search_hit_retracted_mid_search_is_left_out(
    tolerant: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hit's only claim went between the ranking and the names: a 500 before, one hit fewer now.

    A hit merged away in the middle of the names query gave `None is not a valid EntityKind`; that moment cannot be
    placed from outside, and the stress test below covers it.
    """
    who = auth_headers("Org A")
    chain(tolerant, who)
    twin = "actor--1a2b3c4d-0000-4000-8000-000000000004"
    post(tolerant, who, entities=[{"kind": "actor", "id": twin, "name": "Churn Twin"}])
    wrap_once(monkeypatch, entity_store, "_summaries", lambda: retract_churn(tolerant, who))
    response = tolerant.get("/v1/entities", params={"q": "churn"}, headers=who)
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [twin]


def test_a_merge_that_another_merge_of_the_same_entity_overtook_answers_409(
    tolerant: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the entities before the write lock; the second found its source gone. Before: 503 'No records'."""
    who = auth_headers("Org A")
    chain(tolerant, who)
    twin = "actor--1a2b3c4d-0000-4000-8000-000000000004"
    post(tolerant, who, entities=[{"kind": "actor", "id": twin, "name": "Churn Twin"}])
    first: list[int] = []

    def merge_first() -> None:
        # The wrapped store function is the merge's, so this inner merge runs the real one (wrap_once calls once).
        first.append(tolerant.post(f"/v1/entities/{twin}/merge", json={"into": CHURN}, headers=who).status_code)

    wrap_once(monkeypatch, merge_store, "merge_entities", merge_first)
    second = tolerant.post(f"/v1/entities/{twin}/merge", json={"into": EMBER}, headers=who)
    assert first == [200]
    assert second.status_code == 409, second.text
    assert second.json()["error"]["code"] == "conflict"
    assert "merged by another request" in second.json()["error"]["message"]
    # The winner's merge stands, and nothing of the loser's was written.
    assert tolerant.get(f"/v1/entities/{twin}", headers=who).json()["id"] == CHURN
    assert tolerant.get(f"/v1/entities/{EMBER}", headers=who).json()["merged_ids"] == []


def merged_twin(client: TestClient, who: dict[str, str]) -> str:
    """The chain, and a twin of Churn merged into it: the merge a split can undo."""
    chain(client, who)
    twin = "actor--1a2b3c4d-0000-4000-8000-000000000004"
    post(client, who, entities=[{"kind": "actor", "id": twin, "name": "Churn Twin"}])
    merged = client.post(f"/v1/entities/{twin}/merge", json={"into": CHURN}, headers=who)
    assert merged.status_code == 200, merged.text
    return twin


def test_a_split_that_the_same_split_overtook_answers_409(
    tolerant: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read the merge before the write lock; the second found it undone. Before: a 500 on the recreated id."""
    who = auth_headers("Org A")
    twin = merged_twin(tolerant, who)
    first: list[int] = []

    def split_first() -> None:
        # The wrapped store function is the split's, so this inner split runs the real one (wrap_once calls once).
        first.append(tolerant.post(f"/v1/entities/{CHURN}/split", json={"merged_id": twin}, headers=who).status_code)

    wrap_once(monkeypatch, merge_store, "split_entity", split_first)
    second = tolerant.post(f"/v1/entities/{CHURN}/split", json={"merged_id": twin}, headers=who)
    assert first == [200]
    assert second.status_code == 409, second.text
    assert second.json()["error"]["code"] == "conflict"
    assert "by another request meanwhile" in second.json()["error"]["message"]
    # The winner's split stands, once: the twin is back on its own and the survivor no longer lists it.
    assert tolerant.get(f"/v1/entities/{twin}", headers=who).json()["id"] == twin
    assert tolerant.get(f"/v1/entities/{CHURN}", headers=who).json()["merged_ids"] == []


def test_a_split_whose_survivor_another_merge_took_away_answers_409(
    tolerant: TestClient, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The survivor was merged into Ember between the read and the write lock. Before: 503 'No records'."""
    who = auth_headers("Org A")
    twin = merged_twin(tolerant, who)
    first: list[int] = []

    def merge_survivor_first() -> None:
        first.append(tolerant.post(f"/v1/entities/{CHURN}/merge", json={"into": EMBER}, headers=who).status_code)

    wrap_once(monkeypatch, merge_store, "split_entity", merge_survivor_first)
    second = tolerant.post(f"/v1/entities/{CHURN}/split", json={"merged_id": twin}, headers=who)
    assert first == [200]
    assert second.status_code == 409, second.text
    assert second.json()["error"]["code"] == "conflict"
    # The merge stands and nothing of the split was written: the twin still resolves to the new survivor.
    assert tolerant.get(f"/v1/entities/{twin}", headers=who).json()["id"] == EMBER
    assert set(tolerant.get(f"/v1/entities/{EMBER}", headers=who).json()["merged_ids"]) == {CHURN, twin}


def test_readers_beside_a_writer_and_concurrent_merges_never_see_a_5xx(
    tolerant: TestClient, auth_headers: KeyFactory
) -> None:
    """A writer retracts and re-posts Churn's only claim; pairs of threads merge one entity at once; readers read."""
    who = auth_headers("Org A")
    chain(tolerant, who)
    statuses: Counter[tuple[str, int]] = Counter()
    faults: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def record(what: str, response: Any) -> None:
        with lock:
            statuses[(what, response.status_code)] += 1
            if response.status_code >= 500:
                faults.append(f"{what}: {response.status_code} {response.text[:200]}")

    cycles: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            if retract_churn(tolerant, who):
                repost_churn(tolerant, who)
                cycles.append(1)

    def reader(what: str, request: Callable[[dict[str, str]], Any]) -> Callable[[], None]:
        # A key of its own, so that the readers' pace stays under the per-key rate limit.
        mine = auth_headers("Org A")

        def run() -> None:
            while not stop.is_set():
                record(what, request(mine))

        return run

    def merges() -> None:
        round_number = 0
        while not stop.is_set():
            round_number += 1
            source = f"actor--1a2b3c4d-0000-4000-8001-{round_number:012d}"
            into = f"actor--1a2b3c4d-0000-4000-8002-{round_number:012d}"
            post(
                tolerant,
                who,
                entities=[
                    {"kind": "actor", "id": source, "name": f"Churn Merge {round_number}"},
                    {"kind": "actor", "id": into, "name": f"Churn Keep {round_number}"},
                ],
                relationships=[{"type": "USES", "source": {"id": source}, "target": {"id": FROST}}],
            )
            answers: list[int] = []

            def merge(source: str = source, into: str = into, answers: list[int] = answers) -> None:
                response = tolerant.post(f"/v1/entities/{source}/merge", json={"into": into}, headers=who)
                record("merge", response)
                answers.append(response.status_code)

            pair = [threading.Thread(target=merge) for _ in range(2)]
            for thread in pair:
                thread.start()
            for thread in pair:
                thread.join()
            with lock:
                if sorted(answers)[0] != 200 or not set(answers) <= {200, 404, 409, 422}:
                    faults.append(f"merge round {round_number}: {answers}")

    readers = [
        reader("paths", lambda key: tolerant.get("/v1/paths", params={"from": EMBER, "to": FROST}, headers=key)),
        reader("neighborhood", lambda key: tolerant.get(f"/v1/entities/{EMBER}/neighborhood", headers=key)),
        reader("center", lambda key: tolerant.get(f"/v1/entities/{CHURN}/neighborhood", headers=key)),
        reader("search", lambda key: tolerant.get("/v1/entities", params={"q": "churn"}, headers=key)),
        reader("entity", lambda key: tolerant.get(f"/v1/entities/{CHURN}", headers=key)),
    ]
    threads = [threading.Thread(target=target) for target in [writer, merges, *readers]]
    for thread in threads:
        thread.start()
    time.sleep(STRESS_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert faults == [], "\n".join(SERVER_TRACEBACKS)
    # The run did race: the writer retracted and re-posted, a pair of merges ran, and every reader was answered.
    assert cycles, statuses
    assert statuses[("merge", 200)] > 0, statuses
    for what in ("paths", "neighborhood", "center", "search", "entity"):
        assert sum(count for (name, _), count in statuses.items() if name == what) > 0, statuses
