"""Where room logs live and how their events fan out: memory (default) and Redis."""

from __future__ import annotations

from collections.abc import Sequence

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
    redis_urls: Sequence[str] = (), *, room_ttl: float = 12 * 3600, log_cap: int = LOG_CAP, max_rooms: int = MAX_ROOMS
) -> Backend:
    """Redis when URLs are configured (several processes share rooms; several servers
    share the rooms out, redis_shards.py), else memory."""
    if not redis_urls:
        return MemoryBackend(room_ttl=room_ttl, log_cap=log_cap, max_rooms=max_rooms)
    from .redis import RedisBackend  # imported only when used

    shards = [RedisBackend(url, room_ttl=room_ttl, log_cap=log_cap, max_rooms=max_rooms) for url in redis_urls]
    if len(shards) == 1:
        return shards[0]
    from .redis_shards import ShardedRedis

    return ShardedRedis(shards, max_rooms=max_rooms)
