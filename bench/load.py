"""What every server kind shares in a run: rooms, senders, the pacing driver, and the
recorder that turns arrivals into latencies, deliveries and losses.

A *slot* is one event to publish. The driver hands slots out at the target rate,
round-robin over the rooms; in each room one slot in `phase_every` is a facilitator phase
change, the rest go to the room's askers in turn. A sender has one command in flight at
most and sends at most SENDER_RATE a second (Kring allows 20 sustained per connection);
a slot with no free sender is counted as skipped, so a server that falls behind shows up
as a lower achieved rate rather than as a queue inside the generator.
"""

from __future__ import annotations

import asyncio
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .wsclient import WSClient

SENDER_RATE = 18.0  # commands per second per connection, under Kring's 20/s limit
SENDER_GAP_NS = int(1e9 / SENDER_RATE)
PHASE, QUESTION = "phase", "question"


@dataclass(eq=False)
class Sender:
    """A connection that publishes: what it has in flight and when it may send again."""

    ws: WSClient
    busy: bool = False
    next_ok: int = 0  # monotonic ns
    question: str | None = None  # Kring: the question it asked and will withdraw next


@dataclass(eq=False)
class Room:
    index: int
    name: str = ""  # Kring: the room code; baselines: the channel name
    members: list[WSClient] = field(default_factory=list)
    facilitator: Sender | None = None
    askers: list[Sender] = field(default_factory=list)
    phase_every: int = 10
    next_asker: int = 0
    slots: int = 0  # slots handed to this room
    fired: int = 0  # events published
    received: int = 0  # deliveries of published events to counted members
    counted: int = 0  # members whose deliveries count (all but a deliberately slow one)
    tracking: bool = False  # the load has started: phase events map to phase_sent
    phase_sent: list[int] = field(default_factory=list)  # Kring: send time of the k-th phase command
    withdraw_sent: dict[str, int] = field(default_factory=dict)  # Kring: question id -> send time
    toggle: bool = False  # Kring: next phase command is `back`
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def expected(self) -> int:
        return self.fired * self.counted


class Recorder:
    """Arrivals of published events. Latency = arrival - the sender's timestamp, both
    from this process's monotonic clock; only events sent after the warm-up count."""

    def __init__(self) -> None:
        self.measure_from = 1 << 62  # set when the warm-up ends
        self.split_at = 1 << 62  # slow-client scenario: events sent after this go to `after`
        self.latencies = array("q")
        self.after = array("q")
        self.delivered = 0  # deliveries of measured events
        self.bytes = 0  # bytes of those deliveries (frame payloads)
        self.failures: list[str] = []
        self.skipped = 0
        self.on_free: Callable[[Room, Sender], None] | None = None  # closed-loop driver hook

    def arrive(self, room: Room, sent: int, now: int, size: int) -> None:
        room.received += 1
        if sent >= self.measure_from:
            self.delivered += 1
            self.bytes += size
            (self.latencies if sent < self.split_at else self.after).append(now - sent)

    def fail(self, why: str) -> None:
        if len(self.failures) < 20:
            self.failures.append(why)
        elif len(self.failures) == 20:
            self.failures.append("… more failures left out")


class Kind:
    """One server kind as the generator sees it (bench/kinds.py has the four)."""

    name = ""
    label = ""

    def __init__(self, rec: Recorder):
        self.rec = rec

    def ws_url(self, base: str) -> str:
        raise NotImplementedError

    async def create_rooms(self, rooms: list[Room], bases: list[str], concurrency: int) -> None:
        """Give each room its name (Kring: create it over HTTP)."""
        raise NotImplementedError

    async def setup(
        self, rooms: list[Room], bases: list[str], size: int, concurrency: int, *, start: bool = True
    ) -> None:
        """Create the rooms (unless named already) and connect `size` members to each;
        member i of a room uses server i % len(bases), so with two processes every room
        spans both. `start`: bring the room to where the load begins (Kring: a case
        chosen, the questions round open)."""
        raise NotImplementedError

    async def join(self, url: str, room: Room, name: str, *, counted: bool = True, rcvbuf: int | None = None) -> Any:
        """One more member; `counted=False` for a member whose deliveries do not count."""
        raise NotImplementedError

    async def settle(self, rooms: list[Room], timeout: float = 120) -> None:
        """Until the events of joining have reached everyone."""

    def fire(self, room: Room, sender: Sender, kind: str, now: int) -> None:
        """Publish one event; mark the sender busy until its ack."""
        raise NotImplementedError

    def freed(self, room: Room, sender: Sender) -> None:
        sender.busy = False
        if self.rec.on_free is not None:
            self.rec.on_free(room, sender)

    def start_tracking(self, rooms: list[Room]) -> None:
        for room in rooms:
            room.tracking = True


