"""What the operator watches the service by: `/metrics` (who may read it, and that its figures move with what the
service does), the storage report, and JSON logs that carry the request id."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx2
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from atlas_graph.config import Settings
from atlas_graph.main import create_app
from atlas_graph.models.vocabulary import Role
from atlas_graph.store.graph import GraphStore
from tests.conftest import KeyFactory
from tests.integration.served import served

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: TestClient, headers: dict[str, str]) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_the_operators_by_default(client: TestClient, auth_headers: KeyFactory) -> None:
    assert client.get("/metrics").status_code == 401
    for role in (Role.READER, Role.ANALYST, Role.ADMIN):
        refused = client.get("/metrics", headers=auth_headers("Org A", role))
        assert refused.status_code == 403, role
        assert "atlas_" not in refused.text
    assert client.get("/metrics", headers=auth_headers("Org A", Role.OPERATOR)).status_code == 200


def test_metrics_for_loopback_clients_when_so_configured(settings: Settings, graph: GraphStore) -> None:
    app = create_app(settings.model_copy(update={"metrics_access": "loopback"}), store=graph)
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200
        remote = TestClient(app, client=("192.0.2.10", 40000))
        assert remote.get("/metrics").status_code == 403
        assert TestClient(app, client=("::1", 40000)).get("/metrics").status_code == 200


def test_metrics_follow_requests_bundles_jobs_and_the_write_lock(client: TestClient, auth_headers: KeyFactory) -> None:
    operator, analyst = auth_headers("Org Ops", Role.OPERATOR), auth_headers("Org A")
    before = scrape(client, operator)
    crews = [{"kind": "actor", "name": "Metric Crew"}, {"kind": "actor", "name": "Metric Crew Two"}]
    bundle = {"entities": crews, "relationships": [{"type": "AFFILIATED_WITH", "source": crews[0], "target": crews[1]}]}
    posted = client.post("/v1/bundles", json=bundle, headers=analyst)
    assert posted.status_code == 200, posted.text
    entity_id = posted.json()["entities"][0]["id"]
    assert client.get(f"/v1/entities/{entity_id}", headers=analyst).status_code == 200
    assert client.get("/v1/entities/actor--missing", headers=analyst).status_code == 404
    assert client.post("/v1/bundles", json={"entities": [{"kind": "nope"}]}, headers=analyst).status_code == 422
    job = client.get("/v1/analysis/chokepoints", params={"background": "true"}, headers=analyst)
    assert job.status_code == 202
    deadline = time.monotonic() + 60
    while client.get(job.json()["location"], headers=analyst).json()["status"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)  # a poll without a pause spends the key's rate allowance
    after = scrape(client, operator)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    entity_route = {"method": "GET", "route": "/v1/entities/{entity_id}"}
    assert grew("atlas_http_requests_total", **entity_route, status="200") == 1
    assert grew("atlas_http_requests_total", **entity_route, status="404") == 1
    assert grew("atlas_http_requests_total", method="POST", route="/v1/bundles", status="422") == 1
    assert grew("atlas_http_request_duration_seconds_count", **entity_route) == 2
    assert grew("atlas_http_request_duration_seconds_sum", **entity_route) > 0
    assert not [key for key in after if dict(key[1]).get("route", "").endswith("actor--missing")], "an id as label"
    assert grew("atlas_bundles_written_total") == 1  # the refused bundle wrote nothing
    assert grew("atlas_bundle_items_written_total", kind="entity") == 2
    assert grew("atlas_bundle_items_written_total", kind="relationship") == 1
    assert grew("atlas_write_lock_wait_seconds_count") >= 1
    assert grew("atlas_analysis_jobs_finished_total", kind="chokepoints", state="succeeded") == 1
    assert grew("atlas_analysis_job_duration_seconds_count", kind="chokepoints") == 1
    assert value(after, "atlas_analysis_jobs", state="running") == 0
    assert value(after, "atlas_neo4j_calls_in_flight") == 0
    assert value(after, "process_resident_memory_bytes") > 0


def test_storage_report_counts_the_graph_and_its_files(
    settings: Settings, client: TestClient, auth_headers: KeyFactory, graph: GraphStore
) -> None:
    operator, analyst = auth_headers("Org Ops", Role.OPERATOR), auth_headers("Org A")
    crews = [{"kind": "actor", "name": "Sized Crew"}, {"kind": "service_provider", "name": "Sized Host"}]
    bundle = {"entities": crews, "relationships": [{"type": "USES", "source": crews[0], "target": crews[1]}]}
    assert client.post("/v1/bundles", json=bundle, headers=analyst).status_code == 200
    assert client.get("/v1/storage", headers=auth_headers("Org A", Role.ADMIN)).status_code == 403
    report = client.get("/v1/storage", headers=operator).json()
    assert report["nodes_by_label"]["Organization"] == 2  # Org Ops (made for the test) and Org A
    assert report["relationships_by_type"]["USES"] == 1
    assert report["nodes"] >= sum(report["nodes_by_label"].get(label, 0) for label in ("Organization", "ApiKey"))
    if settings.uses_local_neo4j:
        assert report["neo4j"] == "local" and report["note"] is None
        assert report["store_bytes"] > 0 and report["transaction_log_bytes"] > 0
        assert 0 < report["disk_free_bytes"] <= report["disk_total_bytes"]

    # Against an external Neo4j, only what Cypher can tell: the counts, and unknown for the files.
    external = settings.model_copy(update={"neo4j_uri": "bolt://127.0.0.1:1"})
    with TestClient(create_app(external, store=graph)) as elsewhere:
        remote = elsewhere.get("/v1/storage", headers=operator).json()
    assert remote["neo4j"] == "external" and remote["nodes"] == report["nodes"]
    assert remote["transaction_log_bytes"] is None and remote["disk_free_bytes"] is None and remote["note"]


def test_json_logs_carry_the_request_id(settings: Settings, graph: GraphStore, tmp_path: Path) -> None:
    with served(settings, tmp_path, ATLAS_LOG_FORMAT="json") as server:
        answer = httpx2.get(f"{server.base}/healthz", headers={"X-Request-ID": "req-json-logs-1"}, timeout=10)
        assert answer.status_code == 200
        server.process.terminate()
        server.process.wait(timeout=30)
    # The command's own progress lines are plain text; every log record is a JSON object.
    records = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    assert any("Uvicorn running" in record["message"] for record in records), records
    (access,) = [record for record in records if record.get("request_id") == "req-json-logs-1"]
    assert (access["logger"], access["method"], access["path"], access["status"]) == (
        "uvicorn.access",
        "GET",
        "/healthz",
        200,
    )
    assert not [line for line in server.log.read_text().splitlines() if "Uvicorn running" in line and line[0] != "{"]
