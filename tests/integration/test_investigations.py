"""Investigations (issue 18): saved, changed, shared and exported under the sharing rule, tested as the attacker.

An organization that an investigation is not shared with must learn nothing of it, not even that it exists: every
answer it gets for the investigation's id is the one a never-created id gets.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import KeyFactory

NEVER_CREATED = "investigation--00000000-0000-4000-8000-000000000000"


def post_bundle(client: TestClient, headers: dict[str, str], **bundle: Any) -> dict[str, str]:
    response = client.post("/v1/bundles", json=bundle, headers=headers)
    assert response.status_code == 200, response.text
    return {
        item["name"]: answer["id"] for item, answer in zip(bundle["entities"], response.json()["entities"], strict=True)
    }


def create(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/v1/investigations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def working_set(ids: dict[str, str]) -> dict[str, Any]:
    return {
        "name": "Haven takedown",
        "entities": [ids["Haven"], ids["Crew 1"]],
        "positions": {ids["Haven"]: {"x": 1.5, "y": -2.0}, ids["Crew 1"]: {"x": 0, "y": 0}},
        "filters": {"min_confidence": 60, "types": ["USES"], "kinds": ["actor", "service_provider"], "own_only": True},
        "notes": {ids["Haven"]: "Hosting for six crews."},
        "analyses": [
            {
                "analysis": "chokepoints",
                "parameters": {"method": "degree"},
                "result": {"top": [ids["Haven"]]},
                "ran_at": "2026-12-07T10:00:00Z",
            }
        ],
    }


def ecosystem(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    return post_bundle(
        client,
        headers,
        entities=[
            {"kind": "service_provider", "name": "Haven", "category": "bulletproof_hosting"},
            {"kind": "actor", "name": "Crew 1"},
            {"kind": "victim", "name": "Clinic"},
        ],
        relationships=[
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Crew 1"},
                "target": {"kind": "service_provider", "name": "Haven"},
            },
            {
                "type": "TARGETS",
                "source": {"kind": "actor", "name": "Crew 1"},
                "target": {"kind": "victim", "name": "Clinic"},
            },
        ],
    )


def test_save_read_list_change_and_delete(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a = auth_headers("Org A", "reader")
    ids = ecosystem(client, auth_headers("Org A"))
    created = create(client, org_a, **working_set(ids))
    assert created["id"].startswith("investigation--")
    assert created["own"] is True and created["organization"] == "Org A" and created["share_with"] == []
    assert created["entities"] == [ids["Haven"], ids["Crew 1"]] and created["entity_count"] == 2
    assert created["positions"][ids["Haven"]] == {"x": 1.5, "y": -2.0}
    assert created["filters"]["min_confidence"] == 60 and created["filters"]["own_only"] is True
    assert created["notes"] == {ids["Haven"]: "Hosting for six crews."}
    assert created["analyses"][0]["result"] == {"top": [ids["Haven"]]}
    url = f"/v1/investigations/{created['id']}"
    assert client.get(url, headers=org_a).json() == created

    changed = client.patch(url, json={"notes": {ids["Crew 1"]: "Pays Tumble."}, "name": "Renamed"}, headers=org_a)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name"] == "Renamed" and body["notes"] == {ids["Crew 1"]: "Pays Tumble."}
    assert body["positions"] == created["positions"] and body["filters"] == created["filters"], "kept"
    assert body["updated_at"] > created["updated_at"]

    listed = client.get("/v1/investigations", headers=org_a).json()["items"]
    assert [(item["id"], item["name"], item["entity_count"]) for item in listed] == [(created["id"], "Renamed", 2)]

    assert client.delete(url, headers=org_a).status_code == 204
    assert client.get(url, headers=org_a).status_code == 404
    assert client.delete(url, headers=org_a).status_code == 404
    assert client.get("/v1/investigations", headers=org_a).json()["items"] == []


def test_invalid_bodies_are_422s_naming_the_field_and_write_nothing(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    org_a = auth_headers("Org A")
    auth_headers("Partner")
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({}, ["body", "name"]),
        ({"name": ""}, ["body", "name"]),
        ({"name": "x", "filters": {"min_confidence": 101}}, ["body", "filters", "min_confidence"]),
        ({"name": "x", "filters": {"types": ["KNOWS"]}}, ["body", "filters", "types", 0]),
        ({"name": "x", "positions": {"actor--a": {"x": "left", "y": 0}}}, ["body", "positions", "actor--a", "x"]),
        ({"name": "x", "colour": "red"}, ["body", "colour"]),
        ({"name": "x", "share_with": ["Partner", "Nobody Registered"]}, ["body", "share_with", 1]),
    ]
    for body, location in cases:
        response = client.post("/v1/investigations", json=body, headers=org_a)
        assert response.status_code == 422, body
        assert location in [problem["location"] for problem in response.json()["error"]["problems"]], (
            body,
            response.json(),
        )
    assert client.get("/v1/investigations", headers=org_a).json()["items"] == []
    created = create(client, org_a, name="ok")
    refused = client.patch(f"/v1/investigations/{created['id']}", json={"share_with": ["Nobody"]}, headers=org_a)
    assert refused.status_code == 422
    assert client.get(f"/v1/investigations/{created['id']}", headers=org_a).json() == created


def test_another_organization_learns_nothing_of_a_private_one(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, attacker = auth_headers("Org A"), auth_headers("Org B", "admin")
    ids = ecosystem(client, org_a)
    private = create(client, org_a, **working_set(ids))
    url = f"/v1/investigations/{private['id']}"

    def answer(response: Any) -> tuple[int, Any]:
        body = response.json() if response.content else None
        if body and "error" in body:
            body = {**body["error"], "message": body["error"]["message"].replace(private["id"], NEVER_CREATED)}
            body.pop("request_id", None)
        return response.status_code, body

    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"name": "mine now"}),
        ("PATCH", "", {"share_with": ["Org B"]}),
        ("DELETE", "", None),
        ("GET", "/stix", None),
    ]:
        attacked = client.request(method, url + suffix, json=body, headers=attacker)
        never = client.request(method, f"/v1/investigations/{NEVER_CREATED}{suffix}", json=body, headers=attacker)
        assert answer(attacked) == answer(never), (method, suffix)
        assert attacked.status_code == 404
    assert client.get("/v1/investigations", headers=attacker).json()["items"] == []
    # Nothing the attacker sent changed it.
    assert client.get(url, headers=org_a).json() == private


def test_shared_with_a_named_organization_which_reads_but_never_changes(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    org_a, partner, outsider = auth_headers("Org A"), auth_headers("Partner"), auth_headers("Outsider")
    ids = ecosystem(client, org_a)
    # An entity only Org A may see: its id must not reach the partner through the investigation.
    secret = post_bundle(client, org_a, entities=[{"kind": "actor", "name": "Quiet Crew", "tlp": "RED"}])["Quiet Crew"]
    body = working_set(ids)
    body["entities"].append(secret)
    body["positions"][secret] = {"x": 3, "y": 3}
    body["notes"][secret] = "our source says"
    created = create(client, org_a, **body, share_with=["partner"])  # any case; stored as registered
    assert created["share_with"] == ["Partner"] and created["entity_count"] == 3
    url = f"/v1/investigations/{created['id']}"

    seen = client.get(url, headers=partner).json()
    assert seen["own"] is False and seen["organization"] == "Org A"
    assert seen["share_with"] == [], "who else it is shared with is the owner's business"
    assert seen["entities"] == [ids["Haven"], ids["Crew 1"]] and seen["entity_count"] == 2
    assert secret not in seen["positions"] and secret not in seen["notes"]
    assert secret not in str(seen)
    assert seen["analyses"][0]["analysis"] == "chokepoints" and seen["analyses"][0]["result"] is None
    assert [item["id"] for item in client.get("/v1/investigations", headers=partner).json()["items"]] == [created["id"]]
    assert client.get("/v1/investigations", headers=partner).json()["items"][0]["entity_count"] == 2

    assert client.patch(url, json={"name": "x"}, headers=partner).status_code == 403
    assert client.delete(url, headers=partner).status_code == 403
    assert client.get(url, headers=outsider).status_code == 404

    stix = client.get(f"{url}/stix", headers=partner)
    assert stix.status_code == 200
    objects = stix.json()["objects"]
    names = {obj.get("name") for obj in objects}
    assert {"Haven", "Crew 1"} <= names and "Quiet Crew" not in names and "Clinic" not in names
    relationships = [obj for obj in objects if obj["type"] == "relationship"]
    assert [obj["relationship_type"] for obj in relationships] == ["uses"], "only among its entities"
    owner_names = {obj.get("name") for obj in client.get(f"{url}/stix", headers=org_a).json()["objects"]}
    assert "Quiet Crew" in owner_names

    unshared = client.patch(url, json={"share_with": []}, headers=org_a)
    assert unshared.status_code == 200 and unshared.json()["share_with"] == []
    assert client.get(url, headers=partner).status_code == 404
    assert client.get("/v1/investigations", headers=partner).json()["items"] == []


def test_the_audit_trail_keeps_every_change_and_shows_nobody_a_private_one(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    org_a, admin_a = auth_headers("Org A"), auth_headers("Org A", "admin")
    attacker = auth_headers("Org B", "admin")
    auth_headers("Org C")
    ids = ecosystem(client, org_a)
    private = create(client, org_a, **working_set(ids))
    url = f"/v1/investigations/{private['id']}"
    assert client.patch(url, json={"name": "Haven, phase 2"}, headers=org_a).status_code == 200
    assert client.patch(url, json={"share_with": ["org c"]}, headers=org_a).status_code == 200
    assert client.patch(url, json={"share_with": ["Nobody Registered"]}, headers=org_a).status_code == 422
    # The attacker tries the private one and a never-created one the same way.
    for target in (private["id"], NEVER_CREATED):
        assert client.patch(f"/v1/investigations/{target}", json={"name": "x"}, headers=attacker).status_code == 404
        assert client.delete(f"/v1/investigations/{target}", headers=attacker).status_code == 404
    assert client.delete(url, headers=org_a).status_code == 204

    def trail(headers: dict[str, str], **params: str) -> list[dict[str, Any]]:
        response = client.get("/v1/audit", params=params, headers=headers)
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()["events"]
        return [event for event in reversed(events) if event["action"].startswith("investigation.")]

    owned = trail(admin_a)
    assert [(e["action"], e["outcome"]) for e in owned] == [
        ("investigation.create", "succeeded"),
        ("investigation.update", "succeeded"),
        ("investigation.update", "succeeded"),
        ("investigation.update", "rejected"),
        ("investigation.delete", "succeeded"),
    ]
    assert all(e["detail"]["investigation"] == private["id"] and e["organization"] == "Org A" for e in owned)
    assert owned[1]["detail"]["fields"] == ["name"] and "share_with" not in owned[1]["detail"]
    assert owned[2]["detail"]["share_with"] == ["Org C"], "shared anew, with whom (as registered)"
    assert owned[0]["detail"]["share_with"] == []

    # The attacker's own trail holds its refused attempts, and they read exactly like those on a never-created id;
    # nothing of the owner's events, name or sharing reaches it.
    seen = trail(attacker)

    def shape(event: dict[str, Any]) -> dict[str, Any]:
        text = repr({key: event[key] for key in ("action", "outcome", "detail", "entity_ids", "organization")})
        return {"event": text.replace(private["id"], NEVER_CREATED)}

    on_private = [shape(e) for e in seen if e["detail"]["investigation"] == private["id"]]
    on_never = [shape(e) for e in seen if e["detail"]["investigation"] == NEVER_CREATED]
    assert on_private == on_never and len(on_private) == 2
    assert all(e["outcome"] == "refused" and e["organization"] == "Org B" for e in seen)
    assert "Haven" not in str(seen) and "Org C" not in str(seen) and "Org A" not in str(seen)
    assert client.get("/v1/audit", params={"organization": "Org A"}, headers=attacker).status_code == 403
