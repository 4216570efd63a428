"""The Redis backend: several server processes share rooms.

Per room (redis_keys.py names every key): a hash (seq, epoch, a snapshot of the state and
the seq it is as of), a capped stream of events (the truth) and a sorted set of presence
heartbeats (redis_presence.py); events fan out on the room's own pub/sub channel. Commits
go through commit.lua, so the version check, the log, the publish and the TTL change
together. Several Redis servers share rooms out through redis_shards.py.

A commit writes its events, not the room: what it costs Redis (and the append-only file)
does not grow with the room. Each stream entry holds an event (a command's first event carries
its result, so a re-sent command applies once after any reload); the hash holds a snapshot
of the whole state with the results it remembers, written once every `snapshot_every` events, and
load.lua reads the snapshot and the entries after it, which the process folds in. A log
lost while the room lives (it should not be: it has the hash's TTL and persistence) loses
nothing a process holds: the next commit is told so (status 2) and sends the whole state.
The fan-out over pub/sub is redis_fanout.py, the packing redis_codec.py. Nothing here
stores the author of an anonymous item: the engine never gives it. Replies are read
through redis_replies.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import time
import weakref
from pathlib import Path
from typing import Any

import msgpack
import redis.asyncio as aioredis
from limits.aio.storage import RedisStorage, Storage
from redis.asyncio.client import PubSub

from ..rooms.engine import apply
from ..rooms.events import Event, seal
from ..rooms.state import APPLIED_MEMORY, RoomState
from . import redis_keys as keys
from . import redis_replies as replies
from .base import LOG_CAP, MAX_ROOMS, Backend, Conflict, RoomsFull
from .redis_codec import pack_state, unpack
from .redis_fanout import Fanout, _Room
from .redis_presence import Presence

log = logging.getLogger("kring.redis")

#: events between two snapshots of a room's state (fewer where the log is capped lower): a
#: snapshot costs each command a thousandth of the room (60 bytes for a room of 60 KB), and
#: a process that reads the room folds in at most this many events
SNAPSHOT_EVERY = 1000

_SCRIPTS = Path(__file__).parent


class RedisBackend(Presence, Fanout, Backend):
    transient = (aioredis.ConnectionError, aioredis.TimeoutError, OSError)

    def __init__(self, url: str, *, room_ttl: float = 12 * 3600, log_cap: int = LOG_CAP, max_rooms: int = MAX_ROOMS):
        self.url = url
        self.room_ttl = int(room_ttl)
        # A room's TTL is renewed only once a tenth of it (at most a minute) has run down, by a
        # commit (commit.lua) and by the presence heartbeat: an EXPIRE per key every time
        # would be most of what a small event writes to the append-only file.
        self.renew_after = min(60, self.room_ttl // 10)
        self.log_cap = log_cap  # stream entries kept per room, approximately (XTRIM MAXLEN ~ with each snapshot)
        # a snapshot at least this often: the stream keeps at least log_cap entries, so the
        # events after the snapshot are always in it
        self.snapshot_every = max(1, min(SNAPSHOT_EVERY, log_cap // 2))
        self.max_rooms = max_rooms
        self.process = secrets.token_hex(6)
        # named so that `CLIENT LIST` shows which server process holds which connection
        self.client_name = f"kring-{os.getpid()}"
        # A burst (hundreds of people leaving at once) waits for a connection instead of
        # failing: redis-py's default pool raises MaxConnectionsError beyond 100.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=64, timeout=20, health_check_interval=10, client_name=self.client_name
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.rooms: dict[str, _Room] = {}
        self.locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.present: dict[str, set[str]] = {}  # room -> local participants online here
        self._renewed: dict[str, float] = {}  # room -> when the heartbeat last renewed its TTL
        self._commit = self.redis.register_script((_SCRIPTS / "commit.lua").read_text())
        self._load = self.redis.register_script((_SCRIPTS / "load.lua").read_text())
        self._create = self.redis.register_script((_SCRIPTS / "create.lua").read_text())
        self._pubsub: PubSub | None = None
        # Only the reader task reconnects the pub/sub connection, and only under this
        # lock; (un)subscribes send under it too. redis-py's PubSub is not safe against a
        # reconnect handshake in one task while another reads or sends on the connection.
        self._pubsub_lock = asyncio.Lock()
        self._subscribing: set[str] = set()  # rooms whose subscribe is under way
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()  # catch-ups and unsubscribes under way
        # commits sent and those another process beat (logged at close: bench/ reads the line)
        self.commits = 0
        self.conflicts = 0

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._pubsub = self.redis.pubsub()
        # a channel of our own keeps the pub/sub connection subscribed at all times
        await self._pubsub.subscribe(keys.process_channel(self.process))
        conn = self._pubsub_connection()
        assert conn is not None  # subscribing connected it
        conn.register_connect_callback(self._on_pubsub_connect)  # type: ignore[no-untyped-call]  # redis-py: no hints
        self._tasks = [
            asyncio.create_task(self._read_pubsub()),
            asyncio.create_task(self._heartbeat()),
        ]

    async def close(self) -> None:
        log.info("redis %s: %d commits, %d lost a race", self.url, self.commits, self.conflicts)
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # bounded: redis-py can swallow a cancellation mid-reconnect, and a shutdown
            # must not wait for a pub/sub reader that never notices it
            await asyncio.wait(self._tasks, timeout=2)
        with contextlib.suppress(Exception):
            if self.present:
                await self._drop_presence()
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        await self.redis.aclose()

    # ------------------------------------------------------------------ rooms

    async def health(self) -> str | None:
        try:
            await asyncio.wait_for(self.redis.ping(), timeout=2)
        except Exception as exc:
            return f"redis unreachable: {str(exc) or type(exc).__name__}"
        if not self._pubsub_connected():
            return "the pub/sub connection is reconnecting"
        return None

    def limit_storage(self) -> Storage:
        # the same pool as the rooms: a limit check never opens connections of its own
        return RedisStorage(
            "async+redis://",
            implementation="redispy",
            # limits types **options as float | str | bool, yet documents connection_pool
            connection_pool=self.redis.connection_pool,  # type: ignore[arg-type]  # limits: options too narrow
            key_prefix=keys.LIMITS_PREFIX,
        )

    async def create(self, state: RoomState) -> bool:
        if await self.redis.zcard(keys.ROOMS) >= self.max_rooms:
            await self._forget_gone_rooms()
            if await self.redis.zcard(keys.ROOMS) >= self.max_rooms:
                raise RoomsFull(state.code)
        room_key = keys.room(state.code)[0]
        packed = pack_state(state, state.applied)
        created = await self._create(keys=[room_key], args=[state.epoch, packed, self.room_ttl])
        if created:
            # a separate command (the index is not in the room's hash slot); a crash in
            # between leaves one room uncounted, never a count that cannot go down
            await self.redis.zadd(keys.ROOMS, {state.code: time.time()})
        return bool(created)

    async def _forget_gone_rooms(self) -> None:
        """Drop the codes of expired rooms from the index, checking each room's key."""
        codes = replies.members(await self.redis.zrange(keys.ROOMS, 0, -1))
        for start in range(0, len(codes), 1000):
            batch = codes[start : start + 1000]
            async with self.redis.pipeline(transaction=False) as pipe:
                for code in batch:
                    pipe.exists(keys.room(code)[0])
                alive = await pipe.execute()
            gone = [code for code, n in zip(batch, alive, strict=True) if not n]
            if gone:
                await self.redis.zrem(keys.ROOMS, *gone)

    def room_lock(self, code: str) -> asyncio.Lock:
        lock = self.locks.get(code)
        if lock is None:
            lock = self.locks[code] = asyncio.Lock()
        return lock

    async def _fetch(self, code: str) -> RoomState | None:
        """The room whole: its snapshot with the stream's events after it folded in."""
        room_key, log_key, _, _ = keys.room(code)
        found = await self._load(keys=[room_key, log_key, keys.applied(code)], args=[APPLIED_MEMORY])
        if not found:
            return None
        seq, epoch, blob, snap, legacy, packed = found
        d = unpack(blob)
        # results kept apart by an older version of this backend, then the snapshot's own;
        # folding an event remembers the result of the command that caused it
        d["applied"] = ([unpack(entry) for entry in legacy] + d.get("applied", []))[-APPLIED_MEMORY:]
        state = RoomState.from_dict(d)
        for ev in packed:
            apply(state, Event.unpack(ev))
        state.epoch = replies.text(epoch)
        if state.seq != int(seq):
            # the events after the snapshot are not all in the stream: the log was lost
            # (or trimmed past the snapshot) while no process here held the room
            raise RuntimeError(f"room {code}: stored up to {state.seq}, its log says {int(seq)}")
        room = self.rooms.get(code)
        if room is not None:
            room.snap = int(snap)
        return state

    async def load(self, code: str) -> RoomState | None:
        room = self.rooms.get(code)
        if room is None:  # no local subscribers: nothing keeps a cache current
            return await self._fetch(code)
        cache = room.cache
        for ev in room.backlog:  # catch the cache up with what was delivered
            if cache is None or ev.seq <= cache.seq:
                continue
            if ev.seq != cache.seq + 1:
                cache = None
                break
            apply(cache, ev)
        room.backlog.clear()
        if cache is None:
            cache = await self._fetch(code)
        room.cache = cache
        return cache

    async def confirm_current(self, state: RoomState) -> bool:
        seq = await self.redis.hget(keys.room(state.code)[0], "seq")
        if seq is not None and int(seq) == state.seq:
            return True
        room = self.rooms.get(state.code)
        if room is not None:
            room.cache = None  # behind what another process committed: read it afresh
        return False

    async def commit(self, state: RoomState, events: list[Event]) -> RoomState:
        code = state.code
        room_key, log_key, _, _ = keys.room(code)
        encoded = seal(events, state.seq)
        room = self.rooms.get(code)
        # The state goes along when a snapshot may be due (commit.lua decides: this
        # process's view of the last snapshot may be old), and is written at once where
        # nobody here holds the room (no copy here to write it from later).
        snapshot = room is None or room.snap is None or state.seq + len(events) - room.snap >= self.snapshot_every
        every = 0 if room is None else self.snapshot_every
        numbers = f"{self.room_ttl} {self.renew_after} {self.log_cap} {every}"

        def packed_state() -> bytes:
            # the room after these events, folded into a copy: the commit is not in yet
            after = state.clone()
            for ev in events:
                apply(after, ev)
            return pack_state(after, after.applied)

        # the events go out as a list: its header here, the events from below (commit.lua
        # joins them); where the room has listeners here the same bytes are remembered
        # before sending (the echo may come in before the reply), to know the echo by them
        header = msgpack.Packer().pack_array_header(len(encoded))
        payload: bytes | None = None
        if room is not None:
            payload = header + b"".join(encoded)
            room.published.append(payload)

        async def send(with_state: bool) -> Any:
            return await self._commit(
                keys=[room_key, log_key],
                args=[state.seq, packed_state() if with_state else b"", numbers, header, *encoded],
            )

        self.commits += 1
        try:
            reply = await send(snapshot)
            if int(reply[0]) == 2:  # the log was lost after the snapshot: write the room whole
                reply = await send(True)
        except BaseException:
            if payload is not None:  # or published after all: then it is caught up
                self._not_published(code, payload)
            raise
        status = int(reply[0])
        if status != 1 and payload is not None:
            self._not_published(code, payload)
        if status == 0:
            self.conflicts += 1
            # Another process committed first. Its events reach us by pub/sub in a moment;
            # take them from the stream now, so the next load decides on the latest state
            # without reading the whole room again.
            with contextlib.suppress(*self.transient):
                await self.catch_up(code)
            raise Conflict(code)
        if status < 0:
            raise LookupError(code)
        if status != 1:  # pragma: no cover - commit.lua has no other answer to a commit with its state
            raise RuntimeError(f"room {code}: commit answered {status}")
        epoch, snap = reply[1:3]
        # Committed: fold the events into `state` itself. It may be this process's cached
        # copy, which others read under the room's lock (held here) and use without an
        # await between reading the seq and the snapshot (ws._welcome); a commit that fails
        # changes nothing. No copy of the room per command: it grows with the room.
        for ev in events:
            apply(state, ev)
        state.epoch = replies.text(epoch)
        room = self.rooms.get(code)
        if room is not None:
            room.snap = int(snap)
            try:
                await self._deliver(code, events)
            except Exception:  # committed, and its echo is dropped as ours: catch up from the log
                log.warning("room %s: delivering a commit failed", code, exc_info=True)
                self._spawn(self._safe_catch_up(code))
        return state

    async def read_since(self, code: str, epoch: str, seq: int) -> list[Event] | None:
        room_key, log_key, _, _ = keys.room(code)
        current_epoch, current_seq = await self.redis.hmget(room_key, ["epoch", "seq"])
        if current_epoch is None or current_seq is None or replies.text(current_epoch) != epoch:
            return None
        if seq >= int(current_seq):
            return [] if seq == int(current_seq) else None
        events = replies.events(await self.redis.xrange(log_key, min=str(seq + 1), max="+"))
        if not events or events[0].seq != seq + 1:
            return None  # trimmed away: the client needs a snapshot
        return events

    async def erase(self, code: str) -> None:
        await self.redis.delete(*keys.stored(code))
        with contextlib.suppress(*self.transient):  # the index is swept anyway (see redis_keys.ROOMS)
            await self.redis.zrem(keys.ROOMS, code)
        room = self.rooms.get(code)
        if room is not None:
            room.cache = None
