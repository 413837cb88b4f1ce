"""Categories and only_mine on every scoped read (issue 18: filters everywhere), against the real Neo4j.

Org A posts the crews' shared world; Org B adds its own affiliate chain; Org C a tool it shares with nobody:

    Ember -USES-> Haven <-USES- Frost           Org A (Org B also asserts Ember USES Haven)
    Ember -USES-> Coinmix -LAUNDERS_FOR-> Frost Org A
    Ember -AFFILIATED_WITH-> Ash -AFFILIATED_WITH-> Frost   Org B
    Ember -USES-> Stealer -SUPPLIES-> Frost     Org C, TLP:RED, shared with nobody
    Ember -TARGETS-> Clinic                     Org A; Clinic has no category
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import KeyFactory

EMBER, FROST, ASH = ({"kind": "actor", "name": name} for name in ("Ember", "Frost", "Ash"))
HAVEN = {"kind": "service_provider", "name": "Haven"}
COINMIX = {"kind": "financier", "name": "Coinmix"}
CLINIC = {"kind": "victim", "name": "Clinic"}
STEALER = {"kind": "service_provider", "name": "Stealer"}


def rel(kind: str, source: dict[str, str], target: dict[str, str], confidence: int = 80) -> dict[str, Any]:
    return {"type": kind, "source": source, "target": target, "confidence": confidence}


@pytest.fixture
def ids(client: TestClient, auth_headers: KeyFactory) -> dict[str, str]:
    own = {
        "entities": [
            {**EMBER, "category": "group"},
            {**FROST, "category": "group"},
            {**HAVEN, "category": "bulletproof_hosting"},
            {**COINMIX, "category": "mixer"},
            CLINIC,
        ],
        "relationships": [
            rel("USES", EMBER, HAVEN),
            rel("USES", FROST, HAVEN),
            rel("USES", EMBER, COINMIX),
            rel("LAUNDERS_FOR", COINMIX, FROST),
            rel("TARGETS", EMBER, CLINIC),
        ],
    }
    found = post(client, auth_headers("Org A"), own)

    def known(name: str) -> dict[str, str]:
        return {"id": found[name]}

    others = {
        "Org B": {
            "entities": [{**ASH, "category": "group"}],
            "relationships": [
                rel("USES", known("Ember"), known("Haven"), 40),
                rel("AFFILIATED_WITH", known("Ember"), ASH),
                rel("AFFILIATED_WITH", ASH, known("Frost")),
            ],
        },
        "Org C": {
            "entities": [{**STEALER, "category": "tool", "tlp": "RED"}],
            "relationships": [
                {**rel("USES", known("Ember"), STEALER), "tlp": "RED"},
                {**rel("SUPPLIES", STEALER, known("Frost")), "tlp": "RED"},
            ],
        },
    }
    for organization, bundle in others.items():
        found.update(post(client, auth_headers(organization), bundle))
    return found


def post(client: TestClient, headers: dict[str, str], bundle: dict[str, Any]) -> dict[str, str]:
    response = client.post("/v1/bundles", json=bundle, headers=headers)
    assert response.status_code == 200, response.text
    return {
        entity["name"]: item["id"] for entity, item in zip(bundle["entities"], response.json()["entities"], strict=True)
    }


def names(ids: dict[str, str], found: list[str]) -> set[str]:
    by_id = {value: key for key, value in ids.items()}
    return {by_id[entity_id] for entity_id in found}


def neighbours(client: TestClient, headers: dict[str, str], ids: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/entities/{ids['Ember']}/neighborhood", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_neighborhood_keeps_what_the_filters_keep(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    a = auth_headers("Org A", "reader")
    every = neighbours(client, a, ids)
    assert names(ids, [node["id"] for node in every["nodes"]]) == {"Ember", "Haven", "Coinmix", "Ash", "Clinic"}

    mine = neighbours(client, a, ids, only_mine="true")
    assert names(ids, [node["id"] for node in mine["nodes"]]) == {"Ember", "Haven", "Coinmix", "Clinic"}
    # What remains still carries every organization's evidence the caller may see: Org B's claim on Ember USES Haven.
    (uses_haven,) = [edge for edge in mine["edges"] if edge["target"] == ids["Haven"]]
    assert sorted(claim["organization"] for claim in uses_haven["assertions"]) == ["Org A", "Org B"]

    # The centre stays whatever its category; an entity without one is kept only when asked for.
    mixers = neighbours(client, a, ids, categories="mixer")
    assert names(ids, [node["id"] for node in mixers["nodes"]]) == {"Ember", "Coinmix"}
    with_none = neighbours(client, a, ids, categories="mixer,uncategorized")
    assert names(ids, [node["id"] for node in with_none["nodes"]]) == {"Ember", "Coinmix", "Clinic"}
    financiers = neighbours(client, a, ids, kinds="financier")
    assert names(ids, [node["id"] for node in financiers["nodes"]]) == {"Ember", "Coinmix"}

    # Org B's own part: its affiliate chain and its claim on Ember USES Haven (which Org A also made).
    b_mine = neighbours(client, auth_headers("Org B", "reader"), ids, only_mine="true", depth=2)
    assert names(ids, [node["id"] for node in b_mine["nodes"]]) == {"Ember", "Ash", "Frost", "Haven"}


def test_no_filter_reveals_what_another_organization_keeps_to_itself(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    a = auth_headers("Org A", "reader")
    for params in ({"categories": "tool"}, {"only_mine": "true"}, {"categories": "tool", "only_mine": "true"}):
        around = neighbours(client, a, ids, depth=2, **params)
        assert ids["Stealer"] not in {node["id"] for node in around["nodes"]}
        assert "Stealer" not in str(around)
        ranked = client.get(
            "/v1/analysis/chokepoints", params={"method": "degree", "top": 100, **params}, headers=a
        ).json()
        assert ids["Stealer"] not in {point["id"] for point in ranked["chokepoints"]}
    # A category only the hidden tool has keeps nothing but the centre, like a category nobody has.
    assert [node["id"] for node in neighbours(client, a, ids, categories="tool")["nodes"]] == [ids["Ember"]]
    assert neighbours(client, a, ids, categories="tool") == neighbours(client, a, ids, categories="crypting")
    # Its owner sees it through the same filters.
    c_tools = neighbours(client, auth_headers("Org C", "reader"), ids, categories="tool", only_mine="true")
    assert names(ids, [node["id"] for node in c_tools["nodes"]]) == {"Ember", "Stealer"}


def test_paths_pass_only_through_what_the_filters_keep(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    a = auth_headers("Org A", "reader")

    def via(**params: Any) -> set[str]:
        query = {"from": ids["Ember"], "to": ids["Frost"], "limit": 10, **params}
        response = client.get("/v1/paths", params=query, headers=a)
        assert response.status_code == 200, response.text
        return {path["nodes"][1]["name"] for path in response.json()["paths"]}

    assert via() == {"Haven", "Coinmix", "Ash"}
    assert via(only_mine="true") == {"Haven", "Coinmix"}
    # The ends are kept whatever their category, as with kinds.
    assert via(categories="mixer") == {"Coinmix"}
    assert via(categories="bulletproof_hosting", only_mine="true") == {"Haven"}
    assert via(categories="group") == {"Ash"}


def test_analyses_run_on_the_callers_own_graph(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    a = auth_headers("Org A", "reader")
    pooled = client.get("/v1/analysis/chokepoints", params={"method": "degree", "top": 1}, headers=a).json()
    own = client.get(
        "/v1/analysis/chokepoints", params={"method": "degree", "top": 1, "only_mine": "true"}, headers=a
    ).json()
    # Pooled, Ember has 5 visible neighbours' worth of relationships; on Org A's own graph Ash is gone.
    assert (pooled["scope"]["nodes"], pooled["scope"]["edges"]) == (6, 7)
    assert (own["scope"]["nodes"], own["scope"]["edges"]) == (5, 5)
    assert own["scope"]["only_mine"] is True and pooled["scope"]["only_mine"] is False
    assert own["scope"]["graph_version"] != pooled["scope"]["graph_version"]
    betweenness = client.get(
        "/v1/analysis/chokepoints",
        params={"method": "betweenness", "categories": "group,mixer", "top": 5},
        headers=a,
    ).json()
    assert betweenness["scope"]["categories"] == ["group", "mixer"]
    assert {point["name"] for point in betweenness["chokepoints"]} <= {"Ember", "Frost", "Ash", "Coinmix"}
    assert (betweenness["scope"]["nodes"], betweenness["scope"]["edges"]) == (4, 4)

    # The what-if and the plan read the same narrowed graph: Ash is not in Org A's own one.
    what_if = client.post("/v1/analysis/disruption", json={"remove": [ids["Ash"]], "only_mine": True}, headers=a)
    assert what_if.status_code == 422 and "Ash" not in what_if.text
    haven_down = client.post(
        "/v1/analysis/disruption", json={"remove": [ids["Haven"]], "only_mine": True}, headers=a
    ).json()
    assert (haven_down["scope"]["nodes"], haven_down["scope"]["only_mine"]) == (5, True)
    plan = client.post("/v1/analysis/plans", json={"budget": 1, "categories": ["group", "mixer"]}, headers=a)
    assert plan.status_code == 200, plan.text
    assert plan.json()["scope"]["nodes"] == 4 and plan.json()["scope"]["categories"] == ["group", "mixer"]


def test_unknown_categories_and_kinds_are_422_naming_the_field(client: TestClient, auth_headers: KeyFactory) -> None:
    a = auth_headers("Org A", "reader")
    entity = "actor--00000000-0000-4000-8000-000000000000"
    for path, params, field in [
        (f"/v1/entities/{entity}/neighborhood", {"categories": "tool,ransomware"}, "categories"),
        (f"/v1/entities/{entity}/neighborhood", {"kinds": "actor,wizard"}, "kinds"),
        ("/v1/analysis/chokepoints", {"categories": "nope"}, "categories"),
        ("/v1/paths", {"from": entity, "to": entity, "categories": "nope"}, "categories"),
        ("/v1/paths", {"from": entity, "to": entity, "only_mine": "perhaps"}, "only_mine"),
    ]:
        response = client.get(path, params=params, headers=a)
        assert response.status_code == 422, (path, params, response.text)
        assert field in response.text
    for body in ({"remove": [entity], "categories": ["nope"]}, {"budget": 1, "categories": ["nope"]}):
        url = "/v1/analysis/disruption" if "remove" in body else "/v1/analysis/plans"
        response = client.post(url, json=body, headers=a)
        assert response.status_code == 422, response.text
        assert "categories" in response.text and "nope" in response.text
