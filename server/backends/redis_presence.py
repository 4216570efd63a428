"""Who is online, across every process that shares one Redis.

Per room a sorted set of `process|participant` entries, each scored with the time its
heartbeat runs out. A process renews its entries every HEARTBEAT seconds (and the room's
TTL, once a tenth of it has run down: a room with people in it is not idle), and sweeps
entries that ran out: the people
of a process that died go offline within HEARTBEAT + PRESENCE_TTL seconds. Whether
someone is online is the room's own state, changed by `presence` events like any other.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import redis.asyncio as aioredis

from ..rooms.engine import decide_presence
from . import redis_keys as keys
from . import redis_replies as replies
from .base import Backend, execute

log = logging.getLogger("kring.redis")

HEARTBEAT = 4.0  # seconds between presence heartbeats of this process
PRESENCE_TTL = 10.0  # a heartbeat older than this means the process is gone


class Presence(Backend):
    """The presence part of RedisBackend (a mixin: it uses the backend's connection)."""

    redis: aioredis.Redis
    process: str  # this process's id in the entries
    room_ttl: int
    renew_after: int  # seconds of the TTL that may run down before it is renewed (redis.py)
    rooms: dict[str, Any]  # rooms subscribed here: the ones this process sweeps
    present: dict[str, set[str]]  # room -> local participants online here
    _renewed: dict[str, float]  # room -> when this process last renewed its TTL

    def _member(self, pid: str) -> str:
        return f"{self.process}|{pid}"

    async def connected(self, code: str, pid: str) -> None:
        self.present.setdefault(code, set()).add(pid)
        presence = keys.room(code)[2]
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(presence, {self._member(pid): time.time() + PRESENCE_TTL})
            pipe.expire(presence, self.room_ttl)
            await pipe.execute()
        await execute(self, code, lambda s, rng: decide_presence(s, pid, True, time.time()))

    async def disconnected(self, code: str, pid: str) -> None:
        here = self.present.get(code)
        if here is not None:
            here.discard(pid)
            if not here:
                del self.present[code]
        presence = keys.room(code)[2]
        await self.redis.zrem(presence, self._member(pid))
        if not await self._online_elsewhere(code, pid):
            await execute(self, code, lambda s, rng: decide_presence(s, pid, False, time.time()))

    async def _online_elsewhere(self, code: str, pid: str) -> bool:
        """Whether another process has a live heartbeat of `pid`. This process's own entries
        do not count: it knows its own connections (`present`), and the heartbeat may put
        back an entry of someone who left while it waited (it takes it back right after)."""
        live = replies.members(await self.redis.zrangebyscore(keys.room(code)[2], time.time(), "+inf"))
        entries = (m.split("|", 1) for m in live)
        return any(who == pid and process != self.process for process, who in entries)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self._beat()
            except Exception:
                log.warning("presence heartbeat failed", exc_info=True)

    async def _beat(self) -> None:
        now = time.time()
        # A room with people in it is not idle, even when nobody types: its TTL is renewed
        # as a commit renews it, once `renew_after` seconds of it have run down.
        for code in [c for c in self._renewed if c not in self.present]:
            del self._renewed[code]
        for code, pids in list(self.present.items()):
            pids = set(pids)  # a copy: people may leave while this awaits
            if not pids:
                continue
            renew = now - self._renewed.get(code, 0.0) >= self.renew_after
            if renew:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for key in keys.stored(code):
                        pipe.expire(key, self.room_ttl)
                    alive = (await pipe.execute())[0]
                self._renewed[code] = now
            else:
                alive = await self.redis.exists(keys.room(code)[0])
            if not alive:  # ended or expired: nothing left to keep alive or to show online
                self.present.pop(code, None)
                continue
            presence = keys.room(code)[2]
            added = await self.redis.zadd(presence, {self._member(p): now + PRESENCE_TTL for p in pids})
            if renew or added:  # (a presence set made afresh by this ZADD has no TTL yet)
                await self.redis.expire(presence, self.room_ttl)
            gone = pids - self.present.get(code, set())  # left while we waited: take back their entry
            if gone:
                await self.redis.zrem(presence, *(self._member(p) for p in gone))
            if added:  # our entries had been swept (e.g. Redis was away): online again
                for pid in pids:
                    if pid in self.present.get(code, ()):  # not someone who has left meanwhile
                        await self._set_online(code, pid, True)
        for code in list(self.rooms):  # sweep heartbeats of processes that died
            presence = keys.room(code)[2]
            expired = replies.members(await self.redis.zrangebyscore(presence, "-inf", now))
            if not expired:
                continue
            await self.redis.zrem(presence, *expired)
            for pid in {m.split("|", 1)[1] for m in expired}:
                if pid not in self.present.get(code, ()) and not await self._online_elsewhere(code, pid):
                    await self._set_online(code, pid, False)

    async def _set_online(self, code: str, pid: str, online: bool) -> None:
        try:
            await execute(self, code, lambda s, rng: decide_presence(s, pid, online, time.time()))
        except LookupError:  # the room is gone since: nobody left to tell
            pass

    async def _drop_presence(self) -> None:
        for code, pids in self.present.items():
            await self.redis.zrem(keys.room(code)[2], *(self._member(p) for p in pids))
