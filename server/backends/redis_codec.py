"""How a room and its parts are packed for Redis: msgpack, straight from the dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgpack

from ..rooms.state import RoomState


def _dataclass_fields(obj: Any) -> dict[str, Any]:
    names = getattr(type(obj), "__dataclass_fields__", None)
    if names is None:  # pragma: no cover - a room holds nothing else
        raise TypeError(f"cannot store a {type(obj).__name__}")
    return {name: getattr(obj, name) for name in names}


def pack_state(state: RoomState, applied: Mapping[str, Any]) -> bytes:
    """A snapshot of the room: the state with `applied`, the command results it remembers,
    as [key, result] pairs (RoomState.from_dict reads them back). The same bytes as packing
    dataclasses.asdict(state) with those pairs, with msgpack's C walk doing most of the work.
    `applied` is passed apart because a commit folds into a copy without the results (they
    are most of a room; redis.py)."""
    fields = _dataclass_fields(state)
    fields["applied"] = list(applied.items())
    return msgpack.packb(fields, default=_dataclass_fields, use_bin_type=True)


def unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, raw=False, strict_map_key=False)
