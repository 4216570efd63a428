"""Where room logs live and how their events fan out: memory (default), later Redis."""

from __future__ import annotations

from .base import Backend, Conflict, Listener, execute
from .memory import MemoryBackend

__all__ = ["Backend", "Conflict", "Listener", "MemoryBackend", "execute", "open_backend"]


def open_backend(redis_url: str | None = None, *, room_ttl: float = 12 * 3600) -> Backend:
    if redis_url:
        raise NotImplementedError("the Redis backend is not built yet (issue 3)")
    return MemoryBackend(room_ttl=room_ttl)
