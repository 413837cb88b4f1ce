"""Analyses in worker processes, off the API process.

A ranking is pure-Python NetworkX work: run on a thread of the API process it holds the interpreter lock, and
every other request waits its turn for it (scripts/load_test.py shows it; the figures are in docs/performance.md).
In worker processes the rankings take only CPU, and at a lower scheduling priority than the API and Neo4j, so
that interactive requests come first.

Pools of one process each: one for the analyses answered at once (small, quick ones) and one per job slot
(`background` of them), so that a quick ranking never queues behind an hour-long stability run, and cancelling a job
terminates its own worker and no other job's.

An argument wrapped in `Kept` (a projection) is kept by each worker process under its key, the few most recently
used, and sent again only to a worker that does not hold it: a second ranking of the same graph sends a key, not
the graph, and the worker finds the graph it built for the first.

A cancelled job's worker is terminated, not asked to stop: NetworkX has no point at which to ask, and the job must
free its worker at once. Only a job slot's worker is ever terminated; the inline one answers requests.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.managers import SyncManager
from typing import Any, Generic, TypeVar

from atlas_graph.errors import AtlasGraphError
from atlas_graph.processes import process_alive
from atlas_graph.services.jobs import JobCancelled

logger = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[float], None]

# How often a waiting job reads its worker's progress, and the least step a worker bothers to report.
PROGRESS_POLL_SECONDS = 0.25
PROGRESS_STEP = 0.01
# How often a worker checks that the API process that started it is still there.
OWNER_CHECK_SECONDS = 1.0
# How many kept arguments a worker process holds: a projection at 100,000 entities is some hundreds of MiB once its
# graph is built, and rankings of one graph come in runs (after an import, or as a planner changes the method).
KEPT_PER_WORKER = 2
# How many keys the API process remembers sending to each pool (a miss costs one round trip, then the value).
KEPT_REMEMBERED = 16


@dataclass(frozen=True)
class Kept(Generic[T]):
    """An argument for `AnalysisWorkers.run` that worker processes keep under `key` for the next runs.

    `key` must name `value` exactly (the same key, the same value), and the function must not change `value`.
    """

    key: Hashable
    value: T


@dataclass(frozen=True)
class _KeptKey:
    key: Hashable


class _NotKept(Exception):
    """Raised in a worker that was sent the key of an argument it does not hold (any more)."""


class WorkerCrashed(AtlasGraphError):
    """A worker process died during an analysis (killed, or out of memory); the pool is started afresh."""


class AnalysisWorkers:
    """Runs module-level functions in worker processes; `processes=0` runs them in the calling thread instead."""

    def __init__(self, *, background: int = 1, processes: bool = True, niceness: int = 10) -> None:
        self._enabled = processes
        # The job slots' pools not in use: a background run takes one and gives it back.
        self._free_slots: queue.SimpleQueue[str] = queue.SimpleQueue()
        for slot in range(background):
            self._free_slots.put(f"background-{slot}")
        self._niceness = niceness
        self._pools: dict[str, ProcessPoolExecutor] = {}
        self._manager: SyncManager | None = None
        self._progress: Any = None
        self._lock = threading.Lock()
        # The keys of the `Kept` arguments each pool was sent lately: worth trying the key alone next time.
        self._sent: dict[str, OrderedDict[Hashable, None]] = {}

    def run(
        self,
        function: Callable[..., T],
        /,
        *args: Any,
        background: bool = False,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        **kwargs: Any,
    ) -> T:
        """Call `function(*args, **kwargs)` in a worker and return its result (its exception is raised here).

        With `progress`, the function is given a `progress` callable too, whose reports reach `progress` here.
        With `cancelled` (background only), the wait checks it at each poll: once it is true, the worker is
        terminated and JobCancelled is raised. Without processes, the work stops only where `progress` raises.
        """
        if cancelled is not None and not background:
            raise ValueError("only background work may be cancelled: the inline worker answers other requests")
        if not self._enabled:
            args, kwargs = _unwrapped(args), {name: _unwrapped_one(value) for name, value in kwargs.items()}
            return function(*args, progress=progress, **kwargs) if progress is not None else function(*args, **kwargs)
        kind = self._free_slots.get() if background else "inline"
        try:
            kept = [value for value in (*args, *kwargs.values()) if isinstance(value, Kept)]
            with self._lock:
                sent = self._sent.setdefault(kind, OrderedDict())
                by_key = all(value.key in sent for value in kept)
            if kept and by_key:
                try:
                    return self._submit(kind, function, _as_keys(args), _as_keys(kwargs), progress, cancelled)
                except _NotKept:
                    pass  # a fresh worker: send the values
            result = self._submit(kind, function, args, kwargs, progress, cancelled)
            with self._lock:
                sent = self._sent.setdefault(kind, OrderedDict())
                for value in kept:
                    sent[value.key] = None
                    sent.move_to_end(value.key)
                while len(sent) > KEPT_REMEMBERED:
                    sent.popitem(last=False)
            return result
        finally:
            if background:
                self._free_slots.put(kind)

    def _submit(
        self,
        kind: str,
        function: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        progress: Progress | None,
        cancelled: Callable[[], bool] | None,
    ) -> T:
        token = uuid.uuid4().hex if progress is not None else None
        shared = self._shared_progress() if token is not None else None
        pool = self._pool(kind)
        future: Future[T] = pool.submit(_call, function, args, kwargs, shared, token)
        polled = progress is not None or cancelled is not None
        try:
            while True:
                if cancelled is not None and cancelled():
                    raise JobCancelled()
                try:
                    return future.result(timeout=PROGRESS_POLL_SECONDS if polled else None)
                except TimeoutError:
                    if progress is not None and shared is not None:
                        fraction = shared.get(token)
                        if fraction is not None:
                            progress(fraction)
        except BrokenProcessPool as error:
            self._discard(kind, pool)
            raise WorkerCrashed("the analysis worker process died; try again, or narrow the analysis") from error
        except JobCancelled:  # from the check above, or from `progress` (a job's report once it is cancelled)
            self._terminate(kind, pool)
            raise
        finally:
            if shared is not None:
                shared.pop(token, None)

    def shutdown(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
            self._sent = {}
            manager, self._manager = self._manager, None
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        if manager is not None:
            manager.shutdown()

    def _pool(self, kind: str) -> ProcessPoolExecutor:
        with self._lock:
            pool = self._pools.get(kind)
            if pool is None:
                # forkserver: forking the API process itself would copy its driver threads and their locks.
                pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("forkserver"),
                    initializer=_prepare_worker,
                    initargs=(self._niceness, os.getpid()),
                )
                self._pools[kind] = pool
            return pool

    def _discard(self, kind: str, pool: ProcessPoolExecutor) -> None:
        """Shut `pool` down, and forget it as the pool of `kind` if it still is: the next run starts a fresh one."""
        with self._lock:
            if self._pools.get(kind) is pool:
                del self._pools[kind]
                self._sent.pop(kind, None)
        pool.shutdown(wait=False, cancel_futures=True)

    def _terminate(self, kind: str, pool: ProcessPoolExecutor) -> None:
        """Stop the process of `pool` at once, and let the next run of `kind` start a fresh pool."""
        assert kind != "inline", "the inline worker answers requests: it is never terminated"
        processes = list((pool._processes or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
        self._discard(kind, pool)

    def _shared_progress(self) -> Any:
        with self._lock:
            if self._manager is None:
                manager = SyncManager(ctx=multiprocessing.get_context("forkserver"))
                # The manager holds the forkserver's "alive" pipe and the resource tracker's, as every forkserver
                # child does: while it ran on, orphaned, after a kill -9 of the API, so did both of them.
                manager.start(initializer=watch_owner, initargs=(os.getpid(),))
                self._manager = manager
                self._progress = manager.dict()
            return self._progress


def _prepare_worker(niceness: int, owner: int) -> None:
    try:
        os.nice(niceness)
    except OSError:  # not allowed here: run at the same priority rather than not at all
        logger.warning("could not lower the priority of analysis worker %s", os.getpid())
    # Workers are children of the forkserver, not of the API process, so nothing stops them when the service
    # does: a ranking started before Ctrl-C went on for minutes, orphaned, holding a core and the forkserver.
    watch_owner(owner)


def watch_owner(owner: int) -> None:
    """In a child process: exit as soon as `owner` (the API process) is gone, however it ended.

    The forkserver exits when no process holds its "alive" pipe any more, and the resource tracker when none holds
    its pipe; every forkserver child holds both, so the children's exit ends the whole tree.
    """
    threading.Thread(target=_exit_with_owner, args=(owner,), name="owner-watch", daemon=True).start()


def _exit_with_owner(owner: int) -> None:
    while process_alive(owner):
        time.sleep(OWNER_CHECK_SECONDS)
    os._exit(0)


def _call(function: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], shared: Any, token: Any) -> T:
    """In the worker: run the function, passing on its progress (throttled: each report is a round trip)."""
    args, kwargs = _kept_here(args), {name: _kept_here_one(value) for name, value in kwargs.items()}
    if shared is None:
        return function(*args, **kwargs)
    last = [-1.0, 0.0]

    def report(fraction: float) -> None:
        now = time.monotonic()
        if fraction - last[0] >= PROGRESS_STEP or now - last[1] >= 1.0:
            last[0], last[1] = fraction, now
            shared[token] = fraction

    return function(*args, progress=report, **kwargs)


# In a worker process: the kept arguments it holds, least recently used first.
_kept: OrderedDict[Hashable, Any] = OrderedDict()


def _kept_here(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_kept_here_one(value) for value in args)


def _kept_here_one(value: Any) -> Any:
    """In the worker: a `Kept` argument stored (and unwrapped), a key replaced by the value it names."""
    if isinstance(value, Kept):
        _kept[value.key] = value.value
        _kept.move_to_end(value.key)
        while len(_kept) > KEPT_PER_WORKER:
            _kept.popitem(last=False)
        return value.value
    if isinstance(value, _KeptKey):
        if value.key not in _kept:
            raise _NotKept()
        _kept.move_to_end(value.key)
        return _kept[value.key]
    return value


def _as_keys(arguments: Any) -> Any:
    if isinstance(arguments, dict):
        return {name: _KeptKey(value.key) if isinstance(value, Kept) else value for name, value in arguments.items()}
    return tuple(_KeptKey(value.key) if isinstance(value, Kept) else value for value in arguments)


def _unwrapped(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(_unwrapped_one(value) for value in args)


def _unwrapped_one(value: Any) -> Any:
    return value.value if isinstance(value, Kept) else value
