"""Token buckets: commands per connection, and failed joins per client address."""

from __future__ import annotations

import time

from protocol import limits


class RateLimit:
    """Token bucket per connection."""

    def __init__(self, rate: float = limits.RATE_PER_SECOND, burst: int = limits.RATE_BURST):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.last = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now

    def empty(self) -> bool:
        self._refill()
        return self.tokens < 1

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class JoinGuard:
    """Limits failed joins and resumes per client address, so codes cannot be guessed."""

    def __init__(self, per_minute: float = 20, burst: int = 20, max_clients: int = 10_000):
        # A wrong code or token costs a token; 20 a minute leaves ~1 in 44 million
        # chance per minute of hitting one of 20 open rooms by guessing.
        self.per_second, self.burst, self.max_clients = per_minute / 60, burst, max_clients
        self.buckets: dict[str, RateLimit] = {}

    def _bucket(self, client: str) -> RateLimit:
        bucket = self.buckets.get(client)
        if bucket is None:
            if len(self.buckets) >= self.max_clients:
                self.buckets.clear()
            bucket = self.buckets[client] = RateLimit(self.per_second, self.burst)
        return bucket

    def blocked(self, client: str) -> bool:
        return self._bucket(client).empty()

    def failed(self, client: str) -> None:
        self._bucket(client).take()
