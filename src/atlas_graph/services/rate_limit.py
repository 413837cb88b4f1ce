"""Rate limiting in this process: requests per API key, and failed authentications per client address."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from atlas_graph.errors import RateLimited

# Buckets back at their full burst say nothing that a new bucket would not; past this many, they are dropped so that
# a stream of one-off addresses cannot grow the table without bound.
MAX_IDLE_BUCKETS = 10_000


class TokenBuckets:
    """A token bucket per name: `burst` tokens at most, refilled at `per_minute` a minute."""

    def __init__(self, *, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, name: str) -> int | None:
        """Spend one of `name`'s tokens; None when it had one, else the seconds until it has one (nothing spent)."""
        with self._lock:
            tokens, now = self._refilled(name)
            if tokens < 1.0:
                self._buckets[name] = (tokens, now)
                return self._wait(tokens)
            self._buckets[name] = (tokens - 1.0, now)
            return None

    def wait(self, name: str) -> int | None:
        """The seconds until `name` has a token, or None when it has one now; spends nothing."""
        with self._lock:
            tokens, _ = self._refilled(name)
            return self._wait(tokens) if tokens < 1.0 else None

    def _refilled(self, name: str) -> tuple[float, float]:
        now = self._clock()
        if name not in self._buckets and len(self._buckets) >= MAX_IDLE_BUCKETS:
            self._drop_full_buckets(now)
        tokens, last = self._buckets.get(name, (self._burst, now))
        return min(self._burst, tokens + (now - last) * self._rate), now

    def _wait(self, tokens: float) -> int:
        return math.ceil((1.0 - tokens) / self._rate) if self._rate > 0 else 60

    def _drop_full_buckets(self, now: float) -> None:
        self._buckets = {
            name: (tokens, last)
            for name, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self._rate < self._burst
        }


class RateLimiter:
    """Each key may burst up to `burst` requests and then make `per_minute` requests a minute."""

    def __init__(self, *, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets = TokenBuckets(per_minute=per_minute, burst=burst, clock=clock)

    def check(self, key_id: str) -> None:
        """Spend one token of `key_id`'s bucket, or raise RateLimited saying when to retry."""
        wait = self._buckets.take(key_id)
        if wait is not None:
            raise RateLimited(f"too many requests for this API key; retry in {wait} s", retry_after=wait)


class FailedAuthLimiter:
    """Each client address may fail to authenticate `burst` times, then `per_minute` times a minute.

    Once an address has no failures left, all its requests are refused (429) before their key is even parsed, so
    that guessing keys costs the service nothing; a key that works spends nothing.
    """

    def __init__(self, *, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets = TokenBuckets(per_minute=per_minute, burst=burst, clock=clock)

    def check(self, address: str) -> None:
        """Raise RateLimited when `address` has used up its failed authentications."""
        wait = self._buckets.wait(address)
        if wait is not None:
            raise RateLimited(f"too many failed authentications from this address; retry in {wait} s", retry_after=wait)

    def failed(self, address: str) -> None:
        """Count one failed authentication of `address`."""
        self._buckets.take(address)
