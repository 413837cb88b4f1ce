"""The per-key token bucket, on a fake clock."""

from __future__ import annotations

import pytest

from atlas_graph.errors import RateLimited
from atlas_graph.services import rate_limit
from atlas_graph.services.rate_limit import FailedAuthLimiter, RateLimiter


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


def test_failed_authentications_block_an_address_until_it_may_fail_again() -> None:
    now = [0.0]
    failures = FailedAuthLimiter(per_minute=6, burst=2, clock=lambda: now[0])
    failures.check("10.0.0.1")  # checking spends nothing
    failures.check("10.0.0.1")
    failures.failed("10.0.0.1")
    failures.failed("10.0.0.1")
    with pytest.raises(RateLimited) as refused:
        failures.check("10.0.0.1")
    assert refused.value.retry_after == 10  # six failures a minute: one every ten seconds
    failures.check("10.0.0.2")  # another address is not held back
    now[0] += 10.0
    failures.check("10.0.0.1")
    failures.failed("10.0.0.1")
    with pytest.raises(RateLimited):
        failures.check("10.0.0.1")


def test_idle_buckets_are_dropped_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_IDLE_BUCKETS", 3)
    now = [0.0]
    buckets = rate_limit.TokenBuckets(per_minute=60, burst=1, clock=lambda: now[0])
    for address in ("a", "b", "c"):
        assert buckets.take(address) is None
    assert buckets.take("a") == 1  # still empty: its entry is kept
    now[0] += 5.0  # every bucket is full again, so none needs to be remembered
    assert buckets.take("d") is None
    assert buckets.take("d") == 1
    assert len(buckets._buckets) == 1


def test_an_ipv6_client_is_its_64_and_a_mapped_ipv4_its_address() -> None:
    failures = FailedAuthLimiter(per_minute=1, burst=1, clock=lambda: 0.0)
    failures.failed("2001:db8:1:2::1")
    with pytest.raises(RateLimited):
        failures.check("2001:db8:1:2:ffff::9")  # another address of the same /64
    failures.check("2001:db8:1:3::1")
    failures.failed("::ffff:192.0.2.1")
    with pytest.raises(RateLimited):
        failures.check("192.0.2.1")
    assert rate_limit.client_network("testclient") == "testclient"


def test_a_flood_of_addresses_keeps_the_table_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rate_limit, "MAX_IDLE_BUCKETS", 10)
    now = [0.0]
    buckets = rate_limit.TokenBuckets(per_minute=1, burst=1, clock=lambda: now[0])
    for n in range(100):
        now[0] += 0.001
        buckets.take(f"address-{n}")  # each left empty: none is full again within the test
        assert len(buckets._buckets) <= 10
    assert buckets.take("address-99") is not None  # the newest are still remembered
