"""One round of validation (issue 13, item 7): a refused bundle's 422 lists every problem of every item at once.

The model's checks (pydantic), the store's (`share_with` names an organization, references resolve, the kinds fit
the type) and STIX's (stix2 refuses an object) used to stop at the first stage that found something, so a client
learned its mistakes one post at a time.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory
from tests.integration.test_bundles import BPH, RANSOM_CREW, counts

CLINIC = {"kind": "victim", "name": "Clinic"}


def problems_of(response: Any) -> list[tuple[tuple[Any, ...], str]]:
    assert response.status_code == 422, response.text
    return [(tuple(p["location"]), p["message"]) for p in response.json()["error"]["problems"]]


def test_three_kinds_of_problem_in_three_items_are_answered_together(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    headers = auth_headers("Org A")
    bundle = {
        "entities": [
            RANSOM_CREW,
            {**BPH, "kind": "pirate"},  # the model refuses it
            {**CLINIC, "share_with": ["Nobody Registered"]},  # the store: no such organization
        ],
        "relationships": [
            {
                "type": "USES",  # the store: a victim uses nothing
                "source": {"kind": "victim", "name": "Clinic"},
                "target": {"kind": "actor", "name": "Ransom Crew"},
            },
            {  # names the refused item: "no such entity" would only echo entities[1]'s problem
                "type": "USES",
                "source": {"kind": "actor", "name": "Ransom Crew"},
                "target": {"kind": "service_provider", "name": "Bulletproof One"},
            },
        ],
    }
    problems = problems_of(client.post("/v1/bundles", json=bundle, headers=headers))
    assert [location for location, _ in problems] == [
        ("entities", 1, "kind"),
        ("entities", 2, "share_with", 0),
        ("relationships", 0, "type"),
    ]
    assert "'Nobody Registered'" in problems[1][1] and "victim -> actor" in problems[2][1]
    # Nothing was written: not the valid items either.
    assert counts(graph) == (0, 0, 0)
    search = client.get("/v1/entities", params={"q": "Ransom Crew"}, headers=headers).json()
    assert search["total"] == 0

    # Fixed as the answer said, the same bundle goes in whole in one more post.
    bundle["entities"][1] = BPH
    bundle["entities"][2] = CLINIC
    bundle["relationships"][0] = {
        "type": "TARGETS",
        "source": {"kind": "actor", "name": "Ransom Crew"},
        "target": {"kind": "victim", "name": "Clinic"},
    }
    fixed = client.post("/v1/bundles", json=bundle, headers=headers)
    assert fixed.status_code == 200, fixed.text
    assert counts(graph)[:2] == (3, 2)


def test_store_problems_of_a_model_valid_bundle_are_listed_together(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    # An unknown share_with used to hide the references that resolve to nothing until it was fixed.
    headers = auth_headers("Org A")
    bundle = {
        "entities": [{**RANSOM_CREW, "share_with": ["Org A", "Ghost Org"]}],
        "relationships": [
            {"type": "USES", "source": {"kind": "actor", "name": "Ransom Crew"}, "target": {"id": "nowhere--1"}},
        ],
    }
    problems = problems_of(client.post("/v1/bundles", json=bundle, headers=headers))
    assert [location for location, _ in problems] == [
        ("entities", 0, "share_with", 1),
        ("relationships", 0, "target"),
    ]
    assert counts(graph) == (0, 0, 0)
    assert client.get("/v1/entities", params={"q": "Ransom Crew"}, headers=headers).json()["total"] == 0


def test_a_refused_bundle_is_not_checked_against_what_the_caller_cannot_see(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    # The store's checks in a refused bundle read as the caller: another organization's RED entity is no end.
    secret = {"kind": "service_provider", "name": "Hidden Host", "tlp": "RED"}
    assert client.post("/v1/bundles", json={"entities": [secret]}, headers=auth_headers("Org B")).status_code == 200
    bundle = {
        "entities": [RANSOM_CREW, {"kind": "pirate", "name": "x"}],
        "relationships": [
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Ransom Crew"},
                "target": {"kind": "service_provider", "name": "Hidden Host"},
            }
        ],
    }
    refused = problems_of(client.post("/v1/bundles", json=bundle, headers=auth_headers("Org A")))
    absent = problems_of(
        client.post(
            "/v1/bundles",
            json={
                **bundle,
                "relationships": [
                    {**bundle["relationships"][0], "target": {"kind": "service_provider", "name": "Absent Host"}}
                ],
            },
            headers=auth_headers("Org A"),
        )
    )
    assert [location for location, _ in refused] == [("entities", 1, "kind"), ("relationships", 0, "target")]
    assert refused[1][1].replace("Hidden Host", "X") == absent[1][1].replace("Absent Host", "X")
    assert counts(graph)[0] == 1


def test_a_stix_bundle_refused_whole_lists_each_object_by_its_property(
    client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    malware = {
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--6b616fc1-1505-48e3-8b2c-0d19337bff38",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "Some Loader",
        "is_family": True,
    }
    group = {
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": "intrusion-set--1b616fc1-1505-48e3-8b2c-0d19337bff38",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "Some Crew",
    }
    no_type = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--2b616fc1-1505-48e3-8b2c-0d19337bff38",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "source_ref": group["id"],
        "target_ref": malware["id"],
    }
    bad_id = {**malware, "id": "malware--not-a-uuid", "name": "Other"}
    bundle = {"type": "bundle", "id": "bundle--1", "objects": [group, malware, no_type, bad_id]}
    response = client.post("/v1/stix", params={"on_invalid": "reject"}, json=bundle, headers=auth_headers("Org A"))
    problems = problems_of(response)
    assert [location for location, _ in problems] == [("objects", 2, "relationship_type"), ("objects", 3, "id")]
    assert counts(graph) == (0, 0, 0)
