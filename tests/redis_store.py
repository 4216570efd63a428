"""What Redis holds for a room, read straight from Redis: for the tests that check what the
Redis backend stores (nothing secret, nothing left after a room ends)."""

from __future__ import annotations

from typing import Any

import msgpack
import redis


def room_keys(url: str, code: str) -> list[bytes]:
    with redis.Redis.from_url(url) as r:
        return sorted(r.scan_iter(match=f"*{code}*", count=1000))


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def dump_room(url: str, code: str) -> list[tuple[bytes, Any]]:
    """Every value Redis holds for the room, raw and decoded."""
    out: list[tuple[bytes, Any]] = []
    with redis.Redis.from_url(url) as r:
        for key in room_keys(url, code):
            kind = r.type(key)
            if kind == b"hash":
                for field, value in r.hgetall(key).items():
                    out.append((value, _unpack(value) if field == b"state" else value.decode()))
            elif kind == b"stream":
                for _, fields in r.xrange(key):
                    out.append((fields[b"e"], _unpack(fields[b"e"])))
            elif kind == b"zset":
                for member in r.zrange(key, 0, -1):
                    out.append((member, member.decode()))
            elif kind == b"list":
                for entry in r.lrange(key, 0, -1):
                    out.append((entry, _unpack(entry)))
            else:  # pragma: no cover - a key type the backend does not write
                raise AssertionError(f"unexpected {kind!r} key {key!r}")
    return out
