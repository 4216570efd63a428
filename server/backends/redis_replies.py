"""Redis replies read as what Kring's client gets: bytes, for the commands as Kring sends them.

redis-py types each reply for every way a client may be set up (bytes, or str with
`decode_responses`) and for every option of a command (a range with or without scores), so
its types allow more than Kring's calls can return. The replies are narrowed here, once,
instead of at each call; a reply of another shape is a bug and raises TypeError.
"""

from __future__ import annotations

from redis.typing import StreamRangeResponse, ZSetRangeResponse

from ..rooms.events import Event


def text(value: bytes | str) -> str:
    """A key, member or field value as text."""
    return value.decode() if isinstance(value, bytes) else value


def members(reply: ZSetRangeResponse) -> list[str]:
    """The members of a sorted-set range asked for without scores."""
    out = []
    for member in reply:
        if not isinstance(member, bytes | str):
            raise TypeError(f"a sorted-set range without scores holds no {type(member).__name__}")
        out.append(text(member))
    return out


def events(reply: StreamRangeResponse | None) -> list[Event]:
    """The events of a range of a room's stream: each entry holds one, packed, as `e`."""
    out = []
    for _, fields in reply or ():
        packed = fields.get(b"e") if fields is not None else None
        if not isinstance(packed, bytes):
            raise TypeError("a stream entry without its event")
        out.append(Event.unpack(packed))
    return out
