"""The embedded default backend: rooms in this process's memory, nothing to install."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from limits.aio.storage import MemoryStorage, Storage

from ..rooms.engine import apply, decide_presence
from ..rooms.events import Event, seal
from ..rooms.state import RoomState
from .base import LOG_CAP, MAX_ROOMS, Backend, Conflict, Listener, RoomsFull, execute

log = logging.getLogger("kring.memory")


@dataclass(slots=True)
class _Room:
    state: RoomState
    #: the log for resume, each event packed: thousands of Event objects per room would
    #: each be walked by every full pass of the garbage collector
    log: list[bytes] = field(default_factory=list)
    listeners: list[Listener] = field(default_factory=list)
    touched: float = field(default_factory=time.monotonic)


class MemoryBackend(Backend):
    def __init__(self, room_ttl: float = 12 * 3600, log_cap: int = LOG_CAP, max_rooms: int = MAX_ROOMS):
        self.room_ttl = room_ttl
        self.log_cap = log_cap
        self.max_rooms = max_rooms
        self.rooms: dict[str, _Room] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep())

    async def close(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(min(60.0, self.room_ttl))
            self.expire(time.monotonic())

    def expire(self, now: float) -> None:
        """Drop rooms idle for longer than the TTL that nobody is connected to."""
        for code, room in list(self.rooms.items()):
            if not room.listeners and now - room.touched > self.room_ttl:
                del self.rooms[code]

    def limit_storage(self) -> Storage:
        return MemoryStorage()

    async def create(self, state: RoomState) -> bool:
        if state.code in self.rooms:
            return False
        if len(self.rooms) >= self.max_rooms:
            self.expire(time.monotonic())  # the sweeper may not have passed yet
            if len(self.rooms) >= self.max_rooms:
                raise RoomsFull(state.code)
        self.rooms[state.code] = _Room(state)
        return True

    async def load(self, code: str) -> RoomState | None:
        room = self.rooms.get(code)
        # The live state: decide() never mutates it, and nothing awaits between a load
        # and the commit, or between a load and the snapshot read from it, so no copy is
        # needed; commit folds in place only after its version check.
        return room.state if room else None

    async def commit(self, state: RoomState, events: list[Event]) -> RoomState:
        room = self.rooms.get(state.code)
        if room is None or room.state is not state:
            raise Conflict(state.code)
        packed = seal(events, state.seq)  # before the fold: a refusal leaves the room as it was
        for ev in events:
            apply(state, ev)
        room.log.extend(packed)
        if len(room.log) > self.log_cap:
            del room.log[: len(room.log) - self.log_cap]
        room.touched = time.monotonic()
        for listener in list(room.listeners):
            try:
                listener(state.code, events)
            except Exception:  # committed: one listener's failure is not the command's
                log.exception("delivering events of room %s failed", state.code)
        return state

    async def read_since(self, code: str, epoch: str, seq: int) -> list[Event] | None:
        room = self.rooms.get(code)
        if room is None or room.state.epoch != epoch or seq > room.state.seq:
            return None
        first = room.state.seq + 1 - len(room.log)  # the log is gapless and ends at the state
        if seq + 1 < first:
            return None
        return [Event.unpack(b) for b in room.log[seq + 1 - first :]]

    async def subscribe(self, code: str, listener: Listener) -> None:
        room = self.rooms.get(code)
        if room is not None:
            room.listeners.append(listener)

    async def unsubscribe(self, code: str, listener: Listener) -> None:
        room = self.rooms.get(code)
        if room is not None and listener in room.listeners:
            room.listeners.remove(listener)
            room.touched = time.monotonic()

    async def erase(self, code: str) -> None:
        self.rooms.pop(code, None)

    async def connected(self, code: str, pid: str) -> None:
        await execute(self, code, lambda s, rng: decide_presence(s, pid, True, time.time()))

    async def disconnected(self, code: str, pid: str) -> None:
        await execute(self, code, lambda s, rng: decide_presence(s, pid, False, time.time()))
