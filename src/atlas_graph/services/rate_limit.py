"""Rate limiting in this process: requests per API key, and failed authentications per client address."""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable

from atlas_graph.errors import RateLimited

# Past this many buckets, those back at their full burst (which say nothing a new bucket would not) are dropped, and
# if that is not enough, the longest untouched: a flood of one-off addresses cannot grow the table without bound.
# Forgetting an address gives it a fresh allowance, which is all a flood from that many addresses could get anyway.
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
        kept = {
            name: (tokens, last)
            for name, (tokens, last) in self._buckets.items()
            if tokens + (now - last) * self._rate < self._burst
        }
        if len(kept) >= MAX_IDLE_BUCKETS // 2:
            # Keep the most recently touched half, so that the next scan is as far away as this one.
            newest = sorted(kept.items(), key=lambda item: item[1][1], reverse=True)[: MAX_IDLE_BUCKETS // 2]
            kept = dict(newest)
        self._buckets = kept


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
        address = client_network(address)
        wait = self._buckets.wait(address)
        if wait is not None:
            raise RateLimited(f"too many failed authentications from this address; retry in {wait} s", retry_after=wait)

    def failed(self, address: str) -> None:
        """Count one failed authentication of `address`."""
        self._buckets.take(client_network(address))


def client_network(address: str) -> str:
    """What one client is: its IPv4 address, or its IPv6 /64, which one subscriber usually holds whole."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)
