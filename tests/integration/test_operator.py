"""The coalition's operator versus a member's admin: the operator manages every organization's keys and reads every
audit trail; a member's admin reaches only its own organization, and learns nothing of the others by trying.

Regression: every member's admin was a global admin. Organization X's admin issued a key for organization Y, which
then read Y's RED claims; it listed every organization's keys and read every audit trail, with the ids of other
organizations' RED entities.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from atlas_graph.models.vocabulary import Role
from tests.conftest import KeyFactory

X, Y = "Org X", "Org Y"
NOBODY = "Org Nobody"  # never created


def error(response: Response) -> tuple[int, dict[str, Any]]:
    """Status and error body without the request id, to compare two refusals."""
    body = response.json()
    body.pop("request_id", None)
    body.get("error", {}).pop("request_id", None)
    return response.status_code, body


def red_secret(client: TestClient, headers: dict[str, str]) -> str:
    bundle = {"entities": [{"kind": "actor", "name": "Y Secret Crew", "tlp": "RED"}]}
    posted = client.post("/v1/bundles", json=bundle, headers=headers)
    assert posted.status_code == 200, posted.text
    entity_id: str = posted.json()["entities"][0]["id"]
    return entity_id


def test_a_members_admin_cannot_issue_keys_for_another_organization(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    x_admin, y_analyst = auth_headers(X, Role.ADMIN), auth_headers(Y, Role.ANALYST)
    secret = red_secret(client, y_analyst)
    for_y = client.post("/v1/keys", json={"organization": Y, "role": "reader"}, headers=x_admin)
    for_nobody = client.post("/v1/keys", json={"organization": NOBODY, "role": "reader"}, headers=x_admin)
    assert for_y.status_code == 403, for_y.text
    # The same answer whether or not the organization exists.
    assert error(for_y) == error(for_nobody)
    assert "token" not in for_y.text
    # Nor an operator key, which would reach every organization.
    operator_key = client.post("/v1/keys", json={"role": "operator"}, headers=x_admin)
    assert operator_key.status_code == 403, operator_key.text
    # Its own organization it serves, by name or by default; and the key it issues does not reach Y's RED claim.
    own = client.post("/v1/keys", json={"role": "reader"}, headers=x_admin)
    named = client.post("/v1/keys", json={"organization": X, "role": "admin"}, headers=x_admin)
    assert (own.status_code, named.status_code) == (201, 201), own.text + named.text
    assert own.json()["organization"] == X
    reader = {"Authorization": f"Bearer {own.json()['token']}"}
    assert client.get(f"/v1/entities/{secret}", headers=reader).status_code == 404
    # Nor may it create organizations or list them: that is the operator's.
    assert client.post("/v1/organizations", json={"name": "Org New"}, headers=x_admin).status_code == 403
    assert client.get("/v1/organizations", headers=x_admin).status_code == 403


def test_a_members_admin_lists_and_revokes_only_its_own_keys(client: TestClient, auth_headers: KeyFactory) -> None:
    x_admin, y_reader = auth_headers(X, Role.ADMIN), auth_headers(Y, Role.READER)
    listed = client.get("/v1/keys", headers=x_admin)
    assert listed.status_code == 200
    assert {key["organization"] for key in listed.json()} == {X}
    of_y = client.get("/v1/keys", params={"organization": Y}, headers=x_admin)
    of_nobody = client.get("/v1/keys", params={"organization": NOBODY}, headers=x_admin)
    assert of_y.status_code == 403 and error(of_y) == error(of_nobody)
    assert client.get("/v1/keys", params={"organization": X}, headers=x_admin).json() == listed.json()

    y_key_id = client.get("/v1/me", headers=y_reader).json()["key_id"]
    revoke_y = client.delete(f"/v1/keys/{y_key_id}", headers=x_admin)
    revoke_missing = client.delete("/v1/keys/0123456789abcdef", headers=x_admin)
    assert revoke_y.status_code == 404
    assert error(revoke_y)[1]["error"]["code"] == error(revoke_missing)[1]["error"]["code"] == "not_found"
    assert client.get("/v1/me", headers=y_reader).status_code == 200, "Y's key was revoked by X's admin"
    x_reader = auth_headers(X, Role.READER)
    x_key_id = client.get("/v1/me", headers=x_reader).json()["key_id"]
    assert client.delete(f"/v1/keys/{x_key_id}", headers=x_admin).status_code == 204
    assert client.get("/v1/me", headers=x_reader).status_code == 401


def test_a_members_admin_reads_only_its_own_audit_trail(client: TestClient, auth_headers: KeyFactory) -> None:
    x_admin, x_analyst, y_analyst = auth_headers(X, Role.ADMIN), auth_headers(X), auth_headers(Y)
    secret = red_secret(client, y_analyst)
    ours = {"entities": [{"kind": "actor", "name": "X Own Crew"}]}
    own_id = client.post("/v1/bundles", json=ours, headers=x_analyst).json()["entities"][0]["id"]

    trail = client.get("/v1/audit", headers=x_admin)
    assert trail.status_code == 200
    events = trail.json()["events"]
    assert events and {event["organization"] for event in events} == {X}
    assert secret not in trail.text, "another organization's RED entity id leaked through the audit trail"
    assert own_id in trail.text
    assert client.get("/v1/audit", params={"entity": secret}, headers=x_admin).json()["events"] == []
    of_y = client.get("/v1/audit", params={"organization": Y}, headers=x_admin)
    of_nobody = client.get("/v1/audit", params={"organization": NOBODY}, headers=x_admin)
    assert of_y.status_code == 403 and error(of_y) == error(of_nobody)


def test_the_operator_manages_every_organization_but_reads_no_intelligence(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    operator, y_analyst = auth_headers("Org Ops Probe", Role.OPERATOR), auth_headers(Y)
    secret = red_secret(client, y_analyst)
    me = client.get("/v1/me", headers=operator).json()
    assert (me["organization"], me["role"], me["permissions"]) == ("(operator)", "operator", ["administer", "operate"])

    assert client.post("/v1/organizations", json={"name": "Org New"}, headers=operator).status_code == 201
    issued = client.post("/v1/keys", json={"organization": Y, "role": "admin"}, headers=operator)
    assert issued.status_code == 201 and issued.json()["organization"] == Y
    y_admin = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert {key["organization"] for key in client.get("/v1/keys", headers=y_admin).json()} == {Y}
    every_key = client.get("/v1/keys", headers=operator).json()
    assert {key["organization"] for key in every_key} >= {Y, None}  # None: the operator's own key
    y_trail = client.get("/v1/audit", params={"organization": Y}, headers=operator).json()["events"]
    assert secret in {entity for event in y_trail for entity in event["entity_ids"]}

    # An operator key belongs to no organization; a member's key must name one.
    assert client.post("/v1/keys", json={"role": "operator", "organization": Y}, headers=operator).status_code == 422
    assert client.post("/v1/keys", json={"role": "reader"}, headers=operator).status_code == 422
    second = client.post("/v1/keys", json={"role": "operator"}, headers=operator)
    assert second.status_code == 201 and second.json()["organization"] == "(operator)"
    assert client.delete(f"/v1/keys/{second.json()['key_id']}", headers=operator).status_code == 204

    # Not a member: the operator reads and writes no claims.
    assert client.get(f"/v1/entities/{secret}", headers=operator).status_code == 403
    assert client.get("/v1/entities", headers=operator).status_code == 403
    bundle = {"entities": [{"kind": "actor", "name": "Operator Crew"}]}
    assert client.post("/v1/bundles", json=bundle, headers=operator).status_code == 403
