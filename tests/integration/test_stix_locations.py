"""STIX locations (issue 14) against the real Neo4j: `location` + `located-at` give entity claims their countries in
POST /v1/stix, `atlas-graph import` and a TAXII pull; exports and TAXII collections write them back, never a country
only a hidden claim gives; a round trip keeps the countries."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from stix2validator import ValidationOptions, validate_string

from atlas_graph.models.vocabulary import Role, Tlp
from atlas_graph.services import organizations
from atlas_graph.services.caller import Caller
from atlas_graph.stix.vocabulary import TLP_2_MARKINGS
from atlas_graph.stix.writing import location_id
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.maintenance import delete_everything
from atlas_graph.taxii.pull import TaxiiSource, pull
from tests.conftest import KeyFactory
from tests.integration.conftest import Run
from tests.integration.taxii_peers import TAXII, medallion_with
from tests.unit.stix.objects import located_at, stix_object

FIN7 = "intrusion-set--3753cc21-2dae-4dfb-8481-d004e74502cc"
HOST = "infrastructure--0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
SECRET = "intrusion-set--5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
NOWHERE = "intrusion-set--00000000-0000-4000-8000-00000000abcd"
GERMANY = "location--6f0e1d2c-3b4a-4958-8776-a5b4c3d2e1f0"
FRANCE = "location--7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d"
BAD = "location--8b7c6d5e-4f3a-4b2c-8d9e-0f1a2b3c4d5e"


def _bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": list(objects)}


def _post(client: TestClient, headers: dict[str, str], *objects: dict[str, Any], **params: str) -> Any:
    response = client.post("/v1/stix", params=params, json=_bundle(*objects), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _countries(client: TestClient, headers: dict[str, str], name: str) -> list[str]:
    page = client.get("/v1/entities", params={"q": name}, headers=headers).json()
    (hit,) = [item for item in page["items"] if item["name"] == name]
    countries: list[str] = client.get(f"/v1/entities/{hit['id']}", headers=headers).json()["countries"]
    return countries


def test_a_stix_bundle_gives_countries_and_says_what_it_refused(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A")
    objects = (
        stix_object("intrusion-set", FIN7, name="FIN7"),
        stix_object("location", GERMANY, country="DE", name="Germany"),
        stix_object("location", BAD, country="XX"),
        located_at(FIN7, GERMANY, 1),
        located_at(FIN7, BAD, 2),
    )
    answer = _post(client, org_a, *objects)
    assert answer["imported_entities"] == 1 and answer["imported_locations"] == 1
    assert answer["imported_relationships"] == 0
    (invalid,) = answer["invalid"]
    assert invalid["id"] == BAD and invalid["reason"] == "country 'XX' is not an ISO 3166-1 alpha-2 country code"
    (unmapped,) = answer["unmapped"]
    assert unmapped["index"] == 4 and unmapped["reason"].startswith(f"{BAD} is invalid or gives no country")
    assert _countries(client, org_a, "FIN7") == ["DE"]

    # Rejecting the bundle names the property.
    refused = client.post("/v1/stix", params={"on_invalid": "reject"}, json=_bundle(*objects), headers=org_a)
    assert refused.status_code == 422
    assert ["objects", 2, "country"] in [problem["location"] for problem in refused.json()["error"]["problems"]]


def test_a_located_at_delta_joins_the_callers_own_claim_only(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    org_a, org_b, org_c = auth_headers("Org A"), auth_headers("Org B"), auth_headers("Org C")
    _post(client, org_a, stix_object("intrusion-set", FIN7, name="FIN7"))
    _post(client, org_c, stix_object("intrusion-set", SECRET, name="Secret Cell"), tlp="RED")
    france = stix_object("location", FRANCE, country="FR")

    answer = _post(client, org_a, france, located_at(FIN7, FRANCE, 1))
    assert answer["imported_locations"] == 1 and answer["unmapped"] == []
    assert _countries(client, org_a, "FIN7") == ["FR"]
    events = graph.driver.execute_query(
        "MATCH (e:AuditEvent {action: 'stix.locate'}) RETURN e.organization AS organization", database_=graph.database
    ).records
    assert [event["organization"] for event in events] == ["Org A"]

    # Org B sees FIN7 but made no claim on it: nothing of Org A's claim changes.
    other = _post(client, org_b, stix_object("location", GERMANY, country="DE"), located_at(FIN7, GERMANY, 2))
    assert other["imported_locations"] == 0
    assert "made no claim on it by this id" in other["unmapped"][0]["reason"]
    # A RED located-at would make Org A's GREEN claim share the country more widely: refused.
    red = located_at(FIN7, GERMANY, 3, object_marking_refs=[TLP_2_MARKINGS[Tlp.RED]])
    stricter = _post(client, org_a, stix_object("location", GERMANY, country="DE"), red)
    assert stricter["imported_locations"] == 0 and "TLP:RED" in stricter["unmapped"][0]["reason"]
    assert _countries(client, org_a, "FIN7") == ["FR"]

    # An entity Org A may not see answers exactly like one that does not exist.
    hidden = _post(client, org_a, france, located_at(SECRET, FRANCE, 4))
    missing = _post(client, org_a, france, located_at(NOWHERE, FRANCE, 4))
    assert json.dumps(hidden).replace(SECRET, "ID") == json.dumps(missing).replace(NOWHERE, "ID")
    assert hidden["unmapped"] and hidden["imported_locations"] == 0


def _export(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/export/stix", headers=headers)
    assert response.status_code == 200, response.text
    bundle: dict[str, Any] = json.loads(response.content)
    return bundle


def _hosts(client: TestClient, auth_headers: KeyFactory) -> tuple[dict[str, str], dict[str, str]]:
    """Org A's GREEN claim puts Host East in DE; Org B's RED claim on it adds RU, and an AMBER one adds NL."""
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    host = {"kind": "infrastructure", "name": "Host East", "category": "hosting"}
    for headers, claims in (
        (org_a, [{**host, "countries": ["DE"]}]),
        (org_b, [{**host, "countries": ["RU", "DE"], "tlp": "RED"}]),
    ):
        response = client.post("/v1/bundles", json={"entities": claims}, headers=headers)
        assert response.status_code == 200, response.text
    return org_a, org_b


def test_an_export_never_carries_a_country_only_a_hidden_claim_gives(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    org_a, org_b = _hosts(client, auth_headers)
    attacker_view = _export(client, org_a)
    text = json.dumps(attacker_view)
    assert location_id("RU") not in text and '"RU"' not in text
    locations = [obj for obj in attacker_view["objects"] if obj["type"] == "location"]
    assert [obj["country"] for obj in locations] == ["DE"]
    (located,) = [obj for obj in attacker_view["objects"] if obj.get("relationship_type") == "located-at"]
    assert located["target_ref"] == location_id("DE")
    assert located["object_marking_refs"] == [TLP_2_MARKINGS[Tlp.GREEN]]
    results = validate_string(json.dumps(attacker_view), ValidationOptions(version="2.1"))
    assert results.is_valid, [str(error) for error in results.errors]

    # Org B made the RED claim and sees RU, marked RED and created by itself.
    own_view = _export(client, org_b)
    marks = {
        obj["target_ref"]: obj["object_marking_refs"]
        for obj in own_view["objects"]
        if obj.get("relationship_type") == "located-at"
    }
    assert marks == {location_id("DE"): [TLP_2_MARKINGS[Tlp.GREEN]], location_id("RU"): [TLP_2_MARKINGS[Tlp.RED]]}

    # The TAXII server serves the same: Org A's collection has DE and nothing of RU.
    taxii = client.get(
        "/taxii2/api/collections/atlas/objects/", params={"limit": 1000}, headers={**org_a, "Accept": TAXII}
    )
    assert taxii.status_code == 200, taxii.text
    served = taxii.json()["objects"]
    assert location_id("RU") not in json.dumps(served)
    assert [obj["country"] for obj in served if obj["type"] == "location"] == ["DE"]
    assert [obj["target_ref"] for obj in served if obj.get("relationship_type") == "located-at"] == [location_id("DE")]


def test_countries_survive_a_round_trip_through_the_api_and_the_import_command(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore, run_import: Run, tmp_path: Path
) -> None:
    org_a, org_b = _hosts(client, auth_headers)
    exported = _export(client, org_a)
    path = tmp_path / "export.stix.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    # Org B's export: RU only in its own RED claim, marked so on its located-at, and the extension has it exactly.
    with_red = tmp_path / "export-b.stix.json"
    with_red.write_text(json.dumps(_export(client, org_b)), encoding="utf-8")
    foreign = tmp_path / "foreign.stix.json"
    foreign.write_text(
        json.dumps(
            _bundle(
                located_at(FIN7, GERMANY, 1),  # before the objects it joins: the file is read in two passes
                stix_object("intrusion-set", FIN7, name="FIN7"),
                stix_object("location", GERMANY, country="DE"),
                stix_object("location", FRANCE, country="FR"),
                located_at(FIN7, FRANCE, 2),
            )
        ),
        encoding="utf-8",
    )

    def empty_store() -> dict[str, str]:
        delete_everything(graph)
        for member in ("Org A", "Org B"):
            organizations.create_organization(graph, name=member)
        return auth_headers("Org A")

    # POST /v1/stix reads an export as any STIX: the located-at relationships give the countries.
    fresh = empty_store()
    answer = _post(client, fresh, *exported["objects"])
    assert answer["imported_locations"] == 1
    assert _countries(client, fresh, "Host East") == ["DE"]

    # `atlas-graph import` reads the extension of an export exactly, and a foreign file's locations too.
    fresh = empty_store()
    assert run_import(path) == 0
    assert _countries(client, fresh, "Host East") == ["DE"]
    again = {obj["id"] for obj in _export(client, fresh)["objects"] if obj["type"] in ("location", "relationship")}
    assert again == {obj["id"] for obj in exported["objects"] if obj["type"] in ("location", "relationship")}
    assert run_import(foreign, "--checkpoint-dir", tmp_path / "foreign") == 0
    assert _countries(client, fresh, "FIN7") == ["DE", "FR"]

    empty_store()
    assert run_import(with_red, "--org", "Org B", "--checkpoint-dir", tmp_path / "red") == 0
    assert _countries(client, auth_headers("Org B"), "Host East") == ["DE", "RU"]
    (report,) = (tmp_path / "red").glob("*.report.jsonl")
    issues = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    # Its two located-at say what the extension gave: skipped, saying so, never refused.
    located = [issue for issue in issues if issue["phase"] == "relationships"]
    assert len(located) == 2 and all("atlas-graph extension" in issue["reason"] for issue in located), issues
    assert {issue["status"] for issue in located} == {"skipped"}


def test_a_taxii_pull_brings_a_location_sent_on_an_earlier_page(graph: GraphStore, tmp_path: Path) -> None:
    host = stix_object("infrastructure", HOST, name="Rack 7")
    start = datetime(2026, 1, 5, tzinfo=UTC)
    dated = [
        (stix_object("location", GERMANY, country="DE"), start),
        (stix_object("intrusion-set", FIN7, name="FIN7"), start + timedelta(seconds=1)),
        (located_at(FIN7, GERMANY, 1), start + timedelta(seconds=2)),
        (host, start + timedelta(seconds=3)),
        # The server sent Germany's location once, on the first page: this page has only the relationship.
        (located_at(HOST, GERMANY, 2), start + timedelta(seconds=4)),
    ]
    organizations.create_organization(graph, name="Org Pull")
    caller = Caller(organization="Org Pull", role=Role.INTEGRATION, key_id="test")
    with medallion_with(tmp_path / "medallion", dated, page_size=2) as feed:
        source = TaxiiSource(url=feed.url, collection=feed.collection_id, user=feed.user, password=feed.password)
        summary = pull(
            graph,
            caller=caller,
            source=source,
            state_dir=tmp_path / "state",
            default_tlp=Tlp.GREEN,
            default_confidence=50,
            max_items=1000,
            page_size=2,
        )
    assert summary.pages == 3 and not summary.unmapped
    records = graph.driver.execute_query(
        "MATCH (c:EntityAssertion {organization: 'Org Pull'}) RETURN c.name AS name, c.countries AS countries",
        database_=graph.database,
    ).records
    assert {record["name"]: record["countries"] for record in records} == {"FIN7": ["DE"], "Rack 7": ["DE"]}
