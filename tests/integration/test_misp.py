"""MISP both ways against the real Neo4j: real MISP events imported and found again, and the feed read by pymisp.

The feed is attacked as the sharing rule demands: another organization's RED claims change nothing in a
manifest, an event or the hashes of an organization that may not see them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymisp import MISPEvent
from pymisp.tools.feed import feed_meta_generator

from atlas_graph.cli import commands
from atlas_graph.config import Settings
from atlas_graph.errors import InvalidInput
from atlas_graph.models.vocabulary import ROLE_PERMISSIONS, Permission, Role
from tests.conftest import KeyFactory
from tests.integration.conftest import Run
from tests.integration.test_import_cli import entity

MISP = Path(__file__).resolve().parents[1] / "fixtures" / "misp"
REAL_EVENTS = sorted(MISP.glob("*.json"))
NO_EVENT = "6f1c2b9e-1111-4222-8333-444455556666"


def test_real_misp_events_are_imported_and_found_again_by_name(
    run_import: Run, client: TestClient, auth_headers: KeyFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_import(*REAL_EVENTS) == 0
    out = capsys.readouterr().out
    assert out.count(": misp-event, imported as Org A") == len(REAL_EVENTS)
    reader = auth_headers("Org A", Role.READER)
    found = {
        (kind, name): entity(client, reader, kind, name)
        for kind, name in [
            ("actor", "Cutting Kitten"),
            ("service_provider", "cmd"),
            ("service_provider", "BISCUIT"),
            ("service_provider", "Samas-Samsam"),
            ("infrastructure", "circl.lu"),
            ("infrastructure", "http://fake.website.com/malware/is/here"),
        ]
    }
    assert found["actor", "Cutting Kitten"]["aliases"] == ["Ghambar"]
    tlps = {key: [claim["tlp"] for claim in body["assertions"]] for key, body in found.items()}
    assert tlps["infrastructure", "http://fake.website.com/malware/is/here"] == ["AMBER+STRICT"]  # distribution 0
    assert tlps["service_provider", "Samas-Samsam"] == ["CLEAR"]  # tlp:white
    assert tlps["actor", "Cutting Kitten"] == ["GREEN"]  # says nothing: --tlp


def test_a_broken_misp_file_is_one_line_on_stderr_and_stores_nothing(
    run_import: Run,
    settings: Settings,
    client: TestClient,
    auth_headers: KeyFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[{"Event": {"info": "fine"}}, {"Event": {"info": "x", "Attribute": [{"value": "1.2.3.4"}]}}]')
    good = MISP / "misp-stix-event_with_threat_actor_galaxy.json"
    with pytest.raises(InvalidInput, match=r"events\[1\] is not a valid MISP event"):
        run_import(good, broken)
    monkeypatch.setattr(commands, "Settings", lambda: settings)
    capsys.readouterr()
    arguments = ["--org", "Org A", "--checkpoint-dir", str(tmp_path / "c"), "--no-progress"]
    assert commands.main(["import", str(good), str(broken), *arguments]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("atlas-graph: error: ") and "broken.json: events[1] is not a valid MISP event" in line
    # The good file came first, and nothing of it was stored either: every file is converted before a write.
    page = client.get("/v1/entities", params={"q": "Cutting Kitten"}, headers=auth_headers("Org A", Role.READER))
    assert page.json()["total"] == 0


# --- The feed ---------------------------------------------------------------------------------------------------

VISIBLE = {
    "entities": [
        {"kind": "actor", "name": "Alpha Crew", "category": "group", "aliases": ["Crew A"]},
        {"kind": "service_provider", "name": "Shared Loader", "category": "malware"},
        {"kind": "infrastructure", "name": "198.51.100.7", "category": "ip_address"},
        {"kind": "infrastructure", "name": "parked.example", "category": "domain"},
    ],
    "relationships": [
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Alpha Crew"},
            "target": {"kind": "service_provider", "name": "Shared Loader"},
        },
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Alpha Crew"},
            "target": {"kind": "infrastructure", "name": "198.51.100.7"},
        },
    ],
}
RED = {"tlp": "RED"}
SECRETS = {
    "entities": [
        {"kind": "actor", "name": "Secret Crew", "category": "group", **RED},
        {"kind": "infrastructure", "name": "203.0.113.99", "category": "ip_address", **RED},
        # A RED alias on an entity Org A sees, and RED claims on what Org A sees.
        {"kind": "actor", "name": "Alpha Crew", "aliases": ["Hidden Alias"], "description": "red note", **RED},
        {"kind": "infrastructure", "name": "198.51.100.7", "category": "ip_address", **RED},
    ],
    "relationships": [
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Secret Crew"},
            "target": {"kind": "service_provider", "name": "Shared Loader"},
            **RED,
        },
        {
            "type": "USES",
            "source": {"kind": "actor", "name": "Alpha Crew"},
            "target": {"kind": "infrastructure", "name": "203.0.113.99"},
            **RED,
        },
        {
            "type": "AFFILIATED_WITH",
            "source": {"kind": "actor", "name": "Secret Crew"},
            "target": {"kind": "actor", "name": "Alpha Crew"},
            **RED,
        },
    ],
}


def whole_feed(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Everything a subscriber can fetch: the manifest, every event it lists, and the hashes."""
    manifest = client.get("/misp/feed/manifest.json", headers=headers)
    assert manifest.status_code == 200, manifest.text
    events = {}
    for event_uuid in manifest.json():
        response = client.get(f"/misp/feed/{event_uuid}.json", headers=headers)
        assert response.status_code == 200, response.text
        events[event_uuid] = response.json()
    hashes = client.get("/misp/feed/hashes.csv", headers=headers)
    assert hashes.status_code == 200 and hashes.headers["content-type"].startswith("text/csv")
    return {"manifest": manifest.json(), "events": events, "hashes": hashes.text}


