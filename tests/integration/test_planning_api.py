"""Disruption planning through the API, on the real Neo4j: where entities are, what acting on them costs,
who can act, and the plans.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.config import Settings
from atlas_graph.services import organizations
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import load_projection
from atlas_graph.store.scope import GraphScope
from tests.conftest import KeyFactory
from tests.integration.test_cli import _env_for, _run


def host(**fields: Any) -> dict[str, Any]:
    return {"kind": "service_provider", "name": "Host East", "category": "bulletproof_hosting", **fields}


def test_countries_and_cost_come_from_the_claims_the_caller_may_see(
    client: TestClient, graph: GraphStore, auth_headers: KeyFactory
) -> None:
    for organization in ("Org C", "Org D"):
        auth_headers(organization, "reader")
    public = host(countries=["de"], attributes={"disruption_cost": 3})
    assert client.post("/v1/bundles", json={"entities": [public]}, headers=auth_headers("Org A")).status_code == 200
    restricted = host(
        countries=["NL", "DE"], attributes={"disruption_cost": 5}, tlp="AMBER+STRICT", share_with=["Org C"]
    )
    assert client.post("/v1/bundles", json={"entities": [restricted]}, headers=auth_headers("Org B")).status_code == 200
    cheap = {"kind": "financier", "name": "Tumble", "category": "mixer"}
    assert client.post("/v1/bundles", json={"entities": [cheap]}, headers=auth_headers("Org A")).status_code == 200

    def seen_by(organization: str) -> dict[str, tuple[tuple[str, ...], float]]:
        graph_ = load_projection(graph, organization=organization, scope=GraphScope()).graph
        return {data["name"]: (data["countries"], data["cost"]) for _, data in graph_.nodes(data=True)}

    host_id = next(
        v
        for v, data in load_projection(graph, organization="Org A", scope=GraphScope()).graph.nodes(data=True)
        if data["name"] == "Host East"
    )
    assert client.get(f"/v1/entities/{host_id}", headers=auth_headers("Org D", "reader")).json()["countries"] == ["DE"]
    entity = client.get(f"/v1/entities/{host_id}", headers=auth_headers("Org C", "reader")).json()
    assert entity["countries"] == ["DE", "NL"]
    assert sorted(a["countries"] for a in entity["assertions"]) == [["DE"], ["DE", "NL"]]
    # Union of countries, largest cost, over visible claims only; no claim gives a cost: 1.
    assert seen_by("Org A") == {"Host East": (("DE",), 3.0), "Tumble": ((), 1.0)}
    assert seen_by("Org B")["Host East"] == (("DE", "NL"), 5.0)
    assert seen_by("Org C")["Host East"] == (("DE", "NL"), 5.0)
    assert seen_by("Org D")["Host East"] == (("DE",), 3.0)


def test_the_entity_shows_the_cost_the_plan_acts_on(client: TestClient, auth_headers: KeyFactory) -> None:
    crew = {"kind": "actor", "name": "Crew"}
    uses = {"type": "USES", "source": crew, "target": {"kind": "service_provider", "name": "Host East"}}
    older = {"entities": [crew, host(attributes={"disruption_cost": 5})], "relationships": [uses]}
    assert client.post("/v1/bundles", json=older, headers=auth_headers("Org A")).status_code == 200
    # A later claim gives a smaller cost: the entity's latest attributes would say 1, the plan acts on 5.
    newer = {"entities": [host(attributes={"disruption_cost": 1})]}
    assert client.post("/v1/bundles", json=newer, headers=auth_headers("Org B")).status_code == 200
    operator = auth_headers(role="operator")
    auth_headers("anywhere", "reader")
    profile = {"jurisdictions": ["*"], "actions": ["takedown"]}
    assert client.patch("/v1/organizations/anywhere", json=profile, headers=operator).status_code == 200

    reader = auth_headers("Org C", "reader")
    plan = client.post("/v1/analysis/plans", json={"budget": 10}, headers=reader)
    assert plan.status_code == 200, plan.text
    (target,) = plan.json()["targets"]
    entity = client.get(f"/v1/entities/{target['id']}", headers=reader).json()
    assert target["name"] == "Host East" and target["cost"] == 5
    assert entity["attributes"]["disruption_cost"] == target["cost"]
    assert sorted(a["attributes"]["disruption_cost"] for a in entity["assertions"]) == [1, 5]


def test_bad_countries_and_costs_are_422_naming_the_field(client: TestClient, auth_headers: KeyFactory) -> None:
    headers = auth_headers("Org A")
    # Bundle problems are located from the bundle itself, without "body" (issue 13, one round of validation).
    for entity, field in (
        (host(countries=["XX"]), ["entities", 0, "countries", 0]),
        (host(countries=["DEU"]), ["entities", 0, "countries", 0]),
        (host(attributes={"disruption_cost": 0}), ["entities", 0, "attributes"]),
        (host(attributes={"disruption_cost": -2.5}), ["entities", 0, "attributes"]),
        (host(attributes={"disruption_cost": "high"}), ["entities", 0, "attributes"]),
    ):
        response = client.post("/v1/bundles", json={"entities": [entity]}, headers=headers)
        assert response.status_code == 422, entity
        problem = response.json()["error"]["problems"][0]
        assert problem["location"] == field, response.text
        if field[-1] == "attributes":
            assert "disruption_cost" in problem["message"]
    assert client.get("/v1/entities", headers=headers).json()["total"] == 0


def test_profiles_are_set_by_the_operator_or_the_members_admin_and_read_by_every_member(
    client: TestClient, auth_headers: KeyFactory
) -> None:
    operator = auth_headers(role="operator")
    police_admin = auth_headers("DE Police", "admin")
    fiu_admin = auth_headers("NL FIU", "admin")
    reader = auth_headers("Org R", "reader")

    set_by_operator = client.patch(
        "/v1/organizations/DE Police",
        json={"jurisdictions": ["de"], "actions": ["takedown", "seize"]},
        headers=operator,
    )
    assert set_by_operator.status_code == 200, set_by_operator.text
    assert set_by_operator.json()["jurisdictions"] == ["DE"]
    own = client.patch(
        "/v1/organizations/NL FIU", json={"jurisdictions": ["NL"], "actions": ["freeze"]}, headers=fiu_admin
    )
    assert own.status_code == 200, own.text
    # A field left out keeps its value.
    more = client.patch("/v1/organizations/DE Police", json={"actions": ["arrest", "takedown"]}, headers=police_admin)
    assert more.json()["jurisdictions"] == ["DE"] and more.json()["actions"] == ["arrest", "takedown"]

    # Another member's profile is not an admin's to set, whether or not the name exists (no look-up: 403 both).
    assert (
        client.patch("/v1/organizations/NL FIU", json={"actions": ["arrest"]}, headers=police_admin).status_code == 403
    )
    assert (
        client.patch("/v1/organizations/Nobody", json={"actions": ["arrest"]}, headers=police_admin).status_code == 403
    )
    assert client.patch("/v1/organizations/Nobody", json={"actions": ["arrest"]}, headers=operator).status_code == 404
    assert client.patch("/v1/organizations/NL FIU", json={"actions": ["arrest"]}, headers=reader).status_code == 403

    for bad, field in (
        ({"jurisdictions": ["XX"]}, ["body", "jurisdictions", 0]),
        ({"actions": ["bomb"]}, ["body", "actions", 0]),
        ({}, ["body"]),
    ):
        refused = client.patch("/v1/organizations/NL FIU", json=bad, headers=fiu_admin)
        assert refused.status_code == 422, bad
        assert refused.json()["error"]["problems"][0]["location"][: len(field)] == field, refused.text

    registrar = client.patch(
        "/v1/organizations/Org R", json={"jurisdictions": ["*"], "actions": ["suspend"]}, headers=operator
    )
    assert registrar.status_code == 200 and registrar.json()["jurisdictions"] == ["*"]

    for headers in (reader, police_admin, operator):
        listed = client.get("/v1/organizations/profiles", headers=headers)
        assert listed.status_code == 200, listed.text
        assert [(p["name"], p["jurisdictions"], p["actions"]) for p in listed.json()] == [
            ("DE Police", ["DE"], ["arrest", "takedown"]),
            ("NL FIU", ["NL"], ["freeze"]),
            ("Org R", ["*"], ["suspend"]),
        ]
    # Members without a profile are not listed; the member list itself stays the operator's.
    assert client.get("/v1/organizations", headers=reader).status_code == 403
    assert client.get("/v1/organizations/profiles", headers=auth_headers("Feed", "integration")).status_code == 403


BPH = "bulletproof_hosting"
# docs/planning.md's worked example: name, kind, category, countries, cost.
EXAMPLE = [
    ("core", "actor", "group", ["RU"], 4),
    ("affiliate_1", "actor", "individual", ["NL"], 3),
    ("affiliate_2", "actor", "individual", [], 3),
    ("fin7", "actor", "group", ["US"], 5),
    ("host_east", "service_provider", BPH, ["DE"], 2),
    ("host_island", "service_provider", BPH, [], 2),
    ("mixer", "financier", "mixer", ["NL"], 2),
    ("cobalt_strike", "service_provider", "tool", [], 1),
    ("hospital", "victim", "organization", ["DE"], 1),
    ("school", "victim", "organization", ["NL"], 1),
    ("bank", "victim", "organization", ["US"], 1),
]
LINKS = [
    ("core", "USES", "host_east"),
    ("core", "USES", "cobalt_strike"),
    ("mixer", "LAUNDERS_FOR", "core"),
    ("affiliate_1", "AFFILIATED_WITH", "core"),
    ("affiliate_2", "AFFILIATED_WITH", "core"),
    ("affiliate_2", "USES", "host_island"),
    ("fin7", "USES", "host_island"),
    ("core", "TARGETS", "hospital"),
    ("core", "TARGETS", "school"),
    ("affiliate_1", "TARGETS", "school"),
    ("fin7", "TARGETS", "bank"),
]


PROFILES = {
    "de-police": {"jurisdictions": ["DE"], "actions": ["takedown", "seize", "arrest"]},
    "nl-fiu": {"jurisdictions": ["NL"], "actions": ["freeze"]},
}
"""The worked example's coalition."""


