"""Backups that restore: back up a graph built through the API, restore it into a second, empty Neo4j, and get
the same answers there, for three organizations, with the same keys.

The second Neo4j is a local one of this test module's own (its own data folder and a free port, or
ATLAS_TEST_NEO4J_RESTORE_PORT), started once for the module and stopped after it: restoring into the database the
backup came from, after emptying it, would not show that a backup carries everything a fresh server lacks.
With an external test Neo4j (ATLAS_TEST_NEO4J_URI), ATLAS_TEST_NEO4J_RESTORE_URI names the second one; without it
the test restores into the first after emptying it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.cli.commands import main as cli_main
from atlas_graph.config import Settings
from atlas_graph.errors import Conflict
from atlas_graph.main import create_app, open_store
from atlas_graph.models.vocabulary import Role
from atlas_graph.neo4j_local import LocalNeo4j
from atlas_graph.services import access, backup, organizations
from atlas_graph.services.connection import connection_for
from atlas_graph.store.backup import DumpedNode, DumpedRelationship, dump_graph, node_count
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from tests.conftest import TEST_NEO4J_DIR, KeyFactory

ORGS = ("Org A", "Org B", "Org C")

# Written straight through the driver, as a later version of atlas-graph might write them: a label and a
# relationship type this code has never heard of, with every kind of value Neo4j stores. A backup must carry them.
FUTURE_RECORD = """
MATCH (entity:Entity) WITH entity ORDER BY entity.id LIMIT 1
CREATE (record:Investigation:FutureThing {
  title: 'Operation Test', opened: datetime('2024-03-31T02:30:00.123456789[Europe/Paris]'),
  at_offset: datetime('2024-01-01T00:00:00-05:30'), local: localdatetime('2024-01-01T12:00:00.000000001'),
  day: date('2024-02-29'), clock: time('10:11:12.5+02:00'), wall: localtime('23:59:59.999999999'),
  span: duration('P1Y2M3DT4.000000005S'), place: point({latitude: 48.85, longitude: 2.35}),
  spot: point({x: 1.5, y: -2.0, z: 3.0}), ratios: [0.1, 1e308, -0.0], flags: [true, false], big: 9223372036854775807,
  text: 'line\\nbreak \\u0000 and \\u2028 and emoji \\ud83d\\ude00'
})-[:FUTURE_LINK {since: date('2023-01-01'), weights: [1, 2, 3]}]->(entity)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def restore_store(settings: Settings, store: GraphStore) -> Iterator[GraphStore]:
    """An empty second database to restore into."""
    external = os.environ.get("ATLAS_TEST_NEO4J_RESTORE_URI")
    if not settings.uses_local_neo4j:
        if not external:
            yield store
            return
        other = settings.model_copy(update={"neo4j_uri": external})
        target = open_store(other)
        delete_everything(target)
        yield target
        target.close()
        return
    port = int(os.environ.get("ATLAS_TEST_NEO4J_RESTORE_PORT") or _free_port())
    second = settings.model_copy(
        update={
            "local_neo4j_dir": TEST_NEO4J_DIR.with_name(f"neo4j-restore-{settings.local_neo4j_port}"),
            "local_neo4j_port": port,
            "local_neo4j_heap": "512m",
            "local_neo4j_pagecache": "128m",
        }
    )
    local = LocalNeo4j(second)
    local.stop()  # one left running by an interrupted session may sit on another port
    local.start()
    target = open_store(second)
    delete_everything(target)  # what an interrupted run left
    try:
        yield target
    finally:
        target.close()
        local.stop()


