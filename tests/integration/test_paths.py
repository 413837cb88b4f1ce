"""GET /v1/paths and the neighborhood endpoint, against the real Neo4j, on a small hand-built ecosystem.

Routes from the actor "Ember" to the actor "Frost" (confidences in brackets):
    Ember -USES-> Haven <-USES- Frost                       bulletproof host   (80, 60)
    Ember -AFFILIATED_WITH-> Ash -AFFILIATED_WITH-> Frost    affiliate chain    (90, 85)
    Ember -USES-> Coinmix -LAUNDERS_FOR-> Frost              money, 2020 only   (95, 50)
    Ember -USES-> Lockbit-like -SUPPLIES-> Frost             RaaS               (70, 100)
    Ember -TARGETS-> Clinic <-TARGETS- Phisher <-USES- Frost a 3-hop route     (50, 50, 50)
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import KeyFactory


def ref(kind: str, name: str) -> dict[str, str]:
    return {"kind": kind, "name": name}


def rel(
    kind_type: str, source: dict[str, str], target: dict[str, str], confidence: int, **extra: Any
) -> dict[str, Any]:
    return {"type": kind_type, "source": source, "target": target, "confidence": confidence, **extra}


EMBER, FROST, ASH = ref("actor", "Ember"), ref("actor", "Frost"), ref("actor", "Ash")
HAVEN, RAAS, PHISHER = (ref("service_provider", n) for n in ("Haven", "Lockbit-like", "Phisher"))
COINMIX, CLINIC = ref("financier", "Coinmix"), ref("victim", "Clinic")

ECOSYSTEM = {
    "entities": [
        {**EMBER},
        {**FROST},
        {**ASH},
        {**HAVEN, "category": "bulletproof_hosting"},
        {**RAAS, "category": "ransomware_as_a_service"},
        {**PHISHER, "category": "phishing_kit"},
        {**COINMIX, "category": "mixer"},
        {**CLINIC},
    ],
    "relationships": [
        rel("USES", EMBER, HAVEN, 80),
        rel("USES", FROST, HAVEN, 60),
        rel("AFFILIATED_WITH", EMBER, ASH, 90),
        rel("AFFILIATED_WITH", ASH, FROST, 85),
        rel("USES", EMBER, COINMIX, 95, first_seen="2020-01-01", last_seen="2020-12-31"),
        rel("LAUNDERS_FOR", COINMIX, FROST, 50, first_seen="2020-01-01", last_seen="2020-12-31"),
        rel("USES", EMBER, RAAS, 70),
        rel("SUPPLIES", RAAS, FROST, 100),
        rel("TARGETS", EMBER, CLINIC, 50),
        rel("TARGETS", PHISHER, CLINIC, 50),
        rel("USES", FROST, PHISHER, 50),
    ],
}


@pytest.fixture
def ids(client: TestClient, auth_headers: KeyFactory) -> dict[str, str]:
    response = client.post("/v1/bundles", json=ECOSYSTEM, headers=auth_headers("Org A"))
    assert response.status_code == 200, response.text
    return {
        entity["name"]: item["id"]
        for entity, item in zip(ECOSYSTEM["entities"], response.json()["entities"], strict=True)
    }


def routes(client: TestClient, headers: dict[str, str], ids: dict[str, str], **params: Any) -> list[list[str]]:
    response = client.get("/v1/paths", params={"from": ids["Ember"], "to": ids["Frost"], **params}, headers=headers)
    assert response.status_code == 200, response.text
    names = {v: k for k, v in ids.items()}
    return [[names[node["id"]] for node in path["nodes"]] for path in response.json()["paths"]]


def test_shortest_first_and_k_distinct(client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]) -> None:
    headers = auth_headers("Org A", "reader")
    # The shortest routes alone by default; with include_longer the 3-hop route fills the list.
    assert len(routes(client, headers, ids, limit=10)) == 4
    every = routes(client, headers, ids, limit=10, include_longer="true")
    assert sorted(map(tuple, every[:4])) == sorted(
        [
            ("Ember", "Haven", "Frost"),
            ("Ember", "Ash", "Frost"),
            ("Ember", "Coinmix", "Frost"),
            ("Ember", "Lockbit-like", "Frost"),
        ]
    )
    assert every[4:] == [["Ember", "Clinic", "Phisher", "Frost"]]
    assert len({tuple(path) for path in every}) == len(every)
    two = routes(client, headers, ids, limit=2)
    assert len(two) == 2 and all(len(path) == 3 for path in two)
    assert routes(client, headers, ids, limit=10, max_hops=2, include_longer="true") == every[:4]


def test_answer_carries_evidence_and_confidence(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    headers = auth_headers("Org A", "reader")
    body = client.get(
        "/v1/paths", params={"from": ids["Ember"], "to": ids["Frost"], "types": "AFFILIATED_WITH"}, headers=headers
    ).json()
    assert body["from"] == ids["Ember"] and body["to"] == ids["Frost"]
    (path,) = body["paths"]
    assert path["length"] == 2
    assert [node["name"] for node in path["nodes"]] == ["Ember", "Ash", "Frost"]
    assert [node["kind"] for node in path["nodes"]] == ["actor"] * 3
    first, second = path["relationships"]
    assert first == {
        **first,
        "type": "AFFILIATED_WITH",
        "source": ids["Ember"],
        "target": ids["Ash"],
        "direction": "forward",
        "confidence": 90,
    }
    (assertion,) = first["assertions"]
    assert assertion["organization"] == "Org A" and assertion["confidence"] == 90 and assertion["tlp"] == "GREEN"
    assert second["confidence"] == 85
    assert path["confidence"] == pytest.approx(100 * 0.90 * 0.85)
    assert body["bounds"]["types"] == ["AFFILIATED_WITH"] and body["bounds"]["max_hops"] == 6


def test_direction_forward_follows_the_supply_chain(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    forward = routes(client, auth_headers("Org A", "reader"), ids, limit=10, direction="forward")
    assert sorted(map(tuple, forward)) == sorted(
        [
            ("Ember", "Ash", "Frost"),
            ("Ember", "Coinmix", "Frost"),
            ("Ember", "Lockbit-like", "Frost"),
        ]
    )


def test_each_filter(client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]) -> None:
    headers = auth_headers("Org A", "reader")
    # Same length: the better-supported path (0.70 x 1.00) comes before the weaker one (0.80 x 0.60).
    assert routes(client, headers, ids, limit=10, types=["USES", "SUPPLIES"]) == [
        ["Ember", "Lockbit-like", "Frost"],
        ["Ember", "Haven", "Frost"],
    ]
    assert routes(client, headers, ids, limit=10, min_confidence=75) == [["Ember", "Ash", "Frost"]]
    in_2020 = routes(client, headers, ids, limit=10, as_of="2020-06-01")
    in_2021 = routes(client, headers, ids, limit=10, as_of="2021-06-01")
    assert ["Ember", "Coinmix", "Frost"] in in_2020 and ["Ember", "Coinmix", "Frost"] not in in_2021
    assert len(in_2020) == len(in_2021) + 1
    assert routes(client, headers, ids, limit=10, kinds="actor") == [["Ember", "Ash", "Frost"]]
    exact = routes(client, headers, ids, limit=10, kinds="victim,service_provider", include_longer="true")
    assert sorted(map(tuple, exact)) == sorted(
        [
            ("Ember", "Haven", "Frost"),
            ("Ember", "Lockbit-like", "Frost"),
            ("Ember", "Clinic", "Phisher", "Frost"),
        ]
    )


def test_a_path_through_another_organizations_red_claim(client: TestClient, auth_headers: KeyFactory) -> None:
    org_a, org_b, org_c = auth_headers("Org A"), auth_headers("Org B"), auth_headers("Org C")
    bundle = {
        "entities": [
            {"kind": "actor", "name": "Quiet One"},
            {"kind": "actor", "name": "Loud One"},
            {"kind": "service_provider", "name": "Secret Host"},
        ],
        "relationships": [
            rel(
                "USES",
                ref("actor", "Quiet One"),
                ref("service_provider", "Secret Host"),
                90,
                tlp="RED",
                share_with=["Org C"],
            ),
            rel("USES", ref("actor", "Loud One"), ref("service_provider", "Secret Host"), 90),
        ],
    }
    created = client.post("/v1/bundles", json=bundle, headers=org_a).json()
    quiet, loud = created["entities"][0]["id"], created["entities"][1]["id"]
    params = {"from": quiet, "to": loud}
    assert len(client.get("/v1/paths", params=params, headers=org_a).json()["paths"]) == 1
    assert len(client.get("/v1/paths", params=params, headers=org_c).json()["paths"]) == 1
    hidden = client.get("/v1/paths", params=params, headers=org_b)
    assert hidden.status_code == 200
    assert hidden.json()["paths"] == [] and hidden.json()["bounds"]["max_hops"] == 6


def test_unknown_ids_are_404_and_bad_parameters_422(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    headers = auth_headers("Org A", "reader")
    ember, frost = ids["Ember"], ids["Frost"]
    assert client.get("/v1/paths", params={"from": "actor--nope", "to": frost}, headers=headers).status_code == 404
    assert client.get("/v1/paths", params={"from": ember, "to": "actor--nope"}, headers=headers).status_code == 404
    for bad in (
        {"max_hops": 11},
        {"max_hops": 0},
        {"limit": 0},
        {"limit": 11},
        {"types": "LOVES"},
        {"direction": "sideways"},
        {"min_confidence": 101},
        {"as_of": "yesterday"},
        {"kinds": "pirate"},
    ):
        response = client.get("/v1/paths", params={"from": ember, "to": frost, **bad}, headers=headers)
        assert response.status_code == 422, bad
        assert response.json()["error"]["problems"], bad
    assert client.get("/v1/paths", params={"from": ember, "to": ember}, headers=headers).status_code == 422
    assert client.get("/v1/paths", params={"from": ember}, headers=headers).status_code == 422


def test_neighborhood_depth_and_limit(client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]) -> None:
    headers = auth_headers("Org A", "reader")
    around = client.get(f"/v1/entities/{ids['Ember']}/neighborhood", headers=headers).json()
    names = {v: k for k, v in ids.items()}
    assert {names[n["id"]] for n in around["nodes"]} == {"Ember", "Haven", "Ash", "Coinmix", "Lockbit-like", "Clinic"}
    assert around["truncated"] is False and around["center"] == ids["Ember"]
    assert {n["depth"] for n in around["nodes"]} == {0, 1}
    assert len(around["edges"]) == 5 and all(e["assertions"] for e in around["edges"])
    deeper = client.get(f"/v1/entities/{ids['Ember']}/neighborhood", params={"depth": 2}, headers=headers).json()
    assert {names[n["id"]] for n in deeper["nodes"]} == set(ids)
    cut = client.get(f"/v1/entities/{ids['Ember']}/neighborhood", params={"limit": 3}, headers=headers).json()
    assert len(cut["nodes"]) == 3 and cut["truncated"] is True
    # Best-supported first: the 95 and 90 relationships survive the cut.
    assert {names[n["id"]] for n in cut["nodes"]} == {"Ember", "Coinmix", "Ash"}
    only_targets = client.get(
        f"/v1/entities/{ids['Ember']}/neighborhood", params={"types": "TARGETS", "depth": 3}, headers=headers
    ).json()
    assert {names[n["id"]] for n in only_targets["nodes"]} == {"Ember", "Clinic", "Phisher"}
    assert client.get("/v1/entities/actor--nope/neighborhood", headers=headers).status_code == 404
    assert (
        client.get(f"/v1/entities/{ids['Ember']}/neighborhood", params={"depth": 4}, headers=headers).status_code == 422
    )


def paths_of(client: TestClient, headers: dict[str, str], ids: dict[str, str], **params: Any) -> list[list[str]]:
    """The paths of a search with any `from` and `to` (lists repeat the parameter), as lists of entity names."""
    response = client.get("/v1/paths", params=params, headers=headers)
    assert response.status_code == 200, response.text
    names = {v: k for k, v in ids.items()}
    return [[names[node["id"]] for node in path["nodes"]] for path in response.json()["paths"]]


def test_exclude_ids_and_categories(client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]) -> None:
    headers = auth_headers("Org A", "reader")
    # Not through the affiliate Ash, nor through any bulletproof host (Haven): the other two 2-hop routes remain.
    response = client.get(
        "/v1/paths",
        params={
            "from": ids["Ember"],
            "to": ids["Frost"],
            "exclude": ids["Ash"],
            "exclude_categories": "bulletproof_hosting",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    names = {v: k for k, v in ids.items()}
    found = [[names[node["id"]] for node in path["nodes"]] for path in response.json()["paths"]]
    assert found == [["Ember", "Lockbit-like", "Frost"], ["Ember", "Coinmix", "Frost"]]
    assert response.json()["bounds"]["exclude"] == [ids["Ash"]]
    assert response.json()["bounds"]["exclude_categories"] == ["bulletproof_hosting"]
    # With every 2-hop middle avoided, the shortest path left is the 3-hop one, every hop shown.
    around = routes(
        client,
        headers,
        ids,
        exclude=[ids["Ash"], ids["Coinmix"], ids["Haven"]],
        exclude_categories="ransomware_as_a_service",
    )
    assert around == [["Ember", "Clinic", "Phisher", "Frost"]]
    # An end of the category avoided still starts its own path (like `kinds`, the ends are exempt).
    assert routes(client, headers, ids, exclude_categories="phishing_kit,mixer")[0] == ["Ember", "Ash", "Frost"]
    # Excluding everything between them leaves no path: 200 and an empty list.
    everything = [ids[name] for name in ("Ash", "Coinmix", "Haven", "Lockbit-like", "Clinic")]
    assert routes(client, headers, ids, exclude=everything) == []


def test_excluding_an_id_the_caller_cannot_see_answers_as_a_nonexistent_id(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    # Org B alone knows a relay between Ember and Frost (RED): for Org A it does not exist.
    secret = {
        "entities": [{"kind": "service_provider", "name": "Quiet Relay", "category": "tool", "tlp": "RED"}],
        "relationships": [
            rel("USES", {"id": ids["Ember"]}, ref("service_provider", "Quiet Relay"), 99, tlp="RED"),
            rel("SUPPLIES", ref("service_provider", "Quiet Relay"), {"id": ids["Frost"]}, 99, tlp="RED"),
        ],
    }
    created = client.post("/v1/bundles", json=secret, headers=auth_headers("Org B"))
    assert created.status_code == 200, created.text
    relay = created.json()["entities"][0]["id"]
    org_b = auth_headers("Org B", "reader")
    assert paths_of(client, org_b, {**ids, "Quiet Relay": relay}, **{"from": ids["Ember"], "to": ids["Frost"]})[0] == [
        "Ember",
        "Quiet Relay",
        "Frost",
    ]

    org_a = auth_headers("Org A", "reader")
    base = {"from": ids["Ember"], "to": ids["Frost"]}
    hidden = client.get("/v1/paths", params={**base, "exclude": relay}, headers=org_a)
    nowhere = client.get("/v1/paths", params={**base, "exclude": "service_provider--nope"}, headers=org_a)
    assert hidden.status_code == nowhere.status_code == 200
    hidden_body, nowhere_body = hidden.json(), nowhere.json()
    # The ids are echoed as given; everything else is the same, byte for byte once the echo is set aside.
    assert hidden_body["bounds"].pop("exclude") == [relay]
    assert nowhere_body["bounds"].pop("exclude") == ["service_provider--nope"]
    assert hidden_body == nowhere_body
    assert len(hidden_body["paths"]) == 4
    # As an end of the search, the hidden id is a 404, as a nonexistent end is.
    assert client.get("/v1/paths", params={"from": relay, "to": ids["Frost"]}, headers=org_a).status_code == 404
    # Org A's category filter does not see Org B's RED category either: "tool" avoids nothing of Org A's paths.
    tools = client.get("/v1/paths", params={**base, "exclude_categories": "tool"}, headers=org_a).json()
    plain = client.get("/v1/paths", params=base, headers=org_a).json()
    assert tools["paths"] == plain["paths"]
    # Org B, who sees the relay as a tool, loses the path through it.
    assert ["Ember", "Quiet Relay", "Frost"] not in paths_of(
        client, org_b, {**ids, "Quiet Relay": relay}, **base, exclude_categories="tool"
    )


def test_sets_of_sources_and_targets(client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]) -> None:
    headers = auth_headers("Org A", "reader")
    # From Ember or Ash to Frost: Ash's own hop first, then Ember's routes that do not pass through Ash (a path
    # inside the set of sources is no path from it).
    response = client.get("/v1/paths", params={"from": [ids["Ember"], ids["Ash"]], "to": ids["Frost"]}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    names = {v: k for k, v in ids.items()}
    assert [[names[node["id"]] for node in path["nodes"]] for path in body["paths"]] == [
        ["Ash", "Frost"],
        ["Ember", "Lockbit-like", "Frost"],
        ["Ember", "Haven", "Frost"],
        ["Ember", "Coinmix", "Frost"],
    ]
    assert body["sources"] == [ids["Ember"], ids["Ash"]] and body["targets"] == [ids["Frost"]]
    assert body["from"] == ids["Ember"] and body["to"] == ids["Frost"]
    # To Frost or Clinic: Ember's direct hop to Clinic comes first; no path to Frost passes through Clinic.
    to_either = paths_of(client, headers, ids, **{"from": ids["Ember"], "to": [ids["Frost"], ids["Clinic"]]})
    assert to_either[0] == ["Ember", "Clinic"]
    assert all("Clinic" not in path[1:-1] and "Frost" not in path[1:-1] for path in to_either)
    assert len(to_either) == 5
    # Sets combine with exclusion.
    assert paths_of(
        client,
        headers,
        ids,
        **{"from": [ids["Ember"], ids["Ash"]], "to": ids["Frost"], "exclude": [ids["Haven"], ids["Coinmix"]]},
    ) == [["Ash", "Frost"], ["Ember", "Lockbit-like", "Frost"]]


def test_sets_and_exclusions_validate(client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]) -> None:
    headers = auth_headers("Org A", "reader")
    ember, frost = ids["Ember"], ids["Frost"]
    for bad in (
        {"from": ember, "to": [frost, ember]},  # an entity in both sets
        {"from": [ember] * 11, "to": frost},  # more than 10 ends
        {"from": ember, "to": frost, "exclude": frost},  # an end excluded
        {"from": ember, "to": frost, "exclude": [f"actor--{n}" for n in range(101)]},
        {"from": ember, "to": frost, "exclude": "x" * 257},
        {"from": ember, "to": frost, "exclude_categories": "pirate"},
    ):
        response = client.get("/v1/paths", params=bad, headers=headers)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["error"]["problems"], bad
    missing = client.get("/v1/paths", params={"from": [ember, "actor--nope"], "to": frost}, headers=headers)
    assert missing.status_code == 404 and "actor--nope" in missing.text