def example_bundle() -> dict[str, Any]:
    """The worked example as a POST /v1/bundles body (the end-to-end plan view posts it too)."""
    kinds = {name: kind for name, kind, *_ in EXAMPLE}
    entities = [
        {
            "kind": kind,
            "name": name,
            "category": category,
            "countries": countries,
            "attributes": {"disruption_cost": cost},
        }
        for name, kind, category, countries, cost in EXAMPLE
    ]
    relationships = [
        {"type": rel, "source": {"kind": kinds[u], "name": u}, "target": {"kind": kinds[v], "name": v}}
        for u, rel, v in LINKS
    ]
    return {"entities": entities, "relationships": relationships}


@pytest.fixture
def example(client: TestClient, auth_headers: KeyFactory) -> dict[str, str]:
    response = client.post("/v1/bundles", json=example_bundle(), headers=auth_headers("Org A"))
    assert response.status_code == 200, response.text
    operator = auth_headers(role="operator")
    for name, profile in PROFILES.items():
        auth_headers(name, "reader")
        assert client.patch(f"/v1/organizations/{name}", json=profile, headers=operator).status_code == 200
    return {name: item["id"] for (name, *_), item in zip(EXAMPLE, response.json()["entities"], strict=True)}


def test_the_plan_of_the_worked_example(client: TestClient, auth_headers: KeyFactory, example: dict[str, str]) -> None:
    headers = auth_headers("Org B", "reader")
    name_of = {v: k for k, v in example.items()}
    small = client.post("/v1/analysis/plans", json={"budget": 2}, headers=headers)
    assert small.status_code == 200, small.text
    body = small.json()
    assert body["coalition"] == ["de-police", "nl-fiu"] and body["substitution"] == "affiliates"
    assert [name_of[t["id"]] for t in body["targets"]] == ["mixer"]
    assert body["objective"]["loss"] == 6 and body["objective"]["optimal"] is True
    mixer = body["targets"][0]
    assert mixer["actions"] == [{"organization": "nl-fiu", "action": "freeze"}]
    assert mixer["countries"] == ["NL"] and mixer["cost"] == 2 and mixer["loss"] == 6
    assert mixer["explanation"].startswith("Freezing mixer (mixer, NL; nl-fiu can freeze it) cuts mixer for 3 actors")
    assert body["tasks"] == [
        {"organization": "nl-fiu", "targets": [{"id": example["mixer"], "name": "mixer", "actions": ["freeze"]}]}
    ]
    assert {(name_of[a["id"]], a["harm"], tuple(a["lost"])) for a in body["losses"]} == {
        ("core", 3, ("financier/mixer",)),
        ("affiliate_1", 2, ("financier/mixer",)),
        ("affiliate_2", 1, ("financier/mixer",)),
    }
    # Who to recruit: the core (RU) cuts 11 alone, and no member can act on it.
    assert body["gaps"][0] == {
        "id": example["core"],
        "name": "core",
        "kind": "actor",
        "category": "group",
        "countries": ["RU"],
        "loss": 11,
    }
    assert all(name_of[g["id"]] not in ("mixer", "host_east", "cobalt_strike") for g in body["gaps"])
    assert {b["method"] for b in body["baselines"]} == {"degree", "betweenness", "fragmentation"}
    assert all(b["loss"] <= body["objective"]["loss"] and b["cost"] <= 2 for b in body["baselines"])

    larger = client.post("/v1/analysis/plans", json={"budget": 4}, headers=headers).json()
    assert sorted(name_of[t["id"]] for t in larger["targets"]) == ["host_east", "mixer"]
    assert larger["objective"] == {**larger["objective"], "loss": 8, "optimal": True, "upper_bound": 8}
    east = next(t for t in larger["targets"] if name_of[t["id"]] == "host_east")
    assert east["explanation"].startswith(
        "Taking down host_east (bulletproof hosting, DE; de-police can take it down, seize it or arrest it) cuts "
        "bulletproof hosting for 1 actor who targets 1 victim"
    )
    assert "keep bulletproof hosting through host_island" in east["explanation"]
    assert [task["organization"] for task in larger["tasks"]] == ["de-police", "nl-fiu"]
    # The affiliates' substitution: the core keeps hosting through affiliate_2's Host Island.
    moved = {(name_of[d["id"]], d["route"]): [s["name"] for s in d["suppliers"]] for d in larger["displacement"]}
    assert moved[("core", "affiliates")] == ["host_island"]

    # Only nl-fiu: host_east is out of reach; none: nothing to do, and the answer says why.
    fiu = client.post("/v1/analysis/plans", json={"budget": 4, "coalition": ["nl-fiu"]}, headers=headers).json()
    assert [name_of[t["id"]] for t in fiu["targets"]] == ["mixer"]
    market = client.post("/v1/analysis/plans", json={"budget": 4, "substitution": "market"}, headers=headers).json()
    assert market["objective"]["loss"] == 6


