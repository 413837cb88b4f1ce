"""API keys over HTTP: 401 for missing, malformed, unknown and revoked keys; 403 for a role without the right."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.models.vocabulary import Role
from atlas_graph.services import access, organizations
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.organizations import find_api_key
from tests.conftest import KeyFactory


def _assert_json_error(response_json: dict[str, object], code: str) -> None:
    error = response_json["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert error["message"]


def test_me_returns_organization_and_role(client: TestClient, auth_headers: KeyFactory) -> None:
    response = client.get("/v1/me", headers=auth_headers("Acme CERT", Role.READER))
    assert response.status_code == 200
    body = response.json()
    assert body["organization"] == "Acme CERT"
    assert body["role"] == "reader"
    assert body["permissions"] == ["read"]


def test_missing_key_is_401(client: TestClient) -> None:
    response = client.get("/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    _assert_json_error(response.json(), "unauthenticated")


def test_malformed_key_is_401(client: TestClient) -> None:
    for header in ("Bearer nonsense", "Basic dXNlcjpwYXNz", "atlas_abc"):
        response = client.get("/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        _assert_json_error(response.json(), "unauthenticated")


def test_unknown_key_is_401(client: TestClient, auth_headers: KeyFactory) -> None:
    real = auth_headers("Org A")["Authorization"]
    # Same key id, different secret: must not authenticate.
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    response = client.get("/v1/me", headers={"Authorization": forged})
    assert response.status_code == 401
    _assert_json_error(response.json(), "unauthenticated")


def test_revoked_key_is_401(client: TestClient, graph: GraphStore) -> None:
    organizations.create_organization(graph, name="Org R")
    issued = access.issue_key(graph, organization="Org R", role=Role.ANALYST)
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/v1/me", headers=headers).status_code == 200
    access.revoke_key(graph, key_id=issued.key_id)
    response = client.get("/v1/me", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_key_is_stored_only_as_a_hash(graph: GraphStore) -> None:
    organizations.create_organization(graph, name="Org H")
    issued = access.issue_key(graph, organization="Org H", role=Role.READER)
    stored = find_api_key(graph, key_id=issued.key_id)
    assert stored is not None
    secret = issued.token.split("_", 2)[2]
    assert secret not in stored.secret_hash
    assert stored.secret_hash == access.hash_secret(secret)


def test_role_without_the_right_is_403(client: TestClient, auth_headers: KeyFactory) -> None:
    for role in (Role.READER, Role.ANALYST, Role.INTEGRATION):
        response = client.get("/v1/organizations", headers=auth_headers("Org A", role))
        assert response.status_code == 403, role
        _assert_json_error(response.json(), "forbidden")


def test_operator_manages_organizations_and_keys(client: TestClient, auth_headers: KeyFactory) -> None:
    admin = auth_headers("Operators", Role.OPERATOR)
    assert client.post("/v1/organizations", json={"name": "Bank CSIRT"}, headers=admin).status_code == 201
    duplicate = client.post("/v1/organizations", json={"name": "Bank CSIRT"}, headers=admin)
    assert duplicate.status_code == 409
    issued = client.post("/v1/keys", json={"organization": "Bank CSIRT", "role": "integration"}, headers=admin)
    assert issued.status_code == 201
    token = issued.json()["token"]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {
        "organization": "Bank CSIRT",
        "role": "integration",
        "key_id": issued.json()["key_id"],
        "permissions": ["retract", "write"],  # an integration may withdraw its own claims (issue 13)
    }
    listed = client.get("/v1/keys", params={"organization": "Bank CSIRT"}, headers=admin).json()
    assert [key["key_id"] for key in listed] == [issued.json()["key_id"]]
    assert "token" not in listed[0] and "secret_hash" not in listed[0]
    assert client.delete(f"/v1/keys/{issued.json()['key_id']}", headers=admin).status_code == 204
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/v1/keys", json={"organization": "Nobody", "role": "reader"}, headers=admin).status_code == 404


def test_bad_organization_name_is_422(client: TestClient, auth_headers: KeyFactory) -> None:
    admin = auth_headers("Operators", Role.OPERATOR)
    response = client.post("/v1/organizations", json={"name": "a|b"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["location"] == ["name"]


def test_rate_limit_is_429_with_retry_after(settings: Settings, graph: GraphStore, auth_headers: KeyFactory) -> None:
    strict = settings.model_copy(update={"rate_limit_burst": 2, "rate_limit_per_minute": 1})
    headers = auth_headers("Org A", Role.READER)
    with TestClient(create_app(strict, store=graph)) as client:
        assert client.get("/v1/me", headers=headers).status_code == 200
        assert client.get("/v1/me", headers=headers).status_code == 200
        limited = client.get("/v1/me", headers=headers)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
        # Another key of the same organization has its own allowance.
        assert client.get("/v1/me", headers=auth_headers("Org A", Role.READER)).status_code == 200


def test_failed_authentications_are_limited_per_address_without_lookups_for_malformed_keys(
    settings: Settings, graph: GraphStore, auth_headers: KeyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: every failed authentication was a Neo4j look-up, and an address could fail without end."""
    good = auth_headers("Org A", Role.READER)
    lookups: list[str] = []
    read = graph.read

    def counted_read(name: str, parameters: dict[str, Any] | None = None) -> Any:
        lookups.append(name)
        return read(name, parameters)

    monkeypatch.setattr(graph, "read", counted_read)
    strict = settings.model_copy(update={"failed_auth_burst": 3, "failed_auth_per_minute": 1})
    unknown = "Bearer atlas_0123456789abcdef_" + "A" * 43
    app = create_app(strict, store=graph)
    with TestClient(app) as client:
        assert client.get("/v1/me", headers={"Authorization": "Bearer atlas_nonsense"}).status_code == 401
        assert client.get("/v1/me", headers={"Authorization": "Bearer " + "x" * 5000}).status_code == 401
        assert lookups == [], "a malformed key reached the database"
        assert client.get("/v1/me", headers=good).status_code == 200  # the burst is of failures, not of requests
        lookups.clear()
        assert client.get("/v1/me", headers={"Authorization": unknown}).status_code == 401
        assert len(lookups) == 1  # a well-formed key costs one look-up, and this third failure is the last
        lookups.clear()
        for headers in ({"Authorization": unknown}, good):
            limited = client.get("/v1/me", headers=headers)
            assert limited.status_code == 429, limited.text
            assert limited.json()["error"]["code"] == "rate_limited"
            assert int(limited.headers["Retry-After"]) >= 1
        assert lookups == [], "a blocked address still costs look-ups"
        # Another address is not held back (the app's state is the one the first client's lifespan set up).
        elsewhere = TestClient(app, client=("192.0.2.7", 50000))
        assert elsewhere.get("/v1/me", headers=good).status_code == 200
