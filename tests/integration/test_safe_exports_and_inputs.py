"""Issue 17, "safe exports and inputs": each finding of the hostile review, as it was reported.

- a name such as ``=cmd|' /C calc'!A0`` went into every member's CSV export as is (formula injection);
- a reference beginning with ``https://`` that was no URI made the community's STIX export fail stix2-validator;
- duplicate JSON keys were taken silently (``"tlp": "GREEN", "tlp": "RED"``), and control characters in names;
- ``share_with: ["Future Org"]`` was accepted, and "partner" did not reach "Partner";
- audit ``since``/``until`` near the ends of the calendar answered a plain-text 500 (OverflowError);
- a 100,000-deep JSON file made ``atlas-graph import`` end in a traceback, and ``"values": 5`` exited 0.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stix2validator import ValidationOptions, validate_string

from atlas_graph.cli.commands import main as cli_main
from atlas_graph.config import Settings
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, organizations
from atlas_graph.services.connection import connection_for
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.schema import apply_schema
from tests.conftest import KeyFactory

FORMULAS = ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)")


def _post(client: TestClient, headers: dict[str, str], bundle: dict[str, Any]) -> dict[str, Any]:
    answer = client.post("/v1/bundles", json=bundle, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _entity_total(client: TestClient, headers: dict[str, str]) -> int:
    total: int = client.get("/v1/entities", params={"limit": 1}, headers=headers).json()["total"]
    return total


def _problems(answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 422, answer.text
    problems: list[dict[str, Any]] = answer.json()["error"]["problems"]
    return problems


def test_csv_export_cells_cannot_be_formulas(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A")
    _post(
        client,
        org_a,
        {
            "entities": [
                {"kind": "actor", "name": FORMULAS[0], "aliases": list(FORMULAS[1:])},
                {"kind": "victim", "name": "Clinic"},
            ],
            "relationships": [
                {
                    "type": "TARGETS",
                    "source": {"kind": "actor", "name": FORMULAS[0]},
                    "target": {"kind": "victim", "name": "Clinic"},
                }
            ],
        },
    )
    archive = zipfile.ZipFile(io.BytesIO(client.get("/v1/export/csv", headers=auth_headers("Org B")).content))
    cells = [
        cell
        for name in ("nodes.csv", "edges.csv")
        for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8")))
        for cell in row
    ]
    assert "'" + FORMULAS[0] in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_references_that_claim_to_be_links_must_be_uris(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A")
    refused = client.post(
        "/v1/bundles",
        json={"entities": [{"kind": "actor", "name": "Crew", "references": ["https://exa mple.com/report"]}]},
        headers=org_a,
    )
    (problem,) = _problems(refused)
    assert problem["location"] == ["entities", 0, "references", 0]
    assert "'https://exa mple.com/report'" in problem["message"] and "not a URI" in problem["message"]
    assert _entity_total(client, org_a) == 0
    # Report ids and defanged links stay text; real links stay links.
    kept = ["mitre:T1566", "hxxps://evil[.]example/x", "https://example.invalid/r?id=1#p"]
    _post(client, org_a, {"entities": [{"kind": "actor", "name": "Crew", "references": kept}]})


def test_a_stored_reference_that_is_no_uri_is_exported_as_text(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    org_a = auth_headers("Org A")
    _post(client, org_a, {"entities": [{"kind": "actor", "name": "Crew", "references": ["https://ok.invalid/1"]}]})
    # As a version before the check stored it.
    graph.driver.execute_query(
        "MATCH (claim:EntityAssertion) SET claim.references = claim.references + ['https://exa mple.com/<x>']",
        database_=graph.database,
    )
    bundle = client.get("/v1/export/stix", headers=auth_headers("Org B")).json()
    results = validate_string(json.dumps(bundle), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(error) for error in results.errors]
    (actor,) = [o for o in bundle["objects"] if o.get("name") == "Crew"]
    assert {"source_name": "atlas-graph", "description": "https://exa mple.com/<x>"} in actor["external_references"]
    assert {"source_name": "ok.invalid", "url": "https://ok.invalid/1"} in actor["external_references"]


def test_duplicate_json_keys_are_refused_and_named(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A")
    raw = b'{"entities": [{"kind": "actor", "name": "Crew", "tlp": "GREEN", "tlp": "RED"}]}'
    answer = client.post("/v1/bundles", content=raw, headers={**org_a, "Content-Type": "application/json"})
    (problem,) = _problems(answer)
    assert "'tlp' appears twice" in problem["message"]
    assert _entity_total(client, org_a) == 0
    # Every JSON body, not only bundles: a merge, an organization.
    merge = client.post(
        "/v1/entities/x/merge",
        content=b'{"into": "a", "into": "b"}',
        headers={**org_a, "Content-Type": "application/json"},
    )
    assert "'into' appears twice" in _problems(merge)[0]["message"]
    admin = auth_headers("Org A", "operator")
    organization = client.post(
        "/v1/organizations",
        content=b'{"name": "X", "name": "Y"}',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert "'name' appears twice" in _problems(organization)[0]["message"]


@pytest.mark.parametrize("name", ["Crew\x00One", "Crew\x1b[31m", "Crew\tOne", "Crew\nOne", "Crew\x85"])
def test_control_characters_in_names_are_refused_and_named(
    client: TestClient, auth_headers: KeyFactory, name: str
) -> None:
    org_a = auth_headers("Org A")
    answer = client.post(
        "/v1/bundles", json={"entities": [{"kind": "actor", "name": "Fine", "aliases": [name]}]}, headers=org_a
    )
    (problem,) = _problems(answer)
    assert problem["location"] == ["entities", 0, "aliases", 0]
    assert f"U+{ord(name[4]):04X} at position 4" in problem["message"]
    assert _entity_total(client, org_a) == 0


def test_share_with_names_registered_organizations_in_any_case(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    org_a, partner = auth_headers("Org A"), auth_headers("Partner")
    secret = {"kind": "actor", "name": "Quiet Crew", "tlp": "RED"}
    refused = client.post(
        "/v1/bundles", json={"entities": [{**secret, "share_with": ["Partner", "Future Org"]}]}, headers=org_a
    )
    (problem,) = _problems(refused)
    assert problem["location"] == ["entities", 0, "share_with", 1] and "'Future Org'" in problem["message"]
    assert _entity_total(client, org_a) == 0

    posted = _post(client, org_a, {"entities": [{**secret, "share_with": ["partner", "PARTNER"]}]})
    entity_id = posted["entities"][0]["id"]
    seen = client.get(f"/v1/entities/{entity_id}", headers=partner)
    assert seen.status_code == 200, seen.text
    own = client.get(f"/v1/entities/{entity_id}", headers=org_a).json()["assertions"][0]
    assert own["share_with"] == ["Partner"]
    # An organization registered later under a name that was refused inherits nothing; and one name, one member.
    admin = auth_headers("Org A", "operator")
    assert client.post("/v1/organizations", json={"name": "partner"}, headers=admin).status_code == 409
    assert client.post("/v1/organizations", json={"name": "Future Org"}, headers=admin).status_code == 201
    later = access.issue_key(graph, organization="Future Org", role=Role.READER).token
    assert client.get(f"/v1/entities/{entity_id}", headers={"Authorization": f"Bearer {later}"}).status_code == 404


def test_organizations_registered_before_get_their_folded_name(graph: GraphStore) -> None:
    graph.driver.execute_query(
        "CREATE (:Organization {name: 'Old Member', created_at: datetime()})", database_=graph.database
    )
    apply_schema(graph)
    records = graph.driver.execute_query(
        "MATCH (o:Organization {name: 'Old Member'}) RETURN o.name_folded AS folded", database_=graph.database
    ).records
    assert records[0]["folded"] == "old member"
    with pytest.raises(Exception, match="already exists"):
        organizations.create_organization(graph, name="OLD MEMBER")


@pytest.mark.parametrize(
    ("bound", "moment"),
    [("since", "0001-01-01T00:00:00+01:00"), ("until", "9999-12-31T23:59:59-05:00")],
)
def test_audit_bounds_beyond_the_calendar_are_a_422(
    client: TestClient, auth_headers: KeyFactory, bound: str, moment: str
) -> None:
    answer = client.get("/v1/audit", params={bound: moment}, headers=auth_headers("Org A", "admin"))
    (problem,) = _problems(answer)
    assert problem["location"] == ["query", bound]


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"entities": [' + "[" * 100_000 + "]" * 100_000 + "]}", "bundle"),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, "auto"),
        ('{"type": "threat-actor", "name": "x", "values": 5}', "auto"),
        ('{"type": "threat-actor", "name": "x", "values": 5}', "misp-galaxy"),
    ],
    ids=["deep-bundle", "deep-object", "misp-values-5-auto", "misp-values-5"],
)
def test_hostile_import_files_fail_in_one_line(
    graph: GraphStore,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    fmt: str,
) -> None:
    connection = connection_for(settings)
    for variable, value in {
        "ATLAS_NEO4J_URI": connection.uri,
        "ATLAS_NEO4J_USER": connection.user,
        "ATLAS_NEO4J_PASSWORD": connection.password or "",
        "ATLAS_NEO4J_DATABASE": connection.database,
    }.items():
        monkeypatch.setenv(variable, value)
    organizations.create_organization(graph, name="Org A")
    hostile = tmp_path / "hostile.json"
    hostile.write_text(text)
    arguments = ["import", str(hostile), "--org", "Org A", "--format", fmt, "--no-progress"]
    assert cli_main([*arguments, "--checkpoint-dir", str(tmp_path / "checkpoints")]) != 0
    errors = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(errors) == 1 and errors[0].startswith("atlas-graph: error: "), errors
