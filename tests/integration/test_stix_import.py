"""POST /v1/stix with real ATT&CK objects (and the invalid ones the fixture's author added)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory
from tests.integration.test_bundles import counts

BUNDLE: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "attack_subset_small.stix.json").read_text()
)
WIZARD_SPIDER = "intrusion-set--dd2d9ca6-505b-4860-a604-233685b802c7"


def test_valid_objects_are_imported_and_every_other_is_listed(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    response = client.post("/v1/stix", json=BUNDLE, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    objects = len(BUNDLE["objects"])
    assert body["objects"] == objects
    listed = len(body["invalid"]) + len(body["unmapped"]) + len(body["skipped"])
    assert body["imported_entities"] + body["imported_relationships"] + listed == objects
    # The ten objects with made-up ids are refused by stix2, each with its reason.
    assert len(body["invalid"]) == 10
    assert all("not a valid STIX identifier" in issue["reason"] for issue in body["invalid"])
    assert {issue["type"] for issue in body["unmapped"]} >= {"attack-pattern", "relationship"}
    assert body["imported_entities"] == 8 + 5 + 10 + 4  # intrusion sets, campaigns, malware, tools
    assert body["result"]["counts"]["entities"]["created"] == body["imported_entities"]

    wizard = client.get(f"/v1/entities/{WIZARD_SPIDER}", headers=headers).json()
    assert wizard["kind"] == "actor" and wizard["name"] == "Wizard Spider"
    assert {"Grim Spider", "UNC1878", "FIN12"} <= set(wizard["aliases"])
    (claim,) = wizard["assertions"]
    assert claim["organization"] == "Org A" and claim["tlp"] == "GREEN" and claim["confidence"] == 50
    assert "https://attack.mitre.org/groups/G0102" in claim["references"]
    assert claim["attributes"]["stix_created_by"] == "The MITRE Corporation"
    assert wizard["relationship_counts"].get("USES", 0) > 0

    conti = client.get("/v1/entities", params={"q": "conti"}, headers=headers).json()["items"][0]
    assert conti["kind"] == "service_provider" and conti["category"] == "malware"


def test_query_defaults_apply_to_unmarked_objects(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    response = client.post("/v1/stix", params={"tlp": "RED", "confidence": 85}, json=BUNDLE, headers=headers)
    assert response.status_code == 200
    claim = client.get(f"/v1/entities/{WIZARD_SPIDER}", headers=headers).json()["assertions"][0]
    assert claim["tlp"] == "RED" and claim["confidence"] == 85
    assert client.get(f"/v1/entities/{WIZARD_SPIDER}", headers=auth_headers("Org B")).status_code == 404


def test_markings_and_confidence_in_the_bundle_win(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    bundle = copy.deepcopy(BUNDLE)
    wizard = next(o for o in bundle["objects"] if o["id"] == WIZARD_SPIDER)
    wizard["object_marking_refs"] = ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]  # TLP:RED
    wizard["spec_version"] = "2.1"
    wizard["confidence"] = 90
    assert client.post("/v1/stix", params={"tlp": "CLEAR"}, json=bundle, headers=headers).status_code == 200
    claim = client.get(f"/v1/entities/{WIZARD_SPIDER}", headers=headers).json()["assertions"][0]
    assert claim["tlp"] == "RED" and claim["confidence"] == 90


def test_reject_policy_writes_nothing(client: TestClient, auth_headers: KeyFactory, graph: GraphStore) -> None:
    response = client.post("/v1/stix", params={"on_invalid": "reject"}, json=BUNDLE, headers=auth_headers("Org A"))
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert len(problems) == 10 and all(p["location"][0] == "objects" for p in problems)
    assert counts(graph) == (0, 0, 0)


def test_malformed_bundles_are_422(client: TestClient, auth_headers: KeyFactory, graph: GraphStore) -> None:
    headers = auth_headers("Org A")
    assert (
        client.post("/v1/stix", json={"type": "report", "id": "x", "objects": []}, headers=headers).status_code == 422
    )
    assert client.post("/v1/stix", json={"type": "bundle", "id": "bundle--1"}, headers=headers).status_code == 422
    broken = {"type": "bundle", "id": "bundle--1", "objects": [{"type": "malware", "id": "malware--not-a-uuid"}]}
    answer = client.post("/v1/stix", json=broken, headers=headers).json()
    assert answer["imported_entities"] == 0 and answer["invalid"][0]["index"] == 0
    assert counts(graph) == (0, 0, 0)


def test_reimport_creates_no_duplicates(client: TestClient, auth_headers: KeyFactory, graph: GraphStore) -> None:
    headers = auth_headers("Org A")
    client.post("/v1/stix", json=BUNDLE, headers=headers)
    before = counts(graph)
    again = client.post("/v1/stix", json=BUNDLE, headers=headers).json()
    assert again["result"]["counts"]["entities"]["created"] == 0
    assert counts(graph) == before
