"""STIX deltas and retraction (issue 13, item 6): relationships between stored entities, `revoked: true`, and
integration keys that delete what their feed sent, against the real Neo4j."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from atlas_graph.models.vocabulary import Role
from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory
from tests.integration.test_bundles import counts

FIN7 = "intrusion-set--3753cc21-2dae-4dfb-8481-d004e74502cc"  # ATT&CK G0046
SLIVER = "tool--7dd1e1b4-4d59-4b15-8e41-b2e1d07da5a0"
NOWHERE = "tool--0b3d5c7e-2f1a-4c6b-9d8e-1a2b3c4d5e6f"  # stored by nobody
USES = "relationship--2c9f3f0e-6c2b-4a4d-9b8e-5f0a1d2c3b4a"
STAMP = "2026-01-05T10:00:00.000Z"


def _fin7(**extra: Any) -> dict[str, Any]:
    return {
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": FIN7,
        "created": STAMP,
        "modified": STAMP,
        "name": "FIN7",
        **extra,
    }


def _tool(stix_id: str = SLIVER, **extra: Any) -> dict[str, Any]:
    return {
        "type": "tool",
        "spec_version": "2.1",
        "id": stix_id,
        "created": STAMP,
        "modified": STAMP,
        "name": "Sliver",
        **extra,
    }


def _uses(target: str = SLIVER, **extra: Any) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": USES,
        "created": STAMP,
        "modified": STAMP,
        "relationship_type": "uses",
        "source_ref": FIN7,
        "target_ref": target,
        **extra,
    }


def _bundle(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": list(objects)}


def _post(client: TestClient, headers: dict[str, str], *objects: dict[str, Any], tlp: str = "GREEN") -> Any:
    response = client.post("/v1/stix", params={"tlp": tlp}, json=_bundle(*objects), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _claims(graph: GraphStore) -> set[tuple[str, str]]:
    """(organization, what the claim is about) of every stored claim."""
    records = graph.driver.execute_query(
        "MATCH (a:Assertion) RETURN a.organization AS organization, coalesce(a.entity_id, a.rel_key) AS about, "
        "a.id AS id",
        database_=graph.database,
    ).records
    return {(record["organization"], record["about"]) for record in records}


def _claim_id(graph: GraphStore, organization: str, about: str) -> str:
    records = graph.driver.execute_query(
        "MATCH (a:Assertion {organization: $organization}) WHERE coalesce(a.entity_id, a.rel_key) = $about "
        "RETURN a.id AS id",
        organization=organization,
        about=about,
        database_=graph.database,
    ).records
    (record,) = records
    claim_id: str = record["id"]
    return claim_id


def test_a_relationship_only_bundle_links_entities_stored_earlier(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    headers = auth_headers("Org A")
    _post(client, headers, _fin7())
    _post(client, headers, _tool())
    assert counts(graph) == (2, 0, 2)

    body = _post(client, headers, _uses())
    assert body["unmapped"] == [] and body["imported_relationships"] == 1
    (relationship,) = body["result"]["relationships"]
    assert (relationship["type"], relationship["source"], relationship["target"]) == ("USES", FIN7, SLIVER)
    assert relationship["status"] == "created"
    assert counts(graph) == (2, 1, 3)
    fin7 = client.get(f"/v1/entities/{FIN7}", headers=headers).json()
    assert fin7["relationship_counts"] == {"USES": 1}
    # Sent again, the delta changes nothing but timestamps.
    assert _post(client, headers, _uses())["result"]["relationships"][0]["status"] == "updated"
    assert counts(graph) == (2, 1, 3)


def test_a_delta_to_a_hidden_entity_answers_as_one_to_nothing(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    _post(client, org_b, _tool(), tlp="RED")  # Sliver exists, but only Org B may see it
    _post(client, org_a, _fin7())
    before = counts(graph)

    hidden = _post(client, org_a, _uses(SLIVER))
    missing = _post(client, org_a, _uses(NOWHERE))
    assert counts(graph) == before
    assert hidden["imported_relationships"] == 0 and len(hidden["unmapped"]) == 1
    # Word for word the same answer, once the two ids are swapped: nothing tells Org A that Sliver exists.
    assert json_swapped(hidden, SLIVER, NOWHERE) == missing


def json_swapped(body: Any, old: str, new: str) -> Any:
    if isinstance(body, dict):
        return {key: json_swapped(value, old, new) for key, value in body.items()}
    if isinstance(body, list):
        return [json_swapped(value, old, new) for value in body]
    return body.replace(old, new) if isinstance(body, str) else body


def test_revoked_retracts_the_callers_own_claims_only(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    for headers in (org_a, org_b):
        _post(client, headers, _fin7(), _tool(), _uses())
    rel_key = f"USES|{FIN7}|{SLIVER}"
    own_entity, own_relationship = _claim_id(graph, "Org A", FIN7), _claim_id(graph, "Org A", rel_key)

    body = _post(client, org_a, _fin7(revoked=True), _uses(revoked=True))
    assert body["imported_entities"] == 0 and body["imported_relationships"] == 0
    assert body["retracted"] == [
        {"index": 0, "id": FIN7, "type": "intrusion-set", "assertions": [own_entity]},
        {"index": 1, "id": USES, "type": "relationship", "assertions": [own_relationship]},
    ]
    assert _claims(graph) == {
        ("Org A", SLIVER),
        ("Org B", FIN7),
        ("Org B", SLIVER),
        ("Org B", rel_key),
    }
    # Revoked again, there is nothing of Org A's left to retract: listed as skipped, nothing else touched.
    again = _post(client, org_a, _fin7(revoked=True))
    assert again["retracted"] == [] and [issue["id"] for issue in again["skipped"]] == [FIN7]
    assert "no claim on it" in again["skipped"][0]["reason"]
    assert len(_claims(graph)) == 4


def test_revoked_object_of_another_organization_only_is_skipped(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    _post(client, org_b, _fin7(), tlp="RED")
    body = _post(client, org_a, _fin7(revoked=True))
    assert body["retracted"] == [] and [issue["id"] for issue in body["skipped"]] == [FIN7]
    assert _claims(graph) == {("Org B", FIN7)}


def test_an_integration_key_retracts_its_own_organizations_claims_only(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    feed = auth_headers("Org A", Role.INTEGRATION)
    org_b = auth_headers("Org B")
    _post(client, feed, _fin7(), _tool())
    _post(client, org_b, _fin7())  # GREEN: Org A may see it
    _post(client, org_b, _tool(), tlp="RED")  # Org A may not

    own = _claim_id(graph, "Org A", FIN7)
    assert client.delete(f"/v1/assertions/{own}", headers=feed).status_code == 204
    seen, hidden = _claim_id(graph, "Org B", FIN7), _claim_id(graph, "Org B", SLIVER)
    refused = client.delete(f"/v1/assertions/{seen}", headers=feed)
    assert refused.status_code == 403, refused.text
    missing = client.delete(f"/v1/assertions/{hidden}", headers=feed)
    nowhere = client.delete("/v1/assertions/assertion--00000000-0000-4000-8000-000000000000", headers=feed)
    assert missing.status_code == nowhere.status_code == 404
    assert _claims(graph) == {("Org A", SLIVER), ("Org B", FIN7), ("Org B", SLIVER)}

    # And through the feed itself: a revoked object deletes what the feed sent.
    body = _post(client, feed, _tool(revoked=True))
    assert [item["id"] for item in body["retracted"]] == [SLIVER]
    assert _claims(graph) == {("Org B", FIN7), ("Org B", SLIVER)}
