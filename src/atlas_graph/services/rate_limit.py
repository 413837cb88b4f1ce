"""Per-key request rate limiting: a token bucket per API key, in this process."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from atlas_graph.errors import RateLimited


class RateLimiter:
    """Each key may burst up to `burst` requests and then make `per_minute` requests a minute."""

    def __init__(self, *, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key_id: str) -> None:
        """Spend one token of `key_id`'s bucket, or raise RateLimited saying when to retry."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self._rate) if self._rate > 0 else 60
                raise RateLimited(f"too many requests for this API key; retry in {wait} s", retry_after=wait)
            self._buckets[key_id] = (tokens - 1.0, now)
