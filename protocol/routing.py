"""The routing key a client puts on its websocket URL, so that a load balancer can send
every connection of one room to the same server process (docs/SCALING.md).

Not a secret and not needed for correctness: the server ignores it, and a room's people
may sit on any processes. With it, a balancer that hashes on it (nginx: `hash $arg_room
consistent`) keeps a room on one process, so its commits never race another process's, its
events cross Redis once, and one process heartbeats its people. Four hex digits (65,536
buckets) are plenty to spread rooms and say next to nothing about the code in an access
log. The browser computes the same (client/web/static/js/roomkey.js)."""

from __future__ import annotations

from .messages import normalize_code

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def room_key(code: str) -> str:
    """FNV-1a (32 bit) of the normalized code's UTF-8, folded to 16 bits, as 4 hex digits."""
    h = _FNV_OFFSET
    for byte in normalize_code(code).encode():
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return f"{(h >> 16) ^ (h & 0xFFFF):04x}"


def with_room_key(url: str, code: str) -> str:
    """The websocket URL with the room's routing key as `room` (what the browser connects to)."""
    return f"{url}{'&' if '?' in url else '?'}room={room_key(code)}"
