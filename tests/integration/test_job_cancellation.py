"""Cancelling an analysis job (DELETE /v1/analysis/jobs/{id}) with real worker processes, as the service runs them:
the worker is terminated, the next job gets a fresh one, and another organization can neither cancel nor see it."""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from atlas_graph.processes import process_alive
from atlas_graph.synthetic import generate_ecosystem
from tests.conftest import KeyFactory

WAIT_SECONDS = 60
# A capability ranking with 500 resampled graphs of the test's ecosystem runs for tens of seconds: far longer than the
# second or two the test takes to cancel it (were it done by then, the test would fail waiting for it to run, not pass).
LONG_RANKING = {"stability": "true", "samples": 500, "method": "capability"}
QUICK_JOB = {"background": "true", "method": "degree", "top": 3}


def poll(client: TestClient, location: str, headers: dict[str, str], done: Any) -> dict[str, Any]:
    """GET the job until `done(job)` holds (within WAIT_SECONDS); returns the job as last read."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        job: dict[str, Any] = client.get(location, headers=headers).json()
        if done(job):
            return job
        assert time.monotonic() < deadline, f"gave up waiting: {job}"
        time.sleep(0.1)


def without_request_id(body: dict[str, Any], job_id: str) -> dict[str, Any]:
    body.pop("request_id", None)
    return {**body, "error": {**body["error"], "message": body["error"]["message"].replace(job_id, "<id>")}}


def background_workers(app: FastAPI) -> set[int]:
    """The pids of the job worker processes running now (none before the first job)."""
    pools = [pool for kind, pool in app.state.workers._pools.items() if kind.startswith("background")]
    return {pid for pool in pools for pid in pool._processes or {}}


def test_a_running_job_is_cancelled_its_worker_terminated_and_the_next_job_gets_a_fresh_one(
    app: FastAPI, client: TestClient, auth_headers: KeyFactory
) -> None:
    owner, other = auth_headers("Org A", "reader"), auth_headers("Org B", "reader")
    ecosystem = generate_ecosystem(entities=200, relationships=1000, seed=3)
    assert client.post("/v1/bundles", json=ecosystem.as_bundle(), headers=auth_headers("Org A")).status_code == 200

    accepted = client.get("/v1/analysis/chokepoints", params=LONG_RANKING, headers=owner)
    assert accepted.status_code == 202, accepted.text
    job_id, location = accepted.json()["job_id"], accepted.json()["location"]
    # Progress comes from the worker process: once there is some, the work runs there.
    poll(client, location, owner, lambda job: job["status"] == "running" and job["progress"] > 0)
    (worker,) = background_workers(app)
    assert process_alive(worker)

    # Another organization's DELETE answers exactly like an unknown id's, and the job runs on.
    theirs = client.delete(location, headers=other)
    unknown = client.delete("/v1/analysis/jobs/job--nope", headers=other)
    assert theirs.status_code == unknown.status_code == 404
    assert without_request_id(theirs.json(), job_id) == without_request_id(unknown.json(), "job--nope")
    assert client.get(location, headers=owner).json()["status"] == "running"
    assert process_alive(worker)

    cancelled = client.delete(location, headers=owner)
    assert cancelled.status_code == 200, cancelled.text
    answer = cancelled.json()
    assert (answer["job_id"], answer["status"], answer["result"], answer["error"]) == (job_id, "cancelled", None, None)
    assert answer["finished_at"] is not None and answer["started_at"] is not None
    assert poll(client, location, owner, lambda job: job["status"] != "running")["status"] == "cancelled"
    deadline = time.monotonic() + WAIT_SECONDS
    while process_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_alive(worker), "the cancelled job's worker process is still there"
    # A second DELETE changes nothing: the job is finished, and the answer says how.
    again = client.delete(location, headers=owner).json()
    assert (again["status"], again["finished_at"]) == ("cancelled", answer["finished_at"])

    # The next job runs in a fresh worker and succeeds; another organization's DELETE of it does not stop it.
    quick = client.get("/v1/analysis/chokepoints", params=QUICK_JOB, headers=owner)
    assert quick.status_code == 202, quick.text
    assert client.delete(quick.json()["location"], headers=other).status_code == 404
    done = poll(client, quick.json()["location"], owner, lambda job: job["status"] not in ("queued", "running"))
    assert done["status"] == "succeeded", done
    assert len(done["result"]["chokepoints"]) == 3
    assert background_workers(app) and worker not in background_workers(app)
    # The worker that answers at once was never touched.
    assert client.get("/v1/analysis/chokepoints", params={"method": "degree"}, headers=owner).status_code == 200