def _roomy(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_per_minute": 1_000_000, "rate_limit_burst": 1_000_000})


def _post(client: TestClient, headers: dict[str, str], **bundle: Any) -> dict[str, Any]:
    answer = client.post("/v1/bundles", json=bundle, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def build_graph(client: TestClient, store: GraphStore) -> dict[str, dict[str, str]]:
    """Three organizations' claims at several TLP levels, a merge, a retraction and a revoked key."""
    keys: dict[str, dict[str, str]] = {}
    for name in ORGS:
        organizations.create_organization(store, name=name)
        for role in (Role.ANALYST, Role.ADMIN):
            token = access.issue_key(store, organization=name, role=role, label=f"{name} {role.value}").token
            keys[f"{name} {role.value}"] = {"Authorization": f"Bearer {token}"}
    operator = access.issue_key(store, organization=None, role=Role.OPERATOR, label="operator").token
    keys["operator"] = {"Authorization": f"Bearer {operator}"}
    revoked = access.issue_key(store, organization="Org C", role=Role.READER)
    access.revoke_key(store, key_id=revoked.key_id)
    keys["revoked"] = {"Authorization": f"Bearer {revoked.token}"}

    a, b, c = (keys[f"{name} analyst"] for name in ORGS)
    crews = [{"kind": "actor", "name": f"Crew {n}"} for n in range(1, 5)]
    haven = {"kind": "service_provider", "name": "Haven"}
    _post(
        client,
        c,
        entities=[
            *[{**crew, "category": "group"} for crew in crews],
            {**haven, "category": "bulletproof_hosting"},
            {"kind": "victim", "name": "Clinic", "category": "organization"},
        ],
        relationships=[
            *[{"type": "USES", "source": crew, "target": haven, "confidence": 80} for crew in crews],
            {"type": "TARGETS", "source": crews[0], "target": {"kind": "victim", "name": "Clinic"}},
        ],
    )
    secret = {"tlp": "RED", "share_with": ["Org B"], "first_seen": "2023-01-02", "last_seen": "2024-05-06"}
    _post(
        client,
        a,
        entities=[
            {
                **haven,
                "aliases": ["Umbra"],
                "description": "A's own view",
                "references": ["https://x.invalid/1"],
                **secret,
            },
            {"kind": "actor", "name": "Phantom", "aliases": ["Wraith"], **secret},
            {"kind": "actor", "name": "Phantom Team"},
        ],
        relationships=[
            {"type": "AFFILIATED_WITH", "source": {"kind": "actor", "name": "Phantom"}, "target": crews[1], **secret},
            {"type": "USES", "source": {"kind": "actor", "name": "Phantom Team"}, "target": haven, "confidence": 40},
        ],
    )
    strict = _post(
        client,
        b,
        entities=[{"kind": "actor", "name": "Crew 3", "aliases": ["C3"], "tlp": "AMBER+STRICT"}],
        relationships=[{"type": "AFFILIATED_WITH", "source": crews[2], "target": crews[3], "tlp": "AMBER"}],
    )
    crew3 = strict["entities"][0]["id"]
    phantom_team = client.get("/v1/entities", params={"q": "Phantom Team"}, headers=a).json()["items"][0]["id"]
    phantom = client.get("/v1/entities", params={"q": "Phantom"}, headers=a).json()["items"]
    phantom_id = next(item["id"] for item in phantom if item["name"] == "Phantom")
    merged = client.post(f"/v1/entities/{phantom_team}/merge", json={"into": phantom_id}, headers=a)
    assert merged.status_code == 200, merged.text
    own = client.get(f"/v1/entities/{crew3}", headers=b).json()["assertions"]
    retracted = client.delete(f"/v1/assertions/{next(x['id'] for x in own if x['organization'] == 'Org B')}", headers=b)
    assert retracted.status_code == 204, retracted.text
    keys["merged id"] = {"id": phantom_team}
    return keys


def api_answers(client: TestClient, keys: dict[str, dict[str, str]]) -> dict[str, str]:
    """A digest of every answer each organization gets about every entity and relationship it may see."""
    digests: dict[str, str] = {}
    for name in ORGS:
        headers = keys[f"{name} analyst"]
        answers: dict[str, Any] = {"me": client.get("/v1/me", headers=headers).json()}
        listed: list[dict[str, Any]] = []
        while True:
            page = client.get("/v1/entities", params={"offset": len(listed), "limit": 500}, headers=headers).json()
            listed.extend(page["items"])
            if not page["items"]:
                break
        answers["list"] = listed
        for item in listed:
            entity_id = item["id"]
            answers[entity_id] = [
                client.get(f"/v1/entities/{entity_id}", headers=headers).json(),
                client.get(f"/v1/entities/{entity_id}/neighborhood", params={"limit": 1000}, headers=headers).json(),
                client.get(f"/v1/entities/{entity_id}/history", headers=headers).json(),
            ]
        merged = client.get(f"/v1/entities/{keys['merged id']['id']}", headers=headers).json()
        # An organization that may not see the survivor gets a 404, whose request id differs each time.
        answers["merged"] = {key: value for key, value in merged.items() if key != "request_id"}
        admin = keys[f"{name} admin"]
        answers["audit"] = client.get("/v1/audit", params={"limit": 1000}, headers=admin).json()
        answers["keys"] = client.get("/v1/keys", headers=admin).json()
        # Only the operator lists organizations (a member's admin gets a 403, whose request id differs each time).
        answers["organizations"] = client.get("/v1/organizations", headers=keys["operator"]).json()
        assert len(listed) >= 5 and answers["audit"]["events"], name
        digests[name] = hashlib.sha256(json.dumps(unordered(answers), sort_keys=True).encode()).hexdigest()
    return digests


def unordered(answer: Any) -> Any:
    """The answer with every list sorted: the content, not the storage order.

    Where an answer does not sort a list (assertions, edges), it comes in the order Neo4j stores things, and a
    restore stores them in another order than years of writes and deletions did: the run of the whole suite, whose
    earlier tests leave freed record ids behind, showed it. The content must be the same; the order need not.
    """
    if isinstance(answer, dict):
        return {key: unordered(value) for key, value in answer.items()}
    if isinstance(answer, list):
        return sorted((unordered(item) for item in answer), key=lambda item: json.dumps(item, sort_keys=True))
    return answer


def canonical_dump(store: GraphStore) -> tuple[list[str], list[str]]:
    """Every node and relationship, independent of storage order and element ids."""
    nodes: dict[int, str] = {}
    relationships: list[tuple[int, int, str]] = []

    def node(dumped: DumpedNode) -> None:
        nodes[dumped.number] = json.dumps([sorted(dumped.labels), dumped.properties], sort_keys=True)

    def relationship(dumped: DumpedRelationship) -> None:
        relationships.append((dumped.start, dumped.end, json.dumps([dumped.type, dumped.properties], sort_keys=True)))

    dump_graph(store, begin=lambda version: nodes.clear(), node=node, relationship=relationship)
    return sorted(nodes.values()), sorted(f"{nodes[s]} {text} {nodes[e]}" for s, e, text in relationships)


def test_backup_restores_into_an_empty_neo4j_with_the_same_answers_and_keys(
    settings: Settings, graph: GraphStore, restore_store: GraphStore, tmp_path: Path
) -> None:
    with TestClient(create_app(_roomy(settings), store=graph)) as client:
        keys = build_graph(client, graph)
        graph.driver.execute_query(FUTURE_RECORD, database_=graph.database)
        before = api_answers(client, keys)
        assert client.get("/v1/me", headers=keys["revoked"]).status_code == 401
    original = canonical_dump(graph)
    assert any("FutureThing" in line for line in original[0]) and any("FUTURE_LINK" in r for r in original[1])

    path = tmp_path / "atlas.backup.jsonl.gz"
    summary = backup.write_backup(graph, path=path)
    assert (summary.nodes, summary.relationships) == (len(original[0]), len(original[1]))
    assert path.stat().st_mode & 0o777 == 0o600
    header = json.loads(gzip.open(path, "rt").readline())
    assert header["format"] == "atlas-graph-backup" and header["format_version"] == backup.FORMAT_VERSION
    assert header["atlas_graph_version"] and "004_entity_id_unique" in header["schema"]["files"]
    assert header["schema"]["constraints"] and header["graph_version"] == summary.graph_version

    if restore_store is graph:
        delete_everything(graph)
    progress: list[backup.Progress] = []
    restored = backup.restore_backup(restore_store, path=path, progress=progress.append)
    assert (restored.nodes, restored.relationships) == (summary.nodes, summary.relationships)
    assert progress[-1].phase == "relationships" and progress[-1].done == progress[-1].total == summary.relationships

    assert canonical_dump(restore_store) == original
    with TestClient(create_app(_roomy(settings), store=restore_store)) as client:
        assert api_answers(client, keys) == before
        assert client.get("/v1/me", headers=keys["revoked"]).status_code == 401
        # The restored graph takes writes: the write counter and constraints came back with it.
        _post(client, keys["Org A analyst"], entities=[{"kind": "actor", "name": "Crew 1"}])


def test_restore_refuses_a_database_that_is_not_empty(graph: GraphStore, tmp_path: Path) -> None:
    organizations.create_organization(graph, name="Org A")
    path = tmp_path / "one.jsonl.gz"
    backup.write_backup(graph, path=path)
    with pytest.raises(Conflict, match=rf"not empty \({node_count(graph)} nodes\)"):
        backup.restore_backup(graph, path=path)
    with pytest.raises(Conflict, match="exists already"):
        backup.write_backup(graph, path=path)


def test_restore_refuses_a_cut_short_or_foreign_file_before_writing(graph: GraphStore, tmp_path: Path) -> None:
    organizations.create_organization(graph, name="Org A")
    whole = tmp_path / "whole.jsonl.gz"
    backup.write_backup(graph, path=whole)
    delete_everything(graph)
    lines = gzip.open(whole, "rt").read().splitlines()
    cut = tmp_path / "cut.jsonl.gz"
    with gzip.open(cut, "wt") as handle:
        handle.write("\n".join(lines[:-1]) + "\n")
    with pytest.raises(backup.BackupFileError, match="cut short"):
        backup.restore_backup(graph, path=cut)
    newer = tmp_path / "newer.jsonl.gz"
    with gzip.open(newer, "wt") as handle:
        handle.write(json.dumps({**json.loads(lines[0]), "format_version": 99}) + "\n" + "\n".join(lines[1:]) + "\n")
    with pytest.raises(backup.BackupFileError, match="format 99"):
        backup.restore_backup(graph, path=newer)
    plain = tmp_path / "plain.json"
    plain.write_text("{}")
    with pytest.raises(backup.BackupFileError, match="not a readable backup"):
        backup.restore_backup(graph, path=plain)
    assert node_count(graph) == 0


def test_backup_and_restore_commands(
    graph: GraphStore,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for field, value in _environment(settings).items():
        monkeypatch.setenv(field, value)
    organizations.create_organization(graph, name="Org A")
    nodes = node_count(graph)
    path = tmp_path / "cli.jsonl.gz"
    assert cli_main(["backup", str(path)]) == 0
    assert f"backed up {nodes} nodes and 0 relationships" in capsys.readouterr().out
    assert cli_main(["restore", str(path)]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"atlas-graph: error: the database is not empty ({nodes} nodes)") and "\n" not in error
    delete_everything(graph)
    assert cli_main(["restore", str(path)]) == 0
    assert f"restored {nodes} nodes and 0 relationships" in capsys.readouterr().out
    assert [org.name for org in organizations.list_organizations(graph)] == ["Org A"]


def _environment(settings: Settings) -> dict[str, str]:
    connection = connection_for(settings)
    return {
        "ATLAS_NEO4J_URI": connection.uri,
        "ATLAS_NEO4J_USER": connection.user,
        "ATLAS_NEO4J_PASSWORD": connection.password or "",
        "ATLAS_NEO4J_DATABASE": connection.database,
    }


def test_writes_wait_for_a_backup_and_are_not_in_it(
    settings: Settings, graph: GraphStore, auth_headers: KeyFactory
) -> None:
    """A bundle posted while a backup reads waits for the backup's lock: the backup has none of it."""
    headers = auth_headers("Org A")
    locked, release = threading.Event(), threading.Event()
    names: list[str] = []

    def begin(version: str) -> None:
        locked.set()
        assert release.wait(30)

    def node(dumped: DumpedNode) -> None:
        names.append(str(dumped.properties.get("name")))

    with TestClient(create_app(settings, store=graph)) as client:
        _post(client, headers, entities=[{"kind": "actor", "name": "Before"}])
        with ThreadPoolExecutor(max_workers=2) as pool:
            dumping = pool.submit(dump_graph, graph, begin=begin, node=node, relationship=lambda dumped: None)
            assert locked.wait(30)
            posting = pool.submit(_post, client, headers, entities=[{"kind": "actor", "name": "During"}])
            time.sleep(1.5)
            assert not posting.done(), "a bundle committed while the backup held the write lock"
            release.set()
            dumping.result(timeout=30)
            posting.result(timeout=30)
    assert "Before" in names and "During" not in names
