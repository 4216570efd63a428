"""Events, actors and command errors of the room engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgpack

from protocol import errors
from protocol.codec import JSON

FACILITATORS = "fac"  # audience marker in Event.to


@dataclass(slots=True)
class Event:
    """One entry of a room's log.

    Everyone sees `public`; the audience named in `to` (participant ids and/or
    FACILITATORS) sees `private` instead. `internal` is for `apply` and the stored log
    only and is never sent to a client. Anonymous items keep their author out of all of them.

    `fac` is a third form, for facilitators who are not named in `to`: an event has one
    private form, and a vote or a ready mark must tell its sender one thing (the case they
    voted for) and the facilitators another (who voted, never for what). Putting both in
    one private form for `to = (voter, FACILITATORS)` would hand the ballot to the
    facilitators, so those events carry `fac` instead (views.form picks the body).
    """

    t: str
    public: dict[str, Any]
    private: dict[str, Any] | None = None
    to: tuple[str, ...] = ()
    internal: dict[str, Any] | None = None
    seq: int = 0
    fac: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"t": self.t, "seq": self.seq, "pub": self.public}
        if self.private is not None:
            d["prv"] = self.private
            d["to"] = list(self.to)
        if self.fac is not None:
            d["fac"] = self.fac
        if self.internal:
            d["int"] = self.internal
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        return cls(d["t"], d["pub"], d.get("prv"), tuple(d.get("to", ())), d.get("int"), d["seq"], d.get("fac"))

    def pack(self) -> bytes:
        """The event as a backend's log stores it."""
        return msgpack.packb(self.to_dict(), use_bin_type=True)

    @classmethod
    def unpack(cls, data: bytes) -> Event:
        return cls.from_dict(msgpack.unpackb(data, raw=False, strict_map_key=False))


def seal(events: list[Event], seq: int) -> list[bytes]:
    """Number `events` on from `seq` and encode them, before anything is committed: each
    as the log stores it (msgpack) and in JSON, the other codec an audience may read.

    Returns the stored bytes. Raises RoomError when an event cannot be carried, so a
    command is refused whole rather than applied and then lost on the way out (a text a
    codec cannot hold once bricked a room that way). Input is checked at the door
    (protocol.values), so this answers only for the engine's own output.
    """
    for i, ev in enumerate(events):
        ev.seq = seq + 1 + i
    try:
        packed = [ev.pack() for ev in events]
        for ev in events:
            JSON.encode(ev.to_dict())
    except (TypeError, ValueError, OverflowError) as exc:  # UnicodeEncodeError is a ValueError
        raise RoomError(errors.INVALID_FIELD, f"this cannot be stored or sent ({exc})") from exc
    return packed


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sends a command: a participant id and the anonymity key of their connection."""

    pid: str
    anon_key: bytes = field(repr=False, default=b"")


class RoomError(Exception):
    """A command the room refuses; `code` is one of protocol.errors."""

    def __init__(self, code: str, detail: str):
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")
