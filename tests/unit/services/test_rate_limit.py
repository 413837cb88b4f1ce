"""The per-key token bucket, on a fake clock."""

from __future__ import annotations

import pytest

from atlas_graph.errors import RateLimited
from atlas_graph.services.rate_limit import RateLimiter


def test_burst_then_refill_per_key() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("key-a")
    with pytest.raises(RateLimited) as refused:
        limiter.check("key-a")
    assert refused.value.retry_after == 1
    limiter.check("key-b")  # another key has its own bucket
    now[0] += 1.0  # one request a second comes back
    limiter.check("key-a")
    with pytest.raises(RateLimited):
        limiter.check("key-a")
    now[0] += 100.0  # never more than the burst saved up
    for _ in range(3):
        limiter.check("key-a")
    with pytest.raises(RateLimited):
        limiter.check("key-a")
