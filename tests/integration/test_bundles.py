"""POST /v1/bundles against the real Neo4j: provenance, idempotence, atomicity, bad input, sharing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.models.vocabulary import Role
from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory

RANSOM_CREW = {"kind": "actor", "name": "Ransom Crew", "aliases": ["RC-1"], "confidence": 80, "tlp": "AMBER"}
BPH = {"kind": "service_provider", "name": "Bulletproof One", "category": "bulletproof_hosting"}
USES_BPH = {
    "type": "USES",
    "source": {"kind": "actor", "name": "Ransom Crew"},
    "target": {"kind": "service_provider", "name": "Bulletproof One"},
    "confidence": 70,
    "first_seen": "2024-01-01",
    "references": ["https://example.invalid/report/1"],
}


def post(client: TestClient, headers: dict[str, str], **bundle: Any) -> Any:
    return client.post("/v1/bundles", json=bundle, headers=headers)


def counts(graph: GraphStore) -> tuple[int, int, int]:
    record = graph.driver.execute_query(
        "MATCH (e:Entity) WITH count(e) AS entities "
        "OPTIONAL MATCH (:Entity)-[r]->(:Entity) WITH entities, count(r) AS relationships "
        "MATCH (a:Assertion) RETURN entities, relationships, count(a) AS assertions",
        database_=graph.database,
    ).records
    if not record:
        return 0, 0, 0
    return record[0]["entities"], record[0]["relationships"], record[0]["assertions"]


def test_bundle_creates_entities_and_relationships_with_provenance(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    headers = auth_headers("Org A")
    response = post(client, headers, entities=[RANSOM_CREW, BPH], relationships=[USES_BPH])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {
        "entities": {"created": 2, "merged": 0, "updated": 0},
        "relationships": {"created": 1, "merged": 0, "updated": 0},
    }
    crew_id, bph_id = (item["id"] for item in body["entities"])
    assert body["relationships"][0] == {
        "index": 0,
        "type": "USES",
        "source": crew_id,
        "target": bph_id,
        "status": "created",
    }

    entity = client.get(f"/v1/entities/{crew_id}", headers=headers).json()
    assert entity["kind"] == "actor" and entity["name"] == "Ransom Crew" and entity["aliases"] == ["RC-1"]
    assert entity["relationship_counts"] == {"USES": 1}
    (assertion,) = entity["assertions"]
    assert assertion["organization"] == "Org A"
    assert assertion["confidence"] == 80 and assertion["tlp"] == "AMBER"
    provider = client.get(f"/v1/entities/{bph_id}", headers=headers).json()
    assert provider["category"] == "bulletproof_hosting"
    # Defaults where the payload is silent.
    assert provider["assertions"][0]["tlp"] == "GREEN" and provider["assertions"][0]["confidence"] == 50


def test_reposting_a_bundle_changes_nothing_but_timestamps(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    headers = auth_headers("Org A")
    first = post(client, headers, entities=[RANSOM_CREW, BPH], relationships=[USES_BPH]).json()
    before = counts(graph)
    entity_before = client.get(f"/v1/entities/{first['entities'][0]['id']}", headers=headers).json()
    again = post(client, headers, entities=[RANSOM_CREW, BPH], relationships=[USES_BPH])
    assert again.status_code == 200
    assert again.json()["counts"] == {
        "entities": {"created": 0, "merged": 0, "updated": 2},
        "relationships": {"created": 0, "merged": 0, "updated": 1},
    }
    assert [e["id"] for e in again.json()["entities"]] == [e["id"] for e in first["entities"]]
    assert counts(graph) == before == (2, 1, 3)
    entity_after = client.get(f"/v1/entities/{first['entities'][0]['id']}", headers=headers).json()
    (a_before,), (a_after,) = entity_before["assertions"], entity_after["assertions"]
    assert a_after["id"] == a_before["id"] and a_after["recorded_at"] == a_before["recorded_at"]
    assert a_after["updated_at"] > a_before["updated_at"]
    assert {k: v for k, v in a_after.items() if k != "updated_at"} == {
        k: v for k, v in a_before.items() if k != "updated_at"
    }


def test_two_organizations_one_entity_two_assertions(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    created = post(client, org_a, entities=[RANSOM_CREW, BPH], relationships=[USES_BPH]).json()
    # Org B reports the same crew under another spelling, with its own confidence.
    seen_by_b = post(
        client,
        org_b,
        entities=[{"kind": "actor", "name": "ransom-crew", "confidence": 40}],
        relationships=[{**USES_BPH, "confidence": 90}],
    ).json()
    assert seen_by_b["entities"][0]["id"] == created["entities"][0]["id"]
    assert seen_by_b["entities"][0]["status"] == "merged" and seen_by_b["entities"][0]["matched_by"] == "name"
    assert seen_by_b["relationships"][0]["status"] == "merged"
    assert counts(graph)[:2] == (2, 1)
    entity = client.get(f"/v1/entities/{created['entities'][0]['id']}", headers=org_a).json()
    assert sorted((a["organization"], a["confidence"]) for a in entity["assertions"]) == [("Org A", 80), ("Org B", 40)]
    assert "ransom-crew" in entity["aliases"]


def test_same_organization_repeating_a_claim_updates_it(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    entity_id = post(client, headers, entities=[RANSOM_CREW]).json()["entities"][0]["id"]
    post(client, headers, entities=[{**RANSOM_CREW, "confidence": 95, "tlp": "GREEN"}])
    (assertion,) = client.get(f"/v1/entities/{entity_id}", headers=headers).json()["assertions"]
    assert assertion["confidence"] == 95 and assertion["tlp"] == "GREEN"


def test_retract_own_assertion_only(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    entity_id = post(client, org_a, entities=[RANSOM_CREW]).json()["entities"][0]["id"]
    post(client, org_b, entities=[{"kind": "actor", "name": "Ransom Crew"}])
    assertions = client.get(f"/v1/entities/{entity_id}", headers=org_a).json()["assertions"]
    mine = next(a["id"] for a in assertions if a["organization"] == "Org A")
    theirs = next(a["id"] for a in assertions if a["organization"] == "Org B")

    refused = client.delete(f"/v1/assertions/{theirs}", headers=org_a)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client.delete("/v1/assertions/assertion--does-not-exist", headers=org_a).status_code == 404
    assert client.delete(f"/v1/assertions/{mine}", headers=org_a).status_code == 204
    remaining = client.get(f"/v1/entities/{entity_id}", headers=org_a).json()["assertions"]
    assert [a["organization"] for a in remaining] == ["Org B"]
    assert client.delete(f"/v1/assertions/{mine}", headers=org_a).status_code == 404
    reader = auth_headers("Org B", Role.READER)
    assert client.delete(f"/v1/assertions/{theirs}", headers=reader).status_code == 403


def test_retracting_the_last_claim_removes_a_relationship(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    body = post(client, headers, entities=[RANSOM_CREW, BPH], relationships=[USES_BPH]).json()
    crew_id = body["entities"][0]["id"]
    bph_id = body["entities"][1]["id"]
    assert client.get(f"/v1/entities/{crew_id}", headers=headers).json()["relationship_counts"] == {"USES": 1}
    claim_id = _relationship_claim_id(client, headers, crew_id, bph_id)
    assert client.delete(f"/v1/assertions/{claim_id}", headers=headers).status_code == 204
    assert client.get(f"/v1/entities/{crew_id}", headers=headers).json()["relationship_counts"] == {}


def _relationship_claim_id(client: TestClient, headers: dict[str, str], source: str, target: str) -> str:
    # The relationship claim's id is not in the bundle answer; the store is asked directly, as an admin would.
    app_store: GraphStore = client.app.state.store  # type: ignore[attr-defined]
    records = app_store.driver.execute_query(
        "MATCH (c:RelationshipAssertion {source: $source, target: $target}) RETURN c.id AS id",
        source=source,
        target=target,
        database_=app_store.database,
    ).records
    return str(records[0]["id"])


def test_bad_items_are_named_by_index_and_field_and_nothing_is_written(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    headers = auth_headers("Org A")
    cases: list[tuple[dict[str, Any], list[Any]]] = [
        ({"entities": [BPH, {"kind": "pirate", "name": "x"}]}, ["entities", 1, "kind"]),
        ({"entities": [{**BPH, "confidence": 101}]}, ["entities", 0, "confidence"]),
        ({"entities": [{**BPH, "category": "bank"}]}, ["entities", 0]),
        ({"entities": [BPH], "relationships": [{**USES_BPH, "type": "LOVES"}]}, ["relationships", 0, "type"]),
        (
            {
                "entities": [BPH, {"kind": "victim", "name": "Clinic"}],
                "relationships": [
                    {
                        "type": "USES",
                        "source": {"kind": "victim", "name": "Clinic"},
                        "target": {"kind": "service_provider", "name": "Bulletproof One"},
                    }
                ],
            },
            ["relationships", 0, "type"],
        ),
        ({"entities": [RANSOM_CREW], "relationships": [USES_BPH]}, ["relationships", 0, "target"]),
        (
            {
                "entities": [RANSOM_CREW],
                "relationships": [{**USES_BPH, "target": {"id": "service_provider--no-such-thing"}}],
            },
            ["relationships", 0, "target"],
        ),
        ({"entities": [{**RANSOM_CREW, "organization": "Someone Else"}]}, ["entities", 0, "organization"]),
        ({"entities": [{**BPH, "first_seen": "2024-05-01", "last_seen": "2024-01-01"}]}, ["entities", 0]),
    ]
    for bundle, location in cases:
        response = client.post("/v1/bundles", json=bundle, headers=headers)
        assert response.status_code == 422, (bundle, response.text)
        problems = response.json()["error"]["problems"]
        assert any(problem["location"] == location for problem in problems), (location, problems)
        assert counts(graph) == (0, 0, 0), bundle


def test_every_problem_of_a_bundle_is_listed(client: TestClient, auth_headers: KeyFactory) -> None:
    bad_ref = {**USES_BPH, "source": {"id": "actor--nope"}, "target": {"id": "service_provider--nope"}}
    response = post(client, auth_headers("Org A"), entities=[], relationships=[bad_ref, bad_ref])
    assert response.status_code == 422
    locations = [tuple(p["location"]) for p in response.json()["error"]["problems"]]
    assert locations == [
        ("relationships", 0, "source"),
        ("relationships", 0, "target"),
        ("relationships", 1, "source"),
        ("relationships", 1, "target"),
    ]


def test_size_limits_are_413_and_write_nothing(settings: Settings, graph: GraphStore, auth_headers: KeyFactory) -> None:
    small = settings.model_copy(update={"max_bundle_items": 3, "max_body_bytes": 4096})
    headers = auth_headers("Org A")
    with TestClient(create_app(small, store=graph)) as client:
        many = [{"kind": "actor", "name": f"Actor {i}"} for i in range(4)]
        too_many = client.post("/v1/bundles", json={"entities": many}, headers=headers)
        assert too_many.status_code == 413
        assert "limit is 3" in too_many.json()["error"]["message"]
        huge = client.post(
            "/v1/bundles",
            json={"entities": [{"kind": "actor", "name": "x", "description": "y" * 5000}]},
            headers=headers,
        )
        assert huge.status_code == 413 and huge.json()["error"]["code"] == "payload_too_large"

        def chunks() -> Any:
            yield b'{"entities": [{"kind": "actor", "name": "x", "description": "'
            for _ in range(10):
                yield b"z" * 1000
            yield b'"}]}'

        streamed = client.post("/v1/bundles", content=chunks(), headers={**headers, "Content-Type": "application/json"})
        assert streamed.status_code == 413, streamed.text
        assert client.post("/v1/bundles", json={"entities": many[:3]}, headers=headers).status_code == 200
    assert counts(graph)[0] == 3


def test_reader_and_unauthenticated_cannot_write(client: TestClient, auth_headers: KeyFactory) -> None:
    assert post(client, auth_headers("Org A", Role.READER), entities=[BPH]).status_code == 403
    assert post(client, {}, entities=[BPH]).status_code == 401
    integration = auth_headers("Org A", Role.INTEGRATION)
    written = post(client, integration, entities=[BPH])
    assert written.status_code == 200
    # Integrations write only: reading back needs another role.
    assert client.get(f"/v1/entities/{written.json()['entities'][0]['id']}", headers=integration).status_code == 403
