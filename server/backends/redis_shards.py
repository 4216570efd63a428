"""Rooms spread over several Redis servers (KRING_REDIS_URL lists them, comma-separated).

Each server is a whole RedisBackend of its own: its connection pool, its one pub/sub
connection, its presence heartbeat, its scripts. A room lives on one server for its whole
life, with all its keys, so every guarantee of one Redis (the commit's version check, the
log, resume, the fault handling) holds per server unchanged; nothing ever spans two.

Which server a new room goes to is rendezvous hashing of its code over the servers' URLs:
every process agrees without talking, the order of the list does not matter, and adding a
server changes the first choice only for the codes that now score highest on the new one.
A room is never moved, so a room created before that server was added is found where it
was made: a process looks a code up in the servers' order of preference for that code,
asks each whether it holds the room (one EXISTS) and remembers the answer. Creating a room
checks the other servers for its code first, so one code is never two rooms. Removing a
server from the list loses its rooms; docs/SCALING.md says how to grow and shrink.
"""

from __future__ import annotations

import asyncio
import hashlib
from contextlib import AbstractAsyncContextManager

from limits.aio.storage import Storage

from ..rooms.events import Event
from ..rooms.state import RoomState
from . import redis_keys as keys
from .base import Backend, Listener, RoomsFull
from .redis import RedisBackend

#: codes whose server this process remembers; beyond this the memory starts afresh (a
#: forgotten code costs one EXISTS per server the next time)
REMEMBERED = 100_000


def preference(code: str, urls: list[str]) -> list[int]:
    """The servers (indexes into `urls`) in the order a room with this code prefers them:
    highest rendezvous score first. Stable: it depends on the code and each URL only."""

    def score(url: str) -> bytes:
        return hashlib.blake2b(f"{url}\n{code}".encode(), digest_size=8).digest()

    return sorted(range(len(urls)), key=lambda i: score(urls[i]), reverse=True)


class ShardedRedis(Backend):
    """Routes every call for a room to the Redis server that holds it."""

    def __init__(self, shards: list[RedisBackend], *, max_rooms: int):
        if len(shards) < 2:
            raise ValueError("sharding needs at least two Redis servers")
        self.shards = shards
        self.urls = [shard.url for shard in shards]
        self.max_rooms = max_rooms
        self.transient = shards[0].transient
        self._where: dict[str, int] = {}  # code -> index of the server that holds it
        self._degraded: str | None = None  # the servers away at the last health check
        # one lock per room in this process, whichever server's code takes it (a server's
        # own presence changes decide under its lock, the routed commands under this one)
        for shard in shards[1:]:
            shard.locks = shards[0].locks

    async def start(self) -> None:
        started: list[RedisBackend] = []
        try:
            for shard in self.shards:
                await shard.start()
                started.append(shard)
        except BaseException:
            for shard in started:
                await shard.close()
            raise

    async def close(self) -> None:
        await asyncio.gather(*(shard.close() for shard in self.shards))

    async def health(self) -> str | None:
        # Not ready only when no server answers: every process reaches the same servers, so
        # a balancer that left out each process for one server down would stop every room.
        found = await asyncio.gather(*(s.health() for s in self.shards))
        problems = [f"{shard.url}: {problem}" for shard, problem in zip(self.shards, found, strict=True) if problem]
        self._degraded = "; ".join(problems) if 0 < len(problems) < len(self.shards) else None
        return "; ".join(problems) if len(problems) == len(self.shards) else None

    async def degraded(self) -> str | None:
        return self._degraded  # as the health check just found: each server asked once

    def limit_storage(self) -> Storage:
        # one server counts the per-address limits for every process: the same one whatever
        # the order each process lists them in
        return min(self.shards, key=lambda shard: shard.url).limit_storage()

    # ------------------------------------------------------------------ where a room is

    async def _locate(self, code: str) -> RedisBackend:
        """The server that holds the room; the code's first choice when none does (it
        answers "no such room" like any single server would)."""
        known = self._where.get(code)
        if known is not None:
            return self.shards[known]
        order = preference(code, self.urls)
        away: Exception | None = None
        for i in order:
            try:
                found = await self.shards[i].redis.exists(keys.room(code)[0])
            except self.transient as exc:  # the room may well be on a server that answers
                away = away or exc
                continue
            if found:
                self._remember(code, i)
                return self.shards[i]
        if away is not None:  # not found where we could look: it may be where we could not
            raise away
        return self.shards[order[0]]

    def _remember(self, code: str, index: int) -> None:
        if len(self._where) >= REMEMBERED:
            self._where.clear()
        self._where[code] = index

    async def create(self, state: RoomState) -> bool:
        code = state.code
        if await self._count() >= self.max_rooms:
            # the index keeps the codes of rooms that expired: sweep them, as one server does
            await asyncio.gather(*(s._forget_gone_rooms() for s in self.shards))
            if await self._count() >= self.max_rooms:
                raise RoomsFull(code)
        first, *others = preference(code, self.urls)
        # a room made before a server was added lives on where it was made: its code is taken
        for i in others:
            if await self.shards[i].redis.exists(keys.room(code)[0]):
                return False
        created = await self.shards[first].create(state)
        if created:
            self._remember(code, first)
        return created

    async def _count(self) -> int:
        """The rooms of every server together (KRING_MAX_ROOMS counts them all)."""
        return sum(await asyncio.gather(*(s.redis.zcard(keys.ROOMS) for s in self.shards)))

    def room_lock(self, code: str) -> AbstractAsyncContextManager[object]:
        # the servers share their locks (see __init__); taking one needs no lookup
        return self.shards[0].room_lock(code)

    async def load(self, code: str) -> RoomState | None:
        shard = await self._locate(code)
        state = await shard.load(code)
        if state is None and self._where.pop(code, None) is not None:
            # what this process remembered is gone (erased, expired): look again once
            state = await (await self._locate(code)).load(code)
        return state

    async def confirm_current(self, state: RoomState) -> bool:
        return await (await self._locate(state.code)).confirm_current(state)

    async def commit(self, state: RoomState, events: list[Event]) -> RoomState:
        return await (await self._locate(state.code)).commit(state, events)

    async def read_since(self, code: str, epoch: str, seq: int) -> list[Event] | None:
        return await (await self._locate(code)).read_since(code, epoch, seq)

    async def subscribe(self, code: str, listener: Listener) -> None:
        await (await self._locate(code)).subscribe(code, listener)

    async def unsubscribe(self, code: str, listener: Listener) -> None:
        # wherever it was subscribed (the room may be gone from Redis by now)
        for shard in self.shards:
            if code in shard.rooms:
                await shard.unsubscribe(code, listener)

    async def erase(self, code: str) -> None:
        await (await self._locate(code)).erase(code)
        self._where.pop(code, None)

    async def connected(self, code: str, pid: str) -> None:
        await (await self._locate(code)).connected(code, pid)

    async def disconnected(self, code: str, pid: str) -> None:
        for shard in self.shards:
            if code in shard.present:
                await shard.disconnected(code, pid)
                return
        await (await self._locate(code)).disconnected(code, pid)
