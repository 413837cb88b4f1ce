"""Status resources of POST objects (section 4.3), kept in memory for a day, each readable by its organization only.

A POST is stored before it is answered, so every status is `complete`; the resource exists for clients that poll
it (taxii2-client does). Statuses live in the serving process: they are gone after a restart, and with several
worker processes a client may ask a worker that did not take the POST (docs/taxii.md).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from atlas_graph.errors import NotFound

RETENTION_SECONDS = 24 * 3600
CAPACITY = 10_000


class StatusBook:
    def __init__(self, *, retention_seconds: float = RETENTION_SECONDS, capacity: int = CAPACITY) -> None:
        self._retention = retention_seconds
        self._capacity = capacity
        self._lock = threading.Lock()
        self._statuses: OrderedDict[str, tuple[float, str, dict[str, Any]]] = OrderedDict()

    def record(self, *, organization: str, status: dict[str, Any]) -> dict[str, Any]:
        """Keep a status under a new id, and give it back with that id."""
        status = {"id": str(uuid.uuid4()), **status}
        with self._lock:
            self._forget_old()
            self._statuses[status["id"]] = (time.monotonic(), organization, status)
            while len(self._statuses) > self._capacity:
                self._statuses.popitem(last=False)
        return status

    def find(self, status_id: str, *, organization: str) -> dict[str, Any]:
        """A status of the caller's organization; another's is 404 like one that never was."""
        with self._lock:
            self._forget_old()
            entry = self._statuses.get(status_id)
        if entry is None or entry[1] != organization:
            raise NotFound(f"no status {status_id!r}")
        return entry[2]

    def _forget_old(self) -> None:
        boundary = time.monotonic() - self._retention
        while self._statuses:
            oldest = next(iter(self._statuses.values()))
            if oldest[0] >= boundary:
                break
            self._statuses.popitem(last=False)
