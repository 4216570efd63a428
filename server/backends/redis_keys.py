"""Every key and channel Kring keeps in Redis, named in one place (README.md lists them).

A room's keys share its code as hash tag, so one room lives in one Redis Cluster slot
and commit.lua may touch all of them at once.
"""

from __future__ import annotations

#: The codes of the rooms created, scored by creation time: how many rooms Redis holds,
#: for KRING_MAX_ROOMS. Rooms expire by their own TTL and leave their code behind here;
#: those are swept out only when the count reaches the cap.
ROOMS = "kring:rooms"
LIMITS_PREFIX = "kring:limits"  # per-address rate limits (server/ratelimit.py)


def room(code: str) -> tuple[str, str, str, str]:
    """room hash, log stream, presence set, channel (commit.lua names the channel from the
    room hash's name the same way)."""
    base = f"kring:{{{code}}}"
    return f"{base}:room", f"{base}:log", f"{base}:presence", f"{base}:events"


def code_of(channel: str) -> str | None:
    """The room code of a room's channel (see `room`); None for any other channel."""
    if not channel.endswith(":events") or "{" not in channel:
        return None
    return channel.split("{", 1)[1].split("}", 1)[0]


def applied(code: str) -> str:
    """The remembered command results as rooms stored them before they went into the log
    with their events (commit.lua): read while such a room lives on, erased with it."""
    return f"kring:{{{code}}}:applied"


def stored(code: str) -> tuple[str, ...]:
    """Every key of the room."""
    room_key, log_key, presence, _ = room(code)
    return room_key, log_key, presence, applied(code)


def process_channel(process: str) -> str:
    """A channel of the process's own: keeps its pub/sub connection subscribed at all times."""
    return f"kring:process:{process}"
