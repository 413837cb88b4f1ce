"""Chokepoints, disruption and jobs through the API, on the real Neo4j.

The fixture: six actors all use one bulletproof host ("Haven"); crews 1-3 target one clinic, crews 4-6 another;
a mixer launders for crews 1 and 2. Haven is the one entity whose removal splits the network in two.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from atlas_graph.config import Settings
from atlas_graph.errors import PayloadTooLarge
from atlas_graph.main import create_app
from atlas_graph.store.graph import GraphStore
from atlas_graph.store.projection import ProjectionCache, load_projection
from atlas_graph.store.scope import GraphScope
from tests.conftest import KeyFactory

ACTORS = [f"Crew {i}" for i in range(1, 7)]


def ecosystem() -> dict[str, Any]:
    def actor(name: str) -> dict[str, str]:
        return {"kind": "actor", "name": name}

    haven = {"kind": "service_provider", "name": "Haven"}
    mixer = {"kind": "financier", "name": "Tumble"}
    clinics = [{"kind": "victim", "name": "Clinic North"}, {"kind": "victim", "name": "Clinic South"}]
    relationships = []
    for index, name in enumerate(ACTORS):
        relationships.append({"type": "USES", "source": actor(name), "target": haven, "confidence": 90})
        clinic = clinics[index // 3]
        relationships.append({"type": "TARGETS", "source": actor(name), "target": clinic, "confidence": 70})
        if index < 2:
            relationships.append({"type": "LAUNDERS_FOR", "source": mixer, "target": actor(name), "confidence": 60})
    return {
        "entities": [
            *[actor(name) for name in ACTORS],
            {**haven, "category": "bulletproof_hosting"},
            {**mixer, "category": "mixer"},
            *clinics,
        ],
        "relationships": relationships,
    }


@pytest.fixture
def ids(client: TestClient, auth_headers: KeyFactory) -> dict[str, str]:
    bundle = ecosystem()
    response = client.post("/v1/bundles", json=bundle, headers=auth_headers("Org A"))
    assert response.status_code == 200, response.text
    created = response.json()["entities"]
    return {entity["name"]: item["id"] for entity, item in zip(bundle["entities"], created, strict=True)}


def test_the_bulletproof_host_is_the_top_chokepoint(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    response = client.get(
        "/v1/analysis/chokepoints",
        params={"top": 3, "method": "fragmentation"},
        headers=auth_headers("Org B", "reader"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"] == "fragmentation" and body["scope"]["nodes"] == 10 and body["scope"]["edges"] == 14
    first = body["chokepoints"][0]
    assert first["id"] == ids["Haven"] and first["rank"] == 1 and first["kind"] == "service_provider"
    assert first["name"] == "Haven" and first["category"] == "bulletproof_hosting"
    assert first["score"] > 0 and "Haven" in first["explanation"]
    assert first["metrics"]["degree"] == 6
    assert [c["rank"] for c in body["chokepoints"]] == list(range(1, len(body["chokepoints"]) + 1))


def test_kinds_restrict_what_is_ranked_and_methods_differ(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    headers = auth_headers("Org B", "reader")
    financiers = client.get(
        "/v1/analysis/chokepoints", params={"kinds": "financier", "method": "degree"}, headers=headers
    ).json()
    assert [c["id"] for c in financiers["chokepoints"]] == [ids["Tumble"]]
    for method in ("betweenness", "degree"):
        ranked = client.get("/v1/analysis/chokepoints", params={"method": method, "top": 1}, headers=headers).json()
        assert ranked["chokepoints"][0]["id"] == ids["Haven"], method
    # Haven is the only cut vertex: every other entity has a way around it.
    cut_vertices = client.get("/v1/analysis/chokepoints", params={"method": "articulation"}, headers=headers).json()
    assert [c["id"] for c in cut_vertices["chokepoints"]] == [ids["Haven"]]
    assert cut_vertices["chokepoints"][0]["metrics"]["pieces"] == [5, 4]
    assert client.get("/v1/analysis/chokepoints", params={"method": "magic"}, headers=headers).status_code == 422
    assert client.get("/v1/analysis/chokepoints", params={"top": 0}, headers=headers).status_code == 422


def test_disruption_before_after_and_lost_services(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    headers = auth_headers("Org B", "reader")
    response = client.post("/v1/analysis/disruption", json={"remove": [ids["Haven"]]}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["removed"] == [{"id": ids["Haven"], "name": "Haven", "kind": "service_provider"}]
    assert body["before"]["nodes"] == 10 and body["after"]["nodes"] == 9
    assert body["before"]["components"] == 1 and body["after"]["components"] == 2
    assert body["impact"]["components_created"] == 1
    assert body["before"]["actors_reaching_service"] == {"bulletproof_hosting": 6}
    assert body["after"]["actors_reaching_service"] == {}
    assert body["impact"]["actors_losing_service"] == 6
    assert {a["id"] for a in body["impact"]["lost_service_access"]} == {ids[name] for name in ACTORS}
    assert all(a["lost"] == ["bulletproof_hosting"] for a in body["impact"]["lost_service_access"])
    assert body["after"]["pairwise_connectivity"] < body["before"]["pairwise_connectivity"]

    unknown = client.post("/v1/analysis/disruption", json={"remove": ["actor--nope"]}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["error"]["problems"][0]["location"] == ["body", "remove", 0]
    assert client.post("/v1/analysis/disruption", json={"remove": []}, headers=headers).status_code == 422


def test_jobs_report_progress_and_result_to_their_organization_only(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    org_b, org_c = auth_headers("Org B", "reader"), auth_headers("Org C", "reader")
    params = {"top": 3, "stability": "true", "samples": 20}
    accepted = client.get("/v1/analysis/chokepoints", params=params, headers=org_b)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert job["location"] == f"/v1/analysis/jobs/{job['job_id']}" and accepted.headers["Location"] == job["location"]
    deadline = time.monotonic() + 60
    while True:
        polled = client.get(job["location"], headers=org_b).json()
        assert 0.0 <= polled["progress"] <= 1.0
        if polled["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert polled["status"] == "succeeded", polled
    result = polled["result"]
    assert polled["progress"] == 1.0 and result["stability_samples"] == 20
    assert result["chokepoints"][0]["id"] == ids["Haven"]
    assert 0.0 <= result["chokepoints"][0]["stability"]["frequency"] <= 1.0
    assert client.get(job["location"], headers=org_c).status_code == 404
    assert client.get("/v1/analysis/jobs/job--nope", headers=org_b).status_code == 404

    background = client.post(
        "/v1/analysis/disruption", params={"background": "true"}, json={"remove": [ids["Haven"]]}, headers=org_b
    )
    assert background.status_code == 202


def test_another_organizations_red_claims_change_nothing_for_a_third(
    client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    org_d, org_b = auth_headers("Org D"), auth_headers("Org B", "reader")
    before = client.get("/v1/analysis/chokepoints", params={"top": 5}, headers=org_b).json()
    disruption_before = client.post("/v1/analysis/disruption", json={"remove": [ids["Haven"]]}, headers=org_b).json()
    # Org D, in RED, reports a second host all crews use, a new actor, and its own weak view of a known edge.
    secret = {
        "entities": [
            {"kind": "service_provider", "name": "Shadow Host", "tlp": "RED"},
            {"kind": "actor", "name": "Phantom", "tlp": "RED"},
        ],
        "relationships": [
            *[
                {
                    "type": "USES",
                    "source": {"kind": "actor", "name": name},
                    "target": {"kind": "service_provider", "name": "Shadow Host"},
                    "tlp": "RED",
                }
                for name in ACTORS
            ],
            {
                "type": "AFFILIATED_WITH",
                "source": {"kind": "actor", "name": "Phantom"},
                "target": {"kind": "actor", "name": "Crew 1"},
                "tlp": "RED",
            },
            {
                "type": "USES",
                "source": {"kind": "actor", "name": "Crew 2"},
                "target": {"kind": "service_provider", "name": "Haven"},
                "tlp": "RED",
                "confidence": 5,
            },
        ],
    }
    assert client.post("/v1/bundles", json=secret, headers=org_d).status_code == 200
    after = client.get("/v1/analysis/chokepoints", params={"top": 5}, headers=org_b).json()
    disruption_after = client.post("/v1/analysis/disruption", json={"remove": [ids["Haven"]]}, headers=org_b).json()
    assert after == before
    assert disruption_after == disruption_before
    # The maker sees its own claims: its graph and ranking differ.
    seen_by_d = client.get("/v1/analysis/chokepoints", params={"top": 5}, headers=org_d).json()
    assert seen_by_d["scope"]["nodes"] == 12 and seen_by_d["scope"]["graph_version"] != before["scope"]["graph_version"]


def test_projection_filters(client: TestClient, auth_headers: KeyFactory, ids: dict[str, str]) -> None:
    headers = auth_headers("Org B", "reader")
    only_uses = client.get("/v1/analysis/chokepoints", params={"types": "USES"}, headers=headers).json()
    assert only_uses["scope"]["edges"] == 6 and only_uses["scope"]["types"] == ["USES"]
    confident = client.get("/v1/analysis/chokepoints", params={"min_confidence": 65}, headers=headers).json()
    assert confident["scope"]["edges"] == 12


def test_an_analysis_over_the_size_limit_is_413_naming_the_limit_and_the_size(
    settings: Settings, graph: GraphStore, auth_headers: KeyFactory, ids: dict[str, str]
) -> None:
    # The fixture's graph is 10 nodes + 14 edges = 24 elements; only USES relationships, 10 + 6 = 16.
    limited = create_app(settings.model_copy(update={"max_analysis_elements": 23}), store=graph)
    headers = auth_headers("Org B", "reader")
    with TestClient(limited) as client:
        for _ in range(2):  # refused twice: an oversized projection is never cached
            refused = client.get("/v1/analysis/chokepoints", headers=headers)
            assert refused.status_code == 413, refused.text
            error = refused.json()["error"]
            assert error["code"] == "payload_too_large"
            assert "24 nodes plus edges (10 nodes, 14 edges)" in error["message"]
            assert "limit is 23 (ATLAS_MAX_ANALYSIS_ELEMENTS)" in error["message"]
        disruption = client.post("/v1/analysis/disruption", json={"remove": [ids["Haven"]]}, headers=headers)
        assert disruption.status_code == 413 and "24 nodes plus edges" in disruption.json()["error"]["message"]
        narrowed = client.get("/v1/analysis/chokepoints", params={"types": "USES"}, headers=headers)
        assert narrowed.status_code == 200 and narrowed.json()["scope"]["edges"] == 6
    exact = create_app(settings.model_copy(update={"max_analysis_elements": 24}), store=graph)
    with TestClient(exact) as client:
        assert client.get("/v1/analysis/chokepoints", headers=headers).status_code == 200


def test_a_cached_projection_is_checked_against_the_limit_too(graph: GraphStore, ids: dict[str, str]) -> None:
    cache = ProjectionCache()
    everything = GraphScope()
    projection = cache.get(graph, organization="Org B", scope=everything, max_elements=24)
    assert projection.graph.number_of_nodes() + projection.graph.number_of_edges() == 24
    with pytest.raises(PayloadTooLarge, match="24 nodes plus edges"):
        cache.get(graph, organization="Org B", scope=everything, max_elements=10)
    # Over the limit on a fresh load, rows past it are counted, not kept; the size is still exact.
    with pytest.raises(PayloadTooLarge, match=r"24 nodes plus edges \(10 nodes, 14 edges\)"):
        load_projection(graph, organization="Org B", scope=everything, max_elements=5)
