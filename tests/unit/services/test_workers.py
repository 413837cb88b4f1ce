"""Analyses in worker processes: results, exceptions, progress, crashed and cancelled workers, the thread fallback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from atlas_graph.processes import process_alive
from atlas_graph.services.jobs import JobCancelled
from atlas_graph.services.workers import (
    KEPT_PER_WORKER,
    OWNER_CHECK_SECONDS,
    AnalysisWorkers,
    Kept,
    WorkerCrashed,
)


def where_and_how_nice() -> tuple[int, int]:
    return os.getpid(), os.nice(0)


def double(value: int) -> int:
    return 2 * value


def refuse(value: int) -> int:
    raise ValueError(f"no {value}")


def halfway_then_wait(seconds: float, progress: Callable[[float], None] | None = None) -> str:
    assert progress is not None
    progress(0.5)
    time.sleep(seconds)
    return "done"


def wait_for_file(path: str, progress: Callable[[float], None] | None = None) -> int:
    """Report, then wait (at most a minute) for `path` to exist; returns the worker's pid."""
    assert progress is not None
    progress(0.5)
    deadline = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getpid()


def identity(value: object, *, plus: int = 0) -> tuple[int, int, object]:
    """Where `value` lives: the process, the object's id there, and the value (with `plus` added to a number)."""
    return os.getpid(), id(value), value if not isinstance(value, int) else value + plus


def die() -> None:
    os._exit(3)


@pytest.fixture
def workers() -> Iterator[AnalysisWorkers]:
    pool = AnalysisWorkers(background=1)
    yield pool
    pool.shutdown()


def test_work_runs_in_another_process_at_a_lower_priority(workers: AnalysisWorkers) -> None:
    pid, niceness = workers.run(where_and_how_nice)
    assert pid != os.getpid()
    assert niceness >= os.nice(0) + 10 or niceness == 19
    assert workers.run(double, 21) == 42
    assert workers.run(double, value=4, background=True) == 8


def test_an_exception_in_the_worker_is_raised_to_the_caller(workers: AnalysisWorkers) -> None:
    with pytest.raises(ValueError, match="no 7"):
        workers.run(refuse, 7)
    assert workers.run(double, 1) == 2, "the worker survives an exception"


def test_progress_reaches_the_caller_while_the_work_runs(workers: AnalysisWorkers) -> None:
    reported: list[float] = []
    assert workers.run(halfway_then_wait, 1.0, background=True, progress=reported.append) == "done"
    assert 0.5 in reported


def test_a_dead_worker_is_an_error_and_the_next_run_gets_a_fresh_one(workers: AnalysisWorkers) -> None:
    with pytest.raises(WorkerCrashed):
        workers.run(die)
    assert workers.run(double, 5) == 10


def test_without_processes_the_work_runs_in_the_calling_thread() -> None:
    workers = AnalysisWorkers(processes=False)
    assert workers.run(where_and_how_nice)[0] == os.getpid()
    reported: list[float] = []
    assert workers.run(halfway_then_wait, 0.0, progress=reported.append) == "done"
    assert reported == [0.5]


ABANDONING_OWNER = """
import os, threading, time
from atlas_graph.services.workers import AnalysisWorkers

workers = AnalysisWorkers(background=1)
worker = workers.run(os.getpid, background=True)
threading.Thread(target=workers.run, args=(time.sleep, 300), kwargs={"background": True}, daemon=True).start()
time.sleep(0.5)
print(worker, flush=True)
os._exit(0)  # the service killed in the middle of a job: no shutdown of any kind
"""


def test_a_worker_busy_with_a_job_exits_soon_after_the_service_dies(tmp_path: Path) -> None:
    # Output to a file, not a pipe: an orphaned worker would hold a pipe open, and the run would never end.
    output = tmp_path / "worker-pid"
    with output.open("w") as sink:
        subprocess.run([sys.executable, "-c", ABANDONING_OWNER], stdout=sink, timeout=60, check=True)
    worker = int(output.read_text().split()[-1])
    deadline = time.monotonic() + 10 * OWNER_CHECK_SECONDS
    while process_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_alive(worker), "the worker outlived the process that started it"


