"""The job runner: its counts in /metrics (queued and running while they are, finished by kind and state after), and
cancelling a job queued, running, finished, or of another organization."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from atlas_graph.errors import NotFound
from atlas_graph.metrics import REGISTRY
from atlas_graph.services.jobs import Job, JobRunner


def gauge(state: str) -> float:
    return REGISTRY.get_sample_value("atlas_analysis_jobs", {"state": state}) or 0.0


def finished(kind: str, state: str) -> float:
    return REGISTRY.get_sample_value("atlas_analysis_jobs_finished_total", {"kind": kind, "state": state}) or 0.0


def wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_jobs_are_counted_by_state_and_a_cancelled_one_leaves_the_queue() -> None:
    queued, running, done = gauge("queued"), gauge("running"), finished("probe", "succeeded")
    release = threading.Event()
    runner = JobRunner(workers=1)
    first = runner.submit(kind="probe", organization="Org", work=lambda progress: release.wait(10))
    runner.submit(kind="probe", organization="Org", work=lambda progress: None)
    wait_for(lambda: first.status == "running")
    assert (gauge("queued") - queued, gauge("running") - running) == (1, 1)
    runner.shutdown()  # the second job is cancelled and never runs
    release.set()
    wait_for(lambda: first.status == "succeeded")
    wait_for(lambda: gauge("running") == running)
    assert gauge("queued") == queued
    assert finished("probe", "succeeded") - done == 1


def test_a_queued_job_cancelled_never_runs_and_the_queue_goes_on() -> None:
    cancelled_before, queued = finished("probe-queued", "cancelled"), gauge("queued")
    release, ran = threading.Event(), threading.Event()
    runner = JobRunner(workers=1)
    try:
        first = runner.submit(kind="probe-queued", organization="Org", work=lambda job: release.wait(60))
        second = runner.submit(kind="probe-queued", organization="Org", work=lambda job: ran.set())
        third = runner.submit(kind="probe-queued", organization="Org", work=lambda job: "third")
        wait_for(lambda: first.status == "running")
        answer = runner.cancel(second.id, organization="Org")
        assert answer is second
        assert (second.status, second.started_at, second.result) == ("cancelled", None, None)
        assert second.finished_at is not None
        release.set()
        wait_for(lambda: third.status == "succeeded")
        assert not ran.is_set(), "the cancelled job ran"
        assert (first.status, second.status, third.result) == ("succeeded", "cancelled", "third")
        assert finished("probe-queued", "cancelled") - cancelled_before == 1
        assert gauge("queued") == queued, "the cancelled job left the queued count"
    finally:
        release.set()
        runner.shutdown()


def reporting_until_stopped(started: threading.Event) -> Any:
    def work(job: Job) -> Any:
        while True:  # ends only when a report raises JobCancelled
            job.report(0.5)
            started.set()
            threading.Event().wait(0.01)

    return work


def test_a_running_job_cancelled_stops_at_its_next_report() -> None:
    cancelled_before, failed_before = finished("probe-running", "cancelled"), finished("probe-running", "failed")
    running = gauge("running")
    started = threading.Event()
    runner = JobRunner(workers=1)
    try:
        job = runner.submit(kind="probe-running", organization="Org", work=reporting_until_stopped(started))
        assert started.wait(60)
        answer = runner.cancel(job.id, organization="Org")
        assert answer.status == "cancelled", "the answer waits for the job to stop"
        assert (job.error, job.result, job.progress) == (None, None, 0.5)
        assert job.started_at is not None and job.finished_at is not None
        assert finished("probe-running", "cancelled") - cancelled_before == 1
        assert finished("probe-running", "failed") == failed_before
        wait_for(lambda: gauge("running") == running)
        # The worker thread is free again.
        after = runner.submit(kind="probe-running", organization="Org", work=lambda job: "next")
        wait_for(lambda: after.status == "succeeded")
    finally:
        runner.shutdown()


def test_another_organizations_cancel_is_not_found_and_the_job_runs_on() -> None:
    release = threading.Event()
    runner = JobRunner(workers=1)
    try:
        job = runner.submit(kind="probe-other", organization="Org", work=lambda job: release.wait(60) and "done")
        wait_for(lambda: job.status == "running")
        with pytest.raises(NotFound) as other:
            runner.cancel(job.id, organization="Other Org")
        with pytest.raises(NotFound) as unknown:
            runner.cancel("job--unknown", organization="Other Org")
        assert str(other.value) == str(unknown.value).replace("job--unknown", job.id)
        assert not job.cancelled()
        release.set()
        wait_for(lambda: job.status == "succeeded")
        assert job.result == "done"
    finally:
        release.set()
        runner.shutdown()


def test_cancelling_a_finished_job_leaves_it_as_it_is() -> None:
    runner = JobRunner(workers=1)
    try:
        done = runner.submit(kind="probe-finished", organization="Org", work=lambda job: {"answer": 42})
        failed = runner.submit(kind="probe-finished", organization="Org", work=lambda job: 1 / 0)
        wait_for(lambda: done.status == "succeeded" and failed.status == "failed")
        before = [(job.status, job.result, job.error, job.finished_at, job.progress) for job in (done, failed)]
        for job in (done, failed):
            assert runner.cancel(job.id, organization="Org") is job
        assert [(job.status, job.result, job.error, job.finished_at, job.progress) for job in (done, failed)] == before
        assert not done.cancelled() and not failed.cancelled()
    finally:
        runner.shutdown()
