"""Settings from environment variables (listed in README.md); read once by the app factory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from protocol import limits

from .backends.base import LOG_CAP


@dataclass(frozen=True, slots=True)
class Settings:
    redis_url: str | None = None
    #: Origins allowed to open a websocket, besides the page's own origin; "*" allows all.
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    room_ttl: float = 12 * 3600
    #: Events kept per room for resume; a client further behind gets a fresh snapshot.
    log_cap: int = LOG_CAP
    #: Frames queued for one connection before it is closed as too slow.
    send_queue: int = limits.SEND_QUEUE
    #: Failed joins/resumes (wrong code or token) allowed per client address per minute.
    failed_joins_per_minute: int = 20
    #: People per room (facilitator and screens included). Groups are 4-12; the cap stops
    #: runaway joins. Raised only for load tests and plenary sessions.
    max_participants: int = limits.MAX_PARTICIPANTS

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        origins = tuple(o.strip().rstrip("/") for o in env.get("KRING_ALLOWED_ORIGINS", "").split(",") if o.strip())
        return cls(
            redis_url=env.get("KRING_REDIS_URL") or None,
            allowed_origins=origins,
            room_ttl=float(env.get("KRING_ROOM_TTL", 12 * 3600)),
            log_cap=int(env.get("KRING_LOG_CAP", LOG_CAP)),
            send_queue=int(env.get("KRING_SEND_QUEUE", limits.SEND_QUEUE)),
            failed_joins_per_minute=int(env.get("KRING_FAILED_JOINS_PER_MINUTE", 20)),
            max_participants=int(env.get("KRING_MAX_PARTICIPANTS", limits.MAX_PARTICIPANTS)),
        )