def test_a_kept_argument_is_sent_once_and_found_by_the_next_runs(workers: AnalysisWorkers) -> None:
    value = {"graph": list(range(1000))}
    first = workers.run(identity, Kept(key="v1", value=value))
    second = workers.run(identity, Kept(key="v1", value=value))
    assert first[2] == second[2] == value
    assert first[0] == second[0] != os.getpid()
    assert first[1] == second[1], "the second run used the object the worker kept, not a fresh copy"
    other = workers.run(identity, Kept(key="v2", value={"graph": []}))
    assert other[2] == {"graph": []}
    keyword = workers.run(identity, value=Kept(key=3, value=3), plus=1, background=True)
    assert keyword[2] == 4


def test_a_worker_that_no_longer_holds_a_key_is_sent_the_value_again(workers: AnalysisWorkers) -> None:
    kept = [Kept(key=f"k{n}", value=f"value {n}") for n in range(KEPT_PER_WORKER + 2)]
    for argument in kept:
        assert workers.run(identity, argument)[2] == argument.value
    # The first ones are out of the worker's few by now, though the pool was sent them.
    assert workers.run(identity, kept[0])[2] == "value 0"
    with pytest.raises(WorkerCrashed):
        workers.run(die)
    assert workers.run(identity, kept[-1])[2] == kept[-1].value, "a fresh worker is sent the value"


def test_without_processes_a_kept_argument_is_passed_as_its_value() -> None:
    workers = AnalysisWorkers(processes=False)
    value = ["shared"]
    pid, where, passed = workers.run(identity, Kept(key="k", value=value))
    assert (pid, where, passed) == (os.getpid(), id(value), value)


def cancel_at_the_first_report(workers: AnalysisWorkers) -> None:
    """Background work that would sleep five minutes, cancelled as soon as its worker's first report arrives."""
    reported = threading.Event()
    with pytest.raises(JobCancelled):
        workers.run(
            halfway_then_wait,
            300.0,
            background=True,
            progress=lambda fraction: reported.set(),
            cancelled=reported.is_set,
        )


def test_cancelled_background_work_terminates_its_worker_and_the_next_run_gets_a_fresh_one(
    workers: AnalysisWorkers,
) -> None:
    inline = workers.run(os.getpid)
    busy = workers.run(os.getpid, background=True)
    started = time.monotonic()
    cancel_at_the_first_report(workers)
    assert time.monotonic() - started < 60
    deadline = time.monotonic() + 60
    while process_alive(busy) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_alive(busy), "the cancelled job's worker is still there"
    fresh = workers.run(os.getpid, background=True)
    assert fresh != busy and process_alive(fresh)
    assert workers.run(os.getpid) == inline, "the inline worker, which answers requests, is never terminated"


def test_cancelling_one_job_leaves_the_other_job_slots_workers_alone(tmp_path: Path) -> None:
    workers = AnalysisWorkers(background=2)
    try:
        release = tmp_path / "release"
        other_reported = threading.Event()
        other: list[int] = []
        thread = threading.Thread(
            target=lambda: other.append(
                workers.run(
                    wait_for_file, str(release), background=True, progress=lambda fraction: other_reported.set()
                )
            )
        )
        thread.start()
        assert other_reported.wait(60)
        cancel_at_the_first_report(workers)
        release.touch()
        thread.join(60)
        (pid,) = other
        assert pid != os.getpid(), "the other job ran on, in its own worker, to its end"
    finally:
        workers.shutdown()


def test_only_background_work_may_be_cancelled(workers: AnalysisWorkers) -> None:
    with pytest.raises(ValueError, match="only background work"):
        workers.run(double, 1, cancelled=lambda: False)


def test_without_processes_cancelled_work_stops_where_its_progress_raises() -> None:
    workers = AnalysisWorkers(processes=False)

    def cancelled_report(fraction: float) -> None:
        raise JobCancelled()

    with pytest.raises(JobCancelled):
        workers.run(halfway_then_wait, 300.0, background=True, progress=cancelled_report, cancelled=lambda: True)
