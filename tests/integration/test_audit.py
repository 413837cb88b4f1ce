"""The audit trail: every write and admin action, with who, what, when, the request id and the outcome."""

from __future__ import annotations

from fastapi.testclient import TestClient

from atlas_graph.models.vocabulary import Role
from tests.conftest import KeyFactory


def test_writes_and_admin_actions_are_audited(client: TestClient, auth_headers: KeyFactory) -> None:
    admin = auth_headers("Operators", Role.OPERATOR)
    analyst = auth_headers("Org A", Role.ANALYST)
    created = client.post(
        "/v1/bundles",
        json={"entities": [{"kind": "actor", "name": "Audited Crew"}]},
        headers={**analyst, "X-Request-ID": "req-audit-1"},
    )
    entity_id = created.json()["entities"][0]["id"]
    rejected = client.post(
        "/v1/bundles",
        json={"relationships": [{"type": "USES", "source": {"id": "x"}, "target": {"id": "y"}}]},
        headers=analyst,
    )
    assert rejected.status_code == 422
    assertion_id = client.get(f"/v1/entities/{entity_id}", headers=analyst).json()["assertions"][0]["id"]
    assert client.delete(f"/v1/assertions/{assertion_id}", headers=analyst).status_code == 204
    assert client.post("/v1/organizations", json={"name": "New Member"}, headers=admin).status_code == 201

    events = client.get("/v1/audit", headers=admin).json()["events"]
    by_action = {(e["action"], e["outcome"]): e for e in events}
    posted = by_action[("bundle.post", "succeeded")]
    assert posted["organization"] == "Org A" and posted["request_id"] == "req-audit-1"
    assert posted["entity_ids"] == [entity_id] and posted["detail"]["entities"] == 1 and posted["key_id"]
    assert by_action[("bundle.post", "rejected")]["detail"]["problems"] == 2
    assert by_action[("assertion.retract", "succeeded")]["entity_ids"] == [entity_id]
    (new_member,) = [e for e in events if e["action"] == "organization.create" and e["detail"]["name"] == "New Member"]
    # The operator belongs to no member organization (services/caller.py).
    assert new_member["organization"] == "(operator)" and new_member["outcome"] == "succeeded"
    # Keys made by the test fixture through the service are audited as the local administrator's.
    assert ("key.create", "succeeded") in by_action
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)

    only_org_a = client.get("/v1/audit", params={"organization": "Org A"}, headers=admin).json()["events"]
    assert {e["organization"] for e in only_org_a} == {"Org A"} and len(only_org_a) == 3
    touching = client.get("/v1/audit", params={"entity": entity_id}, headers=admin).json()["events"]
    assert {e["action"] for e in touching} == {"bundle.post", "assertion.retract"}
    later = client.get("/v1/audit", params={"since": posted["at"]}, headers=admin).json()["events"]
    assert all(e["at"] >= posted["at"] for e in later) and len(later) < len(events)
    assert client.get("/v1/audit", headers=analyst).status_code == 403


def test_entity_history_shows_only_what_the_caller_may_see(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, org_b, org_c = auth_headers("Org A"), auth_headers("Org B"), auth_headers("Org C")
    crew = {"kind": "actor", "name": "Storied Crew"}
    entity_id = client.post("/v1/bundles", json={"entities": [crew]}, headers=org_a).json()["entities"][0]["id"]
    client.post("/v1/bundles", json={"entities": [{**crew, "tlp": "RED"}]}, headers=org_c)
    client.post("/v1/bundles", json={"entities": [{**crew, "confidence": 80}]}, headers=org_a)
    twin = {"kind": "actor", "name": "Storied Twin"}
    twin_id = client.post("/v1/bundles", json={"entities": [twin]}, headers=org_b).json()["entities"][0]["id"]
    assert client.post(f"/v1/entities/{twin_id}/merge", json={"into": entity_id}, headers=org_b).status_code == 200
    claims = client.get(f"/v1/entities/{entity_id}", headers=org_c).json()["assertions"]
    red_claim = next(a["id"] for a in claims if a["organization"] == "Org C")
    assert client.delete(f"/v1/assertions/{red_claim}", headers=org_c).status_code == 204

    seen_by_b = client.get(f"/v1/entities/{entity_id}/history", headers=org_b).json()["events"]
    assert [(e["event"], e["organization"]) for e in seen_by_b] == [
        ("asserted", "Org A"),
        ("updated", "Org A"),
        ("asserted", "Org B"),
        ("merged", "Org B"),
    ]
    assert seen_by_b[-1]["merged_id"] == twin_id
    seen_by_c = client.get(f"/v1/entities/{entity_id}/history", headers=org_c).json()["events"]
    assert ("retracted", "Org C") in [(e["event"], e["organization"]) for e in seen_by_c]
    assert client.get("/v1/entities/actor--nope/history", headers=org_b).status_code == 404
