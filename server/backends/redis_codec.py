"""How a room and its parts are packed for Redis: msgpack, straight from the dataclasses."""

from __future__ import annotations

from typing import Any

import msgpack

from ..rooms.state import RoomState


def pack(obj: Any) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


def _dataclass_fields(obj: Any) -> dict[str, Any]:
    names = getattr(type(obj), "__dataclass_fields__", None)
    if names is None:  # pragma: no cover - a room holds nothing else
        raise TypeError(f"cannot store a {type(obj).__name__}")
    return {name: getattr(obj, name) for name in names}


def pack_state(state: RoomState) -> bytes:
    """The state as stored, without the command results (kept apart, see redis_keys.applied);
    the same bytes as packing dataclasses.asdict(state) without `applied`, with msgpack's C
    walk doing most of the work."""
    fields = _dataclass_fields(state)
    del fields["applied"]
    return msgpack.packb(fields, default=_dataclass_fields, use_bin_type=True)


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)
