"""Settings from environment variables (listed in README.md); read once at start-up.

A setting that makes no sense is refused with a message that names it, before the
server accepts anyone, rather than failing later in a room.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from protocol import limits

from .backends.base import LOG_CAP, MIN_ROOM_TTL
from .groups.db import DatabaseUrlError, database_url


class ConfigError(ValueError):
    """A setting is out of range or not a number; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    #: The Redis servers rooms are kept in (several: rooms are spread over them, see
    #: server/backends/redis_shards.py); none: one process, rooms in memory.
    redis_urls: tuple[str, ...] = ()
    #: Origins allowed to open a websocket, besides the page's own origin; "*" allows all.
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    #: Seconds a room without commands and without anyone connected is kept.
    room_ttl: float = 12 * 3600
    #: Events kept per room for resume; a client further behind gets a fresh snapshot.
    log_cap: int = LOG_CAP
    #: Frames queued for one connection before it is closed as too slow.
    send_queue: int = limits.SEND_QUEUE
    #: Cap on the kernel's send buffer per websocket in bytes; 0: the kernel's own (see server/transport.py).
    socket_sndbuf: int = 0
    #: Failed joins/resumes (wrong code, token or ticket) allowed per client address per minute.
    failed_joins_per_minute: int = 20
    #: Rooms one client address may create per hour.
    rooms_per_hour: int = 60
    #: Rooms the backend holds at most (all processes together with Redis).
    max_rooms: int = 10_000
    #: People per room (facilitator and screens included). Groups are 4-12; the cap stops
    #: runaway joins. Raised only for load tests and plenary sessions.
    max_participants: int = limits.MAX_PARTICIPANTS
    #: The groups' database (server/groups/): a SQLAlchemy URL; unset, SQLite in `data_dir`.
    database_url: str | None = None
    #: Where the embedded SQLite database lives (created on first run).
    data_dir: str = "data"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def number(name: str, default: float, minimum: float, kind: Callable[[str], float] = int) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number, not {raw!r}") from None
            if value < minimum:
                raise ConfigError(f"{name} must be at least {minimum:g}, not {raw}")
            return value

        db_url = env.get("KRING_DATABASE_URL", "").strip() or None
        try:
            database_url(db_url)
        except DatabaseUrlError as err:
            raise ConfigError(str(err)) from None
        origins = tuple(o.strip().rstrip("/") for o in env.get("KRING_ALLOWED_ORIGINS", "").split(",") if o.strip())
        return cls(
            redis_urls=redis_urls(env.get("KRING_REDIS_URL", "")),
            allowed_origins=origins,
            room_ttl=number("KRING_ROOM_TTL", 12 * 3600, MIN_ROOM_TTL, float),
            log_cap=int(number("KRING_LOG_CAP", LOG_CAP, 1)),
            send_queue=int(number("KRING_SEND_QUEUE", limits.SEND_QUEUE, 1)),
            socket_sndbuf=int(number("KRING_SOCKET_SNDBUF", 0, 0)),
            failed_joins_per_minute=int(number("KRING_FAILED_JOINS_PER_MINUTE", 20, 1)),
            rooms_per_hour=int(number("KRING_ROOMS_PER_HOUR", 60, 1)),
            max_rooms=int(number("KRING_MAX_ROOMS", 10_000, 1)),
            max_participants=int(number("KRING_MAX_PARTICIPANTS", limits.MAX_PARTICIPANTS, 2)),
            database_url=db_url,
            data_dir=env.get("KRING_DATA_DIR", "").strip() or "data",
        )


def redis_urls(raw: str) -> tuple[str, ...]:
    """KRING_REDIS_URL: one Redis URL, or several separated by commas (rooms are spread
    over them). A server is known by its URL as written: the same list, in any order, on
    every process."""
    urls = tuple(u.strip() for u in raw.split(",") if u.strip())
    for url in urls:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in ("redis", "rediss", "unix"):
            raise ConfigError(f"KRING_REDIS_URL: {url!r} is not a redis://, rediss:// or unix:// URL")
    if len(set(urls)) != len(urls):
        raise ConfigError("KRING_REDIS_URL names a server twice")
    return urls
