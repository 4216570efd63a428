"""Where room logs live and how their events fan out: memory (default) and Redis."""

from __future__ import annotations

from .base import (
    LOG_CAP,
    MAX_ROOMS,
    Backend,
    Conflict,
    Listener,
    RoomsFull,
    end_and_erase,
    erase_if_ended,
    execute,
    read,
)
from .memory import MemoryBackend

__all__ = [
    "Backend",
    "Conflict",
    "Listener",
    "MemoryBackend",
    "RoomsFull",
    "end_and_erase",
    "erase_if_ended",
    "execute",
    "open_backend",
    "read",
]


def open_backend(
    redis_url: str | None = None, *, room_ttl: float = 12 * 3600, log_cap: int = LOG_CAP, max_rooms: int = MAX_ROOMS
) -> Backend:
    """Redis when a URL is configured (several processes share rooms), else memory."""
    if redis_url:
        from .redis import RedisBackend  # imported only when used

        return RedisBackend(redis_url, room_ttl=room_ttl, log_cap=log_cap, max_rooms=max_rooms)
    return MemoryBackend(room_ttl=room_ttl, log_cap=log_cap, max_rooms=max_rooms)