def test_pymisp_reads_the_feed_and_its_generator_writes_the_same_manifest_and_hashes(
    client: TestClient, auth_headers: KeyFactory, tmp_path: Path
) -> None:
    analyst = auth_headers("Org A", Role.ANALYST)
    assert client.post("/v1/bundles", json=VISIBLE, headers=analyst).status_code == 200
    feed = whole_feed(client, auth_headers("Org A", Role.READER))
    titles = {entry["info"] for entry in feed["manifest"].values()}
    assert titles == {
        "atlas-graph: Alpha Crew (actor) and its relationships",
        "atlas-graph: Infrastructure without relationships",
    }
    loaded = {}
    for event_uuid, body in feed["events"].items():
        event = MISPEvent()
        event.load(copy.deepcopy(body))
        assert event.uuid == event_uuid
        loaded[event.info] = event
        (tmp_path / f"{event_uuid}.json").write_text(json.dumps(body))
    alpha = loaded["atlas-graph: Alpha Crew (actor) and its relationships"]
    assert {'misp-galaxy:intrusion-set="Alpha Crew"', 'misp-galaxy:malware="Shared Loader"', "tlp:green"} <= {
        tag.name for tag in alpha.tags
    }
    assert [(a.type, a.value) for a in alpha.attributes] == [("ip-dst", "198.51.100.7")]
    assert "- **Alpha Crew** USES **Shared Loader**: Org A, TLP:GREEN" in alpha.event_reports[0].content
    # PyMISP's feed generator, run over the events served, writes the manifest and hashes the feed serves.
    feed_meta_generator(tmp_path)
    assert json.loads((tmp_path / "manifest.json").read_text()) == feed["manifest"]
    assert sorted((tmp_path / "hashes.csv").read_text().splitlines()) == sorted(feed["hashes"].splitlines())
    # Stable: the same uuids and events on every call.
    assert whole_feed(client, auth_headers("Org A", Role.READER)) == feed


def test_another_organizations_red_claims_are_in_no_manifest_event_or_hash(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    assert client.post("/v1/bundles", json=VISIBLE, headers=auth_headers("Org A", Role.ANALYST)).status_code == 200
    attacker = auth_headers("Org A", Role.READER)
    before = whole_feed(client, attacker)
    assert client.post("/v1/bundles", json=SECRETS, headers=auth_headers("Org B", Role.ANALYST)).status_code == 200
    after = whole_feed(client, attacker)
    assert after == before
    text = json.dumps(after)
    for secret in ("Secret Crew", "203.0.113.99", "Hidden Alias", "red note", "Org B", "RED"):
        assert secret not in text
    # The maker sees them, so the check above is not empty: its feed has the secret crew's event.
    maker = whole_feed(client, auth_headers("Org B", Role.READER))
    secret_events = [u for u, entry in maker["manifest"].items() if "Secret Crew" in entry["info"]]
    assert len(secret_events) == 1 and "tlp:red" in json.dumps(maker["manifest"][secret_events[0]])
    # Asked by its uuid, the secret event is what an event that does not exist is.
    hidden = client.get(f"/misp/feed/{secret_events[0]}.json", headers=attacker)
    missing = client.get(f"/misp/feed/{NO_EVENT}.json", headers=attacker)
    assert hidden.status_code == missing.status_code == 404
    answers = [response.json()["error"]["message"] for response in (hidden, missing)]
    assert answers[0].replace(secret_events[0], "?") == answers[1].replace(NO_EVENT, "?")


@pytest.mark.parametrize("role", list(Role))
def test_the_feed_needs_the_read_permission(client: TestClient, auth_headers: KeyFactory, role: Role) -> None:
    headers = auth_headers("Role Probe Org", role)
    for path in ("/misp/feed/manifest.json", "/misp/feed/hashes.csv", f"/misp/feed/{NO_EVENT}.json"):
        response = client.get(path, headers=headers)
        if Permission.READ in ROLE_PERMISSIONS[role]:
            assert response.status_code in (200, 404), (path, response.text)
        else:
            assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden", path
    assert client.get("/misp/feed/manifest.json").status_code == 401


def test_feed_errors_are_json(client: TestClient, auth_headers: KeyFactory) -> None:
    reader = auth_headers("Org A", Role.READER)
    bad = client.get("/misp/feed/not-a-uuid.json", headers=reader)
    assert bad.status_code == 422 and bad.json()["error"]["code"]
    unknown = client.get(f"/misp/feed/{NO_EVENT}.json", headers=reader)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert client.get("/misp/feed/manifest.json", headers=reader).json() == {}  # an empty graph, an empty feed
