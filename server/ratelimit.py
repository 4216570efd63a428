"""Rate limits: commands per connection, and failed joins and new rooms per client address.

A connection's commands go through a token bucket of its own: it lives and dies with the
connection, and is checked on every frame. What is counted per client address must hold
across every process behind the balancer, so it is counted by the `limits` library in the
backend's storage: this process's memory, or the Redis the processes share.
"""

from __future__ import annotations

import time

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter

from protocol import limits


class RateLimit:
    """Token bucket per connection."""

    def __init__(self, rate: float = limits.RATE_PER_SECOND, burst: int = limits.RATE_BURST):
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.last = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def retry_after(self) -> float:
        """Seconds until the next command would be taken."""
        return max(1 - self.tokens, 0) / self.rate


class AddressLimits:
    """Per client address, in a moving window: failed joins (a wrong room code, token or
    screen ticket), so that codes cannot be guessed, and rooms created, so that one
    address cannot fill the store. Each answer is None (go ahead) or the seconds to wait."""

    def __init__(self, storage: Storage, failed_joins_per_minute: int, rooms_per_hour: int):
        self.limiter = MovingWindowRateLimiter(storage)
        self.failed_joins: RateLimitItem = RateLimitItemPerMinute(failed_joins_per_minute)
        self.rooms: RateLimitItem = RateLimitItemPerHour(rooms_per_hour)

    async def join_wait(self, client: str) -> float | None:
        """Before a hello: may `client` try, or has it failed too often lately?"""
        if await self.limiter.test(self.failed_joins, "join", client):
            return None
        return await self._wait(self.failed_joins, "join", client)

    async def join_failed(self, client: str) -> None:
        await self.limiter.hit(self.failed_joins, "join", client)

    async def create_wait(self, client: str) -> float | None:
        """Counts a room `client` is about to create, unless it has created too many."""
        if await self.limiter.hit(self.rooms, "create", client):
            return None
        return await self._wait(self.rooms, "create", client)

    async def create_group_wait(self, client: str) -> float | None:
        """Counts a group `client` is about to create: groups are held to the rooms' hourly
        allowance, in a window of their own."""
        if await self.limiter.hit(self.rooms, "create-group", client):
            return None
        return await self._wait(self.rooms, "create-group", client)

    async def _wait(self, item: RateLimitItem, what: str, client: str) -> float:
        stats = await self.limiter.get_window_stats(item, what, client)
        return max(stats.reset_time - time.time(), 0.0)
