"""The job runner's counts in /metrics: queued and running while they are, finished by kind and state after."""

from __future__ import annotations

import threading
import time
from typing import Any

from atlas_graph.metrics import REGISTRY
from atlas_graph.services.jobs import JobRunner


def gauge(state: str) -> float:
    return REGISTRY.get_sample_value("atlas_analysis_jobs", {"state": state}) or 0.0


def finished(kind: str, state: str) -> float:
    return REGISTRY.get_sample_value("atlas_analysis_jobs_finished_total", {"kind": kind, "state": state}) or 0.0


def wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 10
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
