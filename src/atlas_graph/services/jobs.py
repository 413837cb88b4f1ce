"""Long computations as jobs: run in a background thread, report progress, keep the result for their organization."""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from atlas_graph.errors import AtlasGraphError, NotFound
from atlas_graph.metrics import JOB_DURATION, JOBS, JOBS_FINISHED

logger = logging.getLogger(__name__)

JobStatus = Literal["queued", "running", "succeeded", "failed"]
Progress = Callable[[float], None]


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

    def report(self, fraction: float) -> None:
        with self._lock:
            # Progress only moves forward, whatever order the steps report in.
            self.progress = max(self.progress, min(1.0, max(0.0, fraction)))


class JobRunner:
    """A small pool (analyses are CPU-bound; two cores here) and the last `keep` jobs, by id."""

    def __init__(self, *, workers: int = 1, keep: int = 200) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="atlas-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def submit(self, *, kind: str, organization: str, work: Callable[[Progress], Any]) -> Job:
        job = Job(id=f"job--{uuid.uuid4()}", kind=kind, organization=organization, created_at=datetime.now(UTC))
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                oldest = next(iter(self._jobs.values()))
                if oldest.status in ("queued", "running"):
                    break
                self._jobs.popitem(last=False)
        JOBS.labels(state="queued").inc()
        future = self._executor.submit(self._run, job, work)
        # A job cancelled at shutdown never runs: it waits no longer, so it leaves the queued count.
        future.add_done_callback(lambda done: JOBS.labels(state="queued").dec() if done.cancelled() else None)
        return job

    def get(self, job_id: str, *, organization: str) -> Job:
        """A job of the caller's organization; another organization's job answers like a missing one."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.organization != organization:
            raise NotFound(f"no job {job_id!r}")
        return job

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _run(job: Job, work: Callable[[Progress], Any]) -> None:
        JOBS.labels(state="queued").dec()
        JOBS.labels(state="running").inc()
        job.status = "running"
        job.started_at = datetime.now(UTC)
        try:
            job.result = work(job.report)
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