def free_sender(room: Room, kind: str, now: int) -> Sender | None:
    if kind == PHASE:
        s = room.facilitator
        return s if s is not None and not s.busy and s.next_ok <= now else None
    askers = room.askers
    n = len(askers)
    for i in range(n):
        s = askers[(room.next_asker + i) % n]
        if not s.busy and s.next_ok <= now:
            room.next_asker = (room.next_asker + i + 1) % n
            return s
    return None


def _fire(kind_impl: Kind, room: Room, sender: Sender, kind: str, now: int) -> None:
    sender.busy = True
    sender.next_ok = now + SENDER_GAP_NS
    room.fired += 1
    kind_impl.fire(room, sender, kind, now)


async def paced(kind_impl: Kind, rooms: list[Room], rate: float, seconds: float, tick: float = 0.001) -> int:
    """Open loop: hand out slots at `rate` per second for `seconds`; returns slots offered.
    Slot n is due `n / rate` seconds after the start; between slots the loop sleeps until
    the next one is due (or the end), at least `tick`."""
    rec = kind_impl.rec
    start = time.monotonic_ns()
    end = start + int(seconds * 1e9)
    n = 0
    nrooms = len(rooms)
    while True:
        now = time.monotonic_ns()
        if now >= end:
            return n
        due = int((now - start) * rate / 1e9) + 1
        while n < due:
            room = rooms[n % nrooms]
            kind = PHASE if room.slots % room.phase_every == 0 else QUESTION
            room.slots += 1
            n += 1
            sender = free_sender(room, kind, now)
            if sender is None:
                rec.skipped += 1
            else:
                _fire(kind_impl, room, sender, kind, now)
        next_due = start + n * 1e9 / rate if rate > 0 else end
        await asyncio.sleep(max(tick, (min(next_due, end) - time.monotonic_ns()) / 1e9))


async def closed_loop(kind_impl: Kind, rooms: list[Room], seconds: float) -> None:
    """Saturation: every sender sends again as soon as its ack is in (at most SENDER_RATE
    a second), for `seconds`. The facilitator sends phase changes, the askers questions."""
    loop = asyncio.get_running_loop()
    stop_at = time.monotonic_ns() + int(seconds * 1e9)

    def go(room: Room, sender: Sender) -> None:
        now = time.monotonic_ns()
        if now >= stop_at or sender.busy:
            return
        if sender.next_ok > now:
            loop.call_later((sender.next_ok - now) / 1e9, go, room, sender)
            return
        _fire(kind_impl, room, sender, PHASE if sender is room.facilitator else QUESTION, now)

    kind_impl.rec.on_free = go
    try:
        for room in rooms:
            for sender in [*([room.facilitator] if room.facilitator else []), *room.askers]:
                go(room, sender)
        await asyncio.sleep(max(0.0, (stop_at - time.monotonic_ns()) / 1e9))
    finally:
        kind_impl.rec.on_free = None


async def drain(rooms: list[Room], timeout: float) -> bool:
    """Wait until every published event reached every counted member and every command
    was answered; False when that does not happen within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r.received >= r.expected and not _in_flight(r) for r in rooms):
            return True
        await asyncio.sleep(0.02)
    return False


def _in_flight(room: Room) -> bool:
    senders = [*([room.facilitator] if room.facilitator else []), *room.askers]
    return any(s.busy for s in senders)


async def gather_limited(coros: list, limit: int) -> list:
    """Run coroutines with at most `limit` at a time (connection storms)."""
    sem = asyncio.Semaphore(limit)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))
