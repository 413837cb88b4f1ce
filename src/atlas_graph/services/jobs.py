"""Long computations as jobs: run in a background thread, report progress, keep the result for their organization,
and stop when their organization cancels them."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from atlas_graph.errors import AtlasGraphError, NotFound
from atlas_graph.metrics import JOB_DURATION, JOBS, JOBS_FINISHED
from atlas_graph.models.analysis import JobStatus

logger = logging.getLogger(__name__)

FINISHED: frozenset[JobStatus] = frozenset({"succeeded", "failed", "cancelled"})
Progress = Callable[[float], None]
# How long a cancel waits for a running job to stop, so that its answer can say "cancelled": a job in a worker process
# stops at the next progress poll (a fraction of a second); work on a thread, at its next progress report.
CANCEL_WAIT_SECONDS = 5.0


class JobCancelled(Exception):
    """Raised inside a job's work when its organization cancelled it; `JobRunner` records it as "cancelled".

    Not an AtlasGraphError: it is how a job ends, never an answer to a request.
    """


@dataclass
class Job:
    id: str
    kind: str
    organization: str
    created_at: datetime
    status: JobStatus = "queued"
    progress: float = 0.0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: Any = None
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)
    _future: Future[None] | None = field(default=None, repr=False)

    def report(self, fraction: float) -> None:
        """Record progress; raises JobCancelled once the job is cancelled, which stops work that runs on a thread."""
        if self._cancel.is_set():
            raise JobCancelled(self.id)
        with self._lock:
            # Progress only moves forward, whatever order the steps report in.
            self.progress = max(self.progress, min(1.0, max(0.0, fraction)))

    def cancelled(self) -> bool:
        """True once the job's organization asked to cancel it: the work should stop."""
        return self._cancel.is_set()


class JobRunner:
    """A small pool (analyses are CPU-bound; two cores here) and the last `keep` jobs, by id."""

    def __init__(self, *, workers: int = 1, keep: int = 200) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="atlas-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def submit(self, *, kind: str, organization: str, work: Callable[[Job], Any]) -> Job:
        """Run `work(job)` when a worker thread is free; it reports through `job.report` and stops, when it can, once
        `job.cancelled()`."""
        job = Job(id=f"job--{uuid.uuid4()}", kind=kind, organization=organization, created_at=datetime.now(UTC))
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                oldest = next(iter(self._jobs.values()))
                if oldest.status in ("queued", "running"):
                    break
                self._jobs.popitem(last=False)
        JOBS.labels(state="queued").inc()
        job._future = future = self._executor.submit(self._run, job, work)
        # A job cancelled while queued (or at shutdown) never runs: it waits no longer, so it leaves the queued count.
        future.add_done_callback(lambda done: JOBS.labels(state="queued").dec() if done.cancelled() else None)
        return job

    def get(self, job_id: str, *, organization: str) -> Job:
        """A job of the caller's organization; another organization's job answers like a missing one."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.organization != organization:
            raise NotFound(f"no job {job_id!r}")
        return job

    def cancel(self, job_id: str, *, organization: str) -> Job:
        """Cancel a job of the caller's organization, as `get` finds it: a queued job never runs, a running one is
        stopped (waiting up to CANCEL_WAIT_SECONDS for it), and a finished one is left as it is."""
        job = self.get(job_id, organization=organization)
        with job._lock:
            if job.status in FINISHED:
                return job
            job._cancel.set()
            never_ran = job._future is not None and job._future.cancel()
            if never_ran:
                job.status = "cancelled"
                job.finished_at = datetime.now(UTC)
                JOBS_FINISHED.labels(kind=job.kind, state="cancelled").inc()
                job._finished.set()
        job._finished.wait(CANCEL_WAIT_SECONDS)
        return job

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _run(job: Job, work: Callable[[Job], Any]) -> None:
        JOBS.labels(state="queued").dec()
        with job._lock:
            # Cancelled after the thread took it but before it started: it never runs.
            if job._cancel.is_set():
                job.status, job.finished_at = "cancelled", datetime.now(UTC)
                JOBS_FINISHED.labels(kind=job.kind, state=job.status).inc()
                job._finished.set()
                return
            job.status = "running"
            job.started_at = datetime.now(UTC)
        JOBS.labels(state="running").inc()
        try:
            job.result = work(job)
        except JobCancelled:
            job.status = "cancelled"
        except AtlasGraphError as error:
            job.error = str(error)
            job.status = "failed"
        except Exception as error:  # a job must never die silently: record and log it
            logger.exception("job %s failed", job.id)
            job.error = f"internal error: {type(error).__name__}"
            job.status = "failed"
        else:
            job.progress = 1.0
            job.status = "succeeded"
        finally:
            job.finished_at = datetime.now(UTC)
            JOBS.labels(state="running").dec()
            JOBS_FINISHED.labels(kind=job.kind, state=job.status).inc()
            JOB_DURATION.labels(kind=job.kind).observe((job.finished_at - job.started_at).total_seconds())
            job._finished.set()
