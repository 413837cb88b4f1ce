"""Reading, searching, resolving, sharing and merging entities against the real Neo4j."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import KeyFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def post(client: TestClient, headers: dict[str, str], **bundle: Any) -> Any:
    response = client.post("/v1/bundles", json=bundle, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_real_alias_sets_resolve_to_one_entity(client: TestClient, auth_headers: KeyFactory) -> None:
    """Every ATT&CK alias of a group, however spelled, resolves to the group; never across kinds."""
    headers = auth_headers("Org A")
    alias_sets: dict[str, list[str]] = json.loads((FIXTURES / "attack_intrusion_set_aliases.json").read_text())
    created = post(
        client,
        headers,
        entities=[{"kind": "actor", "name": name, "aliases": aliases} for name, aliases in alias_sets.items()],
    )
    ids = {name: item["id"] for name, item in zip(alias_sets, created["entities"], strict=True)}
    assert len(set(ids.values())) == len(alias_sets)

    for name, aliases in alias_sets.items():
        # Case, whitespace and punctuation folded: "Fancy Bear" is found as "fancy-bear", "FANCY  BEAR", "Fancy.Bear".
        variants = [alias.upper() for alias in aliases] + [alias.replace(" ", "-").lower() for alias in aliases]
        answer = post(client, headers, entities=[{"kind": "actor", "name": v} for v in variants])
        assert {item["id"] for item in answer["entities"]} == {ids[name]}, name

    # A service provider called like a group is another entity: resolution never crosses kinds.
    other = post(client, headers, entities=[{"kind": "service_provider", "name": "Wizard Spider"}])
    assert other["entities"][0]["id"] not in ids.values()
    assert other["entities"][0]["status"] == "created"


def test_entities_of_one_bundle_sharing_an_alias_are_one(client: TestClient, auth_headers: KeyFactory) -> None:
    answer = post(
        client,
        auth_headers("Org A"),
        entities=[
            {"kind": "actor", "name": "Gold Blackburn", "aliases": ["ITG23"]},
            {"kind": "actor", "name": "Periwinkle Tempest", "aliases": ["itg-23"]},
        ],
    )
    first, second = answer["entities"]
    assert first["id"] == second["id"] and second["matched_by"] == "bundle"
    assert answer["counts"]["entities"]["created"] == 1


def test_external_id_resolves_and_ids_are_keyed_per_kind(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    stix_id = "intrusion-set--dd2d9ca6-505b-4860-a604-233685b802c7"
    created = post(client, headers, entities=[{"kind": "actor", "name": "Wizard Spider", "id": stix_id}])
    assert created["entities"][0]["id"] == stix_id
    renamed = post(client, headers, entities=[{"kind": "actor", "name": "Some New Name", "id": stix_id}])
    assert renamed["entities"][0] == {"index": 0, "id": stix_id, "status": "updated", "matched_by": "id"}
    # The same id given to a victim is another entity, with an id of its own: refusing it ("this id belongs to an
    # actor") told anyone the kind of an entity behind an id, even a hidden one (issue 13).
    other_kind = post(client, headers, entities=[{"kind": "victim", "name": "x", "id": stix_id}])
    assert other_kind["entities"][0]["id"].startswith("victim--")
    assert (other_kind["entities"][0]["status"], other_kind["entities"][0]["matched_by"]) == ("created", "new")


def test_search_ranks_and_counts_and_listing_counts_by_kind(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    post(
        client,
        headers,
        entities=[
            {"kind": "actor", "name": "Scattered Spider", "aliases": ["Octo Tempest", "UNC3944"]},
            {"kind": "actor", "name": "Wizard Spider"},
            {"kind": "actor", "name": "Lapsus"},
            {"kind": "service_provider", "name": "Spider Hosting", "category": "bulletproof_hosting"},
            {
                "kind": "victim",
                "name": "Regional Hospital",
                "category": "organization",
                "attributes": {"country": "DE"},
            },
        ],
    )
    spiders = client.get("/v1/entities", params={"q": "spider"}, headers=headers).json()
    assert spiders["total"] == 3
    assert {item["name"] for item in spiders["items"]} == {"Scattered Spider", "Wizard Spider", "Spider Hosting"}
    assert all(item["score"] > 0 for item in spiders["items"])
    by_alias = client.get("/v1/entities", params={"q": "octo tempest"}, headers=headers).json()
    assert [item["name"] for item in by_alias["items"]] == ["Scattered Spider"]
    prefix = client.get("/v1/entities", params={"q": "unc39"}, headers=headers).json()
    assert prefix["total"] == 1
    only_actors = client.get("/v1/entities", params={"q": "spider", "kind": "actor"}, headers=headers).json()
    assert only_actors["total"] == 2
    page = client.get("/v1/entities", params={"q": "spider", "limit": 1, "offset": 1}, headers=headers).json()
    assert page["total"] == 3 and len(page["items"]) == 1

    actors = client.get("/v1/entities", params={"kind": "actor"}, headers=headers).json()
    assert actors["total"] == 3
    assert [item["name"] for item in actors["items"]] == ["Lapsus", "Scattered Spider", "Wizard Spider"]
    victim = client.get("/v1/entities", params={"kind": "victim"}, headers=headers).json()["items"][0]
    assert victim["category"] == "organization"
    # Lucene syntax in a query is text to find, not syntax to run.
    for hostile in ['spider" OR *:*', "name:*", "(", "\\", "AND", "spider~"]:
        response = client.get("/v1/entities", params={"q": hostile}, headers=headers)
        assert response.status_code == 200, hostile
    assert client.get("/v1/entities", params={"q": "*:*"}, headers=headers).json()["total"] == 0


def test_unknown_entity_is_404(client: TestClient, auth_headers: KeyFactory) -> None:
    response = client.get("/v1/entities/actor--nothing", headers=auth_headers("Org A", "reader"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_sharing_rule_for_entities(client: TestClient, auth_headers: KeyFactory) -> None:
    """RED and AMBER+STRICT claims reach only their maker and `share_with`; CLEAR, GREEN, AMBER reach everyone."""
    org_a, org_b, org_c = auth_headers("Org A"), auth_headers("Org B"), auth_headers("Org C")
    created = post(
        client,
        org_a,
        entities=[
            {"kind": "actor", "name": "Red Only", "aliases": ["Secret Alias"], "tlp": "RED", "share_with": ["Org C"]},
            {"kind": "actor", "name": "Strict Only", "tlp": "AMBER+STRICT"},
            {"kind": "actor", "name": "Amber Shared", "tlp": "AMBER"},
            {"kind": "actor", "name": "Clear Shared", "tlp": "CLEAR"},
        ],
    )
    red_id, strict_id, amber_id, clear_id = (item["id"] for item in created["entities"])

    def visible_ids(headers: dict[str, str]) -> set[str]:
        listed = client.get("/v1/entities", params={"kind": "actor"}, headers=headers).json()
        assert listed["total"] == len(listed["items"])
        return {item["id"] for item in listed["items"]}

    assert visible_ids(org_a) == {red_id, strict_id, amber_id, clear_id}
    assert visible_ids(org_b) == {amber_id, clear_id}
    assert visible_ids(org_c) == {red_id, amber_id, clear_id}

    assert client.get(f"/v1/entities/{red_id}", headers=org_b).status_code == 404
    assert client.get(f"/v1/entities/{strict_id}", headers=org_b).status_code == 404
    assert client.get(f"/v1/entities/{red_id}", headers=org_c).json()["assertions"][0]["share_with"] == []
    assert client.get(f"/v1/entities/{red_id}", headers=org_a).json()["assertions"][0]["share_with"] == ["Org C"]
    assert client.get("/v1/entities", params={"q": "red only"}, headers=org_b).json()["total"] == 0
    assert client.get("/v1/entities", params={"q": "secret alias"}, headers=org_c).json()["total"] == 1

    # Org B now reports an actor of that name openly. It cannot see A's RED claim, so that claim cannot steer
    # where B's lands (issue 13: hidden claims never join anything of the caller's): B gets an entity of its own,
    # and A's stays hidden from B.
    b_id = post(client, org_b, entities=[{"kind": "actor", "name": "Red Only"}])["entities"][0]["id"]
    assert b_id != red_id
    seen_by_b = client.get(f"/v1/entities/{b_id}", headers=org_b).json()
    assert seen_by_b["aliases"] == [] and [a["organization"] for a in seen_by_b["assertions"]] == ["Org B"]
    assert client.get(f"/v1/entities/{red_id}", headers=org_b).status_code == 404
    assert client.get("/v1/entities", params={"q": "secret alias"}, headers=org_b).json()["total"] == 0
    # A reference by id to an entity the caller cannot see is an unknown entity, not a hint that it exists.
    refused = client.post(
        "/v1/bundles",
        json={"relationships": [{"type": "AFFILIATED_WITH", "source": {"id": clear_id}, "target": {"id": strict_id}}]},
        headers=org_b,
    )
    assert refused.status_code == 422
    assert "visible to you" in refused.json()["error"]["problems"][0]["message"]


def test_relationship_counts_follow_sharing(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    created = post(
        client,
        org_a,
        entities=[{"kind": "actor", "name": "Crew"}, {"kind": "financier", "name": "Mixer X", "category": "mixer"}],
        relationships=[
            {
                "type": "LAUNDERS_FOR",
                "source": {"kind": "financier", "name": "Mixer X"},
                "target": {"kind": "actor", "name": "Crew"},
                "tlp": "RED",
            },
        ],
    )
    crew_id = created["entities"][0]["id"]
    assert client.get(f"/v1/entities/{crew_id}", headers=org_a).json()["relationship_counts"] == {"LAUNDERS_FOR": 1}
    assert client.get(f"/v1/entities/{crew_id}", headers=org_b).json()["relationship_counts"] == {}


def test_merge_moves_everything_and_keeps_the_old_id(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, org_b = auth_headers("Org A"), auth_headers("Org B")
    first = post(
        client,
        org_a,
        entities=[
            {"kind": "actor", "name": "Twisted Panda"},
            {"kind": "actor", "name": "Panda Twisted Team"},
            {"kind": "service_provider", "name": "Loader Co", "category": "malware_as_a_service"},
            {"kind": "victim", "name": "Ministry"},
        ],
        relationships=[
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Twisted Panda"},
                "target": {"kind": "service_provider", "name": "Loader Co"},
                "confidence": 60,
            },
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Panda Twisted Team"},
                "target": {"kind": "service_provider", "name": "Loader Co"},
                "confidence": 90,
                "references": ["https://example.invalid/r/2"],
            },
            {
                "type": "TARGETS",
                "source": {"kind": "actor", "name": "Panda Twisted Team"},
                "target": {"kind": "victim", "name": "Ministry"},
            },
            {
                "type": "AFFILIATED_WITH",
                "source": {"kind": "actor", "name": "Twisted Panda"},
                "target": {"kind": "actor", "name": "Panda Twisted Team"},
            },
        ],
    )
    into_id, source_id = first["entities"][0]["id"], first["entities"][1]["id"]
    post(client, org_b, entities=[{"kind": "actor", "name": "Panda Twisted Team", "aliases": ["PTT"]}])

    assert (
        client.post(
            f"/v1/entities/{source_id}/merge", json={"into": into_id}, headers=auth_headers("Org A", "reader")
        ).status_code
        == 403
    )
    merged = client.post(f"/v1/entities/{source_id}/merge", json={"into": into_id}, headers=org_a)
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["merged"] == source_id and body["into"] == into_id and body["merged_ids"] == [source_id]
    assert body["moved_assertions"] == 2 and body["moved_relationships"] == 2 and body["dropped_relationships"] == 1

    survivor = client.get(f"/v1/entities/{into_id}", headers=org_a).json()
    assert client.get(f"/v1/entities/{source_id}", headers=org_a).json()["id"] == into_id
    assert survivor["relationship_counts"] == {"USES": 1, "TARGETS": 1}
    # Two of the three claims call it "Panda Twisted Team": the name most claims give is the one shown (issue 13).
    assert survivor["name"] == "Panda Twisted Team" and {"Twisted Panda", "PTT"} <= set(survivor["aliases"])
    # Claims are never folded into each other (issue 13): Org A's two claims stay two, each with its own names.
    assert sorted(a["organization"] for a in survivor["assertions"]) == ["Org A", "Org A", "Org B"]
    assert sorted(a["name"] for a in survivor["assertions"] if a["organization"] == "Org A") == [
        "Panda Twisted Team",
        "Twisted Panda",
    ]
    # Resolution now finds the survivor under the merged name.
    again = post(client, org_a, entities=[{"kind": "actor", "name": "panda twisted team"}])
    assert again["entities"][0]["id"] == into_id


def test_merge_refuses_other_kinds_itself_and_unknown(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    created = post(client, headers, entities=[{"kind": "actor", "name": "A1"}, {"kind": "victim", "name": "V1"}])
    actor_id, victim_id = (item["id"] for item in created["entities"])
    across = client.post(f"/v1/entities/{actor_id}/merge", json={"into": victim_id}, headers=headers)
    assert across.status_code == 422 and "never across kinds" in across.json()["error"]["message"]
    assert client.post(f"/v1/entities/{actor_id}/merge", json={"into": actor_id}, headers=headers).status_code == 422
    assert client.post(f"/v1/entities/{actor_id}/merge", json={"into": "actor--x"}, headers=headers).status_code == 404
