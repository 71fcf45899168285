"""How hard a worker tries: the delivery policy, a per-domain rate limit, the counts.

Kept apart from the loop (delivery.py) because they are plain values and arithmetic:
backoff doubles from `retry_base` up to `retry_cap` with jitter, so a relay that comes
back is not hit by every worker at the same second.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, fields
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    """How hard to try: batch size, lease, backoff, maximum age, per-domain rate."""

    batch: int = 50
    lease: timedelta = timedelta(minutes=5)
    retry_base: timedelta = timedelta(minutes=1)
    retry_cap: timedelta = timedelta(hours=1)
    max_age: timedelta = timedelta(days=2)
    per_domain_per_minute: float = 0.0  # 0: no limit

    def backoff(self, attempts: int) -> timedelta:
        """Wait before attempt `attempts + 1`: doubling from `retry_base`, capped, jittered."""
        raw = self.retry_base.total_seconds() * 2 ** max(0, min(attempts - 1, 30))
        capped = min(raw, self.retry_cap.total_seconds())
        return timedelta(seconds=capped * random.uniform(0.8, 1.0))


@dataclass
class Stats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0
    deferred: int = 0
    released: int = 0
    reclaimed: int = 0  # rows whose lease had run out (a worker died holding them)
    lost: int = 0  # rows taken over by another worker while this one was stalled

    def add(self, other: Stats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class DomainLimiter:
    """A token bucket per recipient domain; `wait` says how long until the next slot."""

    def __init__(self, per_minute: float, burst: float | None = None) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst if burst is not None else max(1.0, per_minute / 6.0)
        self._buckets: dict[str, tuple[float, datetime]] = {}
        self._lock = threading.Lock()  # one limiter for a worker's delivery threads

    def wait(self, domain: str, now: datetime) -> timedelta:
        if self.rate <= 0:
            return timedelta(0)
        with self._lock:
            return self._take(domain, now)

    def _take(self, domain: str, now: datetime) -> timedelta:
        tokens, at = self._buckets.get(domain, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at).total_seconds() * self.rate)
        if tokens >= 1.0:
            self._buckets[domain] = (tokens - 1.0, now)
            return timedelta(0)
        self._buckets[domain] = (tokens, now)
        return timedelta(seconds=(1.0 - tokens) / self.rate)