def test_plans_as_jobs_answer_what_they_answer_at_once(
    client: TestClient, auth_headers: KeyFactory, example: dict[str, str]
) -> None:
    headers = auth_headers("Org B", "reader")
    direct = client.post("/v1/analysis/plans", json={"budget": 4}, headers=headers).json()
    accepted = client.post("/v1/analysis/plans", params={"background": "true"}, json={"budget": 4}, headers=headers)
    assert accepted.status_code == 202, accepted.text
    for _ in range(600):
        job = client.get(accepted.headers["Location"], headers=headers).json()
        if job["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "succeeded" and job["kind"] == "plan", job
    for answer in (direct, job["result"]):
        answer["objective"].pop("seconds")
    assert job["result"] == direct
    assert client.get(accepted.headers["Location"], headers=auth_headers("Org C", "reader")).status_code == 404


def test_bad_plans_are_422_naming_the_field_and_hidden_actors_look_like_missing_ones(
    client: TestClient, auth_headers: KeyFactory, example: dict[str, str]
) -> None:
    hidden = client.post(
        "/v1/bundles",
        json={"entities": [{"kind": "actor", "name": "Ghost", "tlp": "RED"}]},
        headers=auth_headers("Org Z"),
    ).json()["entities"][0]["id"]
    headers = auth_headers("Org B", "reader")

    def problem(body: dict[str, Any]) -> dict[str, Any]:
        response = client.post("/v1/analysis/plans", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
        return dict(response.json()["error"]["problems"][0])

    assert problem({"budget": 0})["location"] == ["body", "budget"]
    assert problem({"budget": -1})["location"] == ["body", "budget"]
    assert problem({"budget": 2, "substitution": "magic"})["location"] == ["body", "substitution"]
    assert problem({"budget": 2, "coalition": ["nl-fiu", "Nobody"]})["location"] == ["body", "coalition", 1]
    assert problem({"budget": 2, "criticality": {"tool": 2}})["location"] == ["body", "criticality", "tool"]
    assert problem({"budget": 2, "require": [example["core"]]})["location"] == ["body", "require", 0]
    assert problem({"budget": 2, "actors": [example["mixer"]]})["location"] == ["body", "actors", 0]
    # An actor the caller cannot see is answered exactly as an id that does not exist (the id aside).
    missing = "actor--00000000-0000-4000-8000-000000000000"
    for field in ("actors", "exclude", "require"):
        seen_hidden = problem({"budget": 2, field: [hidden]})
        seen_missing = problem({"budget": 2, field: [missing]})
        assert seen_hidden["location"] == seen_missing["location"] == ["body", field, 0]
        assert seen_hidden["message"].replace(hidden, "ID") == seen_missing["message"].replace(missing, "ID")
        assert len(hidden) == len(missing)


def test_the_capability_ranking_is_the_default_and_never_ranks_victims_or_software(
    client: TestClient, auth_headers: KeyFactory, example: dict[str, str]
) -> None:
    headers = auth_headers("Org B", "reader")
    name_of = {v: k for k, v in example.items()}
    body = client.get("/v1/analysis/chokepoints", headers=headers).json()
    assert body["method"] == "capability" and body["substitution"] == "affiliates"
    ranked = [(name_of[c["id"]], c["score"]) for c in body["chokepoints"]]
    assert ranked[:3] == [("core", 11), ("mixer", 6), ("affiliate_1", 4)]
    assert {name for name, _ in ranked} <= {n for n, kind, *_ in EXAMPLE if kind != "victim"} - {"cobalt_strike"}
    assert body["chokepoints"][1]["metrics"]["capabilities_lost"] == ["financier/mixer"]
    actionable = client.get("/v1/analysis/chokepoints", params={"actionable": "true"}, headers=headers).json()
    assert [(name_of[c["id"]], c["score"]) for c in actionable["chokepoints"]] == [("mixer", 6), ("host_east", 2)]
    assert actionable["chokepoints"][0]["metrics"]["actions"] == [["nl-fiu", "freeze"]]
    none = client.get("/v1/analysis/chokepoints", params={"substitution": "none", "top": 3}, headers=headers).json()
    assert [name_of[c["id"]] for c in none["chokepoints"]] == ["core", "mixer", "host_east"]
    for method in ("capability", "fragmentation", "betweenness", "articulation", "degree"):
        scores = [
            c["score"]
            for c in client.get("/v1/analysis/chokepoints", params={"method": method}, headers=headers).json()[
                "chokepoints"
            ]
        ]
        assert scores == sorted(scores, reverse=True), method
    assert (
        client.get(
            "/v1/analysis/chokepoints", params={"method": "degree", "actionable": "true"}, headers=headers
        ).status_code
        == 422
    )


def test_what_if_answers_the_capability_loss_under_each_rule(
    client: TestClient, auth_headers: KeyFactory, example: dict[str, str]
) -> None:
    headers = auth_headers("Org B", "reader")
    name_of = {v: k for k, v in example.items()}
    losses = {}
    for rule in ("none", "affiliates", "market"):
        response = client.post(
            "/v1/analysis/disruption", json={"remove": [example["host_east"]], "substitution": rule}, headers=headers
        )
        assert response.status_code == 200, response.text
        capabilities = response.json()["capabilities"]
        assert capabilities["substitution"] == rule
        losses[rule] = capabilities["loss"]
        if rule == "affiliates":
            assert [(name_of[a["id"]], a["lost"]) for a in capabilities["losses"]] == [
                ("affiliate_1", ["service_provider/bulletproof_hosting"])
            ]
            moved = {(name_of[d["id"]], d["route"]) for d in capabilities["displacement"]}
            assert ("core", "affiliates") in moved
    assert losses == {"none": 5, "affiliates": 2, "market": 0}


def test_a_graph_without_the_layers_says_so(client: TestClient, auth_headers: KeyFactory) -> None:
    bundle = {"entities": [{"kind": "actor", "name": "Lonely"}]}
    assert client.post("/v1/bundles", json=bundle, headers=auth_headers("Org A")).status_code == 200
    headers = auth_headers("Org B", "reader")
    ranking = client.get("/v1/analysis/chokepoints", headers=headers).json()
    assert ranking["chokepoints"] == []
    assert any(note.startswith("No suppliers") for note in ranking["notes"])
    assert any(note.startswith("No financier entities") for note in ranking["notes"])
    answer = client.post("/v1/analysis/plans", json={"budget": 3}, headers=headers).json()
    assert answer["targets"] == [] and answer["objective"]["loss"] == 0
    assert any(note.startswith("No coalition") for note in answer["notes"])


def test_the_command_sets_a_profile(settings: Settings, graph: GraphStore) -> None:
    env = _env_for(settings)
    assert _run("orgs", "create", "DE Police", env=env).returncode == 0
    updated = _run("orgs", "update", "DE Police", "--jurisdictions", "nl,DE", "--actions", "takedown,seize", env=env)
    assert updated.returncode == 0, updated.stderr
    assert "DE Police: jurisdictions DE,NL; actions seize,takedown" in updated.stderr
    bad = _run("orgs", "update", "DE Police", "--jurisdictions", "XX", env=env)
    assert bad.returncode != 0 and "XX" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    (profile,) = organizations.list_profiles(graph)
    assert (profile.jurisdictions, profile.actions) == (("DE", "NL"), ("seize", "takedown"))
