"""The roles table of the README, at every endpoint: each role gets 403 exactly where the table says it may not go.

The operations are read from the app's own OpenAPI schema, and the test fails when one is missing from
`REQUIRED` below, so that a new endpoint cannot ship without a decision on who may call it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.models.vocabulary import ROLE_PERMISSIONS, Permission, Role
from tests.conftest import KeyFactory

ANY_ROLE = None
REQUIRED: dict[tuple[str, str], Permission | None] = {
    ("GET", "/v1/me"): ANY_ROLE,
    ("POST", "/v1/bundles"): Permission.WRITE,
    ("POST", "/v1/stix"): Permission.WRITE,
    ("GET", "/v1/entities"): Permission.READ,
    ("GET", "/v1/entities/{entity_id}"): Permission.READ,
    ("GET", "/v1/entities/{entity_id}/history"): Permission.READ,
    ("GET", "/v1/entities/{entity_id}/neighborhood"): Permission.READ,
    ("POST", "/v1/entities/{entity_id}/merge"): Permission.CURATE,
    ("POST", "/v1/entities/{entity_id}/split"): Permission.CURATE,
    ("GET", "/v1/resolution/candidates"): Permission.READ,
    ("POST", "/v1/resolution/candidates"): Permission.CURATE,
    ("POST", "/v1/resolution/candidates/{candidate_id}/accept"): Permission.CURATE,
    ("POST", "/v1/resolution/candidates/{candidate_id}/reject"): Permission.CURATE,
    ("GET", "/v1/resolution/report"): Permission.READ,
    ("DELETE", "/v1/assertions/{assertion_id}"): Permission.RETRACT,
    ("GET", "/v1/paths"): Permission.READ,
    # An investigation is the organization's notebook, not intelligence: whoever may read may keep one.
    ("GET", "/v1/investigations"): Permission.READ,
    ("POST", "/v1/investigations"): Permission.READ,
    ("GET", "/v1/investigations/{investigation_id}"): Permission.READ,
    ("PATCH", "/v1/investigations/{investigation_id}"): Permission.READ,
    ("DELETE", "/v1/investigations/{investigation_id}"): Permission.READ,
    ("GET", "/v1/investigations/{investigation_id}/stix"): Permission.READ,
    ("GET", "/v1/analysis/chokepoints"): Permission.READ,
    ("POST", "/v1/analysis/disruption"): Permission.READ,
    ("GET", "/v1/analysis/jobs/{job_id}"): Permission.READ,
    # Whoever may start an analysis may cancel its organization's jobs.
    ("DELETE", "/v1/analysis/jobs/{job_id}"): Permission.READ,
    ("POST", "/v1/analysis/plans"): Permission.READ,
    ("GET", "/v1/organizations/profiles"): Permission.READ,
    ("PATCH", "/v1/organizations/{name}"): Permission.ADMINISTER,
    ("GET", "/v1/export/stix"): Permission.READ,
    ("GET", "/v1/export/graphml"): Permission.READ,
    ("GET", "/v1/export/csv"): Permission.READ,
    ("GET", "/v1/organizations"): Permission.OPERATE,
    ("POST", "/v1/organizations"): Permission.OPERATE,
    ("GET", "/v1/keys"): Permission.ADMINISTER,
    ("POST", "/v1/keys"): Permission.ADMINISTER,
    ("DELETE", "/v1/keys/{key_id}"): Permission.ADMINISTER,
    ("GET", "/v1/audit"): Permission.ADMINISTER,
    ("GET", "/v1/storage"): Permission.OPERATE,
}
# Where ADMINISTER reaches only the caller's own organization for a member's admin, and every one for the operator:
# test_operator.py attacks these across organizations.
ORGANIZATION_SCOPED = {
    ("GET", "/v1/keys"),
    ("POST", "/v1/keys"),
    ("DELETE", "/v1/keys/{key_id}"),
    ("GET", "/v1/audit"),
    ("PATCH", "/v1/organizations/{name}"),
}
# Where the operator goes too, beside the permission: it sets the profiles, so it reads them (docs/operations.md).
ALSO_THE_OPERATOR = {("GET", "/v1/organizations/profiles")}
# Valid bodies, so that an allowed role gets past validation and a refused one is refused for its role alone.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/v1/bundles"): {"entities": [{"kind": "actor", "name": "Role Probe"}]},
    ("POST", "/v1/stix"): {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": []},
    ("POST", "/v1/entities/{entity_id}/merge"): {"into": "actor--elsewhere"},
    ("POST", "/v1/entities/{entity_id}/split"): {"merged_id": "actor--elsewhere"},
    ("POST", "/v1/resolution/candidates"): {"a": "actor--probe", "b": "actor--elsewhere"},
    ("POST", "/v1/resolution/candidates/{candidate_id}/accept"): {"into": "a"},
    ("POST", "/v1/analysis/disruption"): {"remove": ["actor--nobody"]},
    ("POST", "/v1/analysis/plans"): {"budget": 1},
    ("PATCH", "/v1/organizations/{name}"): {"actions": ["freeze"]},
    ("POST", "/v1/investigations"): {"name": "Role Probe"},
    ("PATCH", "/v1/investigations/{investigation_id}"): {"name": "Role Probe"},
    ("POST", "/v1/organizations"): {"name": "Role Probe Org"},
    ("POST", "/v1/keys"): {"organization": "Role Probe Org", "role": "reader"},
}
QUERIES: dict[tuple[str, str], dict[str, str]] = {("GET", "/v1/paths"): {"from": "actor--a", "to": "actor--b"}}


def test_every_operation_has_a_decided_role(client: TestClient) -> None:
    operations = {
        (method.upper(), path)
        for path, methods in client.app.openapi()["paths"].items()  # type: ignore[attr-defined]
        for method in methods
        if path.startswith("/v1/")
    }
    assert operations == set(REQUIRED)
    # A new administrative endpoint must decide whether a member's admin reaches only its own organization there.
    assert {operation for operation, needed in REQUIRED.items() if needed is Permission.ADMINISTER} == (
        ORGANIZATION_SCOPED
    )


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_exactly_where_the_table_says(
    client: TestClient, auth_headers: KeyFactory, role: Role
) -> None:
    headers = auth_headers("Role Probe Org", role)
    wrong: list[str] = []
    for (method, path), permission in REQUIRED.items():
        url = path.replace("{entity_id}", "actor--probe").replace("{assertion_id}", "assertion--probe")
        url = url.replace("{job_id}", "job--probe").replace("{key_id}", "key-probe")
        url = (
            url.replace("{candidate_id}", "candidate--probe")
            .replace("{name}", "Role Probe Org")
            .replace("{investigation_id}", "investigation--probe")
        )
        response = client.request(
            method,
            url,
            headers=headers,
            json=BODIES.get((method, path)),
            params=QUERIES.get((method, path)),
        )
        allowed = permission is None or permission in ROLE_PERMISSIONS[role]
        allowed = allowed or (role is Role.OPERATOR and (method, path) in ALSO_THE_OPERATOR)
        if allowed and response.status_code in (401, 403):
            wrong.append(f"{method} {path}: {response.status_code} for an allowed {role.value}")
        elif not allowed and (response.status_code != 403 or response.json()["error"]["code"] != "forbidden"):
            wrong.append(f"{method} {path}: {response.status_code} for a {role.value}, expected 403")
        assert response.status_code < 500, f"{method} {path} as {role.value}: {response.text}"
    assert not wrong, "\n".join(wrong)
