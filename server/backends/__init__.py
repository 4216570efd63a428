"""Where room logs live and how their events fan out: memory (default), later Redis."""

from __future__ import annotations

from .base import LOG_CAP, Backend, Conflict, Listener, end_and_erase, erase_if_ended, execute, read
from .memory import MemoryBackend

__all__ = [
    "Backend",
    "Conflict",
    "Listener",
    "MemoryBackend",
    "end_and_erase",
    "erase_if_ended",
    "execute",
    "open_backend",
    "read",
]


def open_backend(redis_url: str | None = None, *, room_ttl: float = 12 * 3600, log_cap: int = LOG_CAP) -> Backend:
    """Redis when a URL is configured (several processes share rooms), else memory."""
    if redis_url:
        from .redis import RedisBackend  # imported only when used

        return RedisBackend(redis_url, room_ttl=room_ttl, log_cap=log_cap)
    return MemoryBackend(room_ttl=room_ttl, log_cap=log_cap)
