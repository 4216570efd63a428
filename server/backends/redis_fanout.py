"""How a room's committed events reach this process's listeners over Redis pub/sub.

Each room has its own channel; a process subscribes while it has listeners for the room.
Pub/sub is at-most-once: every delivery is checked against the last delivered seq and gaps
are filled from the stream, also after the pub/sub connection dropped and came back. Only
the reader task reconnects the pub/sub connection, and only under `_pubsub_lock`;
(un)subscribes send under it too (redis-py's PubSub is not safe against a reconnect
handshake in one task while another reads or sends on the connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.asyncio.connection import Connection

from ..rooms.events import Event
from ..rooms.state import RoomState
from . import redis_keys as keys
from . import redis_replies as replies
from .base import Backend, Listener
from .redis_codec import unpack

log = logging.getLogger("kring.redis")


@dataclass(slots=True)
class _Room:
    listeners: list[Listener] = field(default_factory=list)
    delivered: int = 0  # highest seq handed to the listeners
    deliver_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    cache: RoomState | None = None  # state as of the last local load or commit
    backlog: list[Event] = field(default_factory=list)  # delivered, not yet in cache
    # the seq of the stored snapshot as this process last heard of it (None: unknown)
    snap: int | None = None
    # the payloads this process published for the room, oldest first: when one comes back
    # over pub/sub it is dropped by comparing bytes, before any decoding (its events were
    # delivered when they were committed); bounded, as a publish may never come back
    published: deque[bytes] = field(default_factory=lambda: deque(maxlen=32))


class Fanout(Backend):
    """The pub/sub half of RedisBackend (which sets these attributes up)."""

    redis: aioredis.Redis
    rooms: dict[str, _Room]
    _pubsub: PubSub | None
    _pubsub_lock: asyncio.Lock
    _subscribing: set[str]
    _background: set[asyncio.Task[None]]

    async def subscribe(self, code: str, listener: Listener) -> None:
        room = self.rooms.get(code)
        if room is None:
            channel = keys.room(code)[3]
            self._subscribing.add(code)
            try:
                await self._pubsub_send("subscribe", channel)
                # Subscribed before reading the seq: every later event reaches us by
                # pub/sub or, if pub/sub drops it, by the gap check against the stream.
                seq = await self.redis.hget(keys.room(code)[0], "seq")
            except BaseException:
                self._subscribing.discard(code)
                await self._drop_channel(code)  # not recorded: the next subscribe starts over
                raise
            self._subscribing.discard(code)
            # recorded only now, so a failed SUBSCRIBE is never taken for a done one
            room = self.rooms.get(code)
            if room is None:
                room = self.rooms[code] = _Room(delivered=int(seq) if seq is not None else 0)
        room.listeners.append(listener)

    async def unsubscribe(self, code: str, listener: Listener) -> None:
        room = self.rooms.get(code)
        if room is None:
            return
        if listener in room.listeners:
            room.listeners.remove(listener)
        if not room.listeners:
            del self.rooms[code]
            await self._drop_channel(code)

    def _pubsub_connection(self) -> Connection | None:
        """The pub/sub's connection, once it has one (redis-py's hints say it is always None)."""
        return cast("Connection | None", self._pubsub.connection) if self._pubsub is not None else None

    def _pubsub_connected(self) -> bool:
        conn = self._pubsub_connection()
        return conn is not None and conn.is_connected

    async def _pubsub_send(self, command: str, channel: str) -> None:
        """SUBSCRIBE or UNSUBSCRIBE, never while the reader reconnects; while the
        connection is down this fails (the reader re-subscribes what is recorded)."""
        assert self._pubsub is not None
        async with self._pubsub_lock:
            if not self._pubsub_connected():
                raise aioredis.ConnectionError("the pub/sub connection is reconnecting")
            await getattr(self._pubsub, command)(channel)

    async def _deliver(self, code: str, events: list[Event]) -> None:
        """Hand events to the listeners in seq order, filling gaps from the stream."""
        room = self.rooms.get(code)
        if room is None or not events:
            return
        async with room.deliver_lock:
            if events[-1].seq <= room.delivered:
                return
            if events[0].seq > room.delivered + 1:
                missing = await self._read_range(code, room.delivered + 1, events[0].seq - 1)
                events = missing + events
            fresh = [ev for ev in events if ev.seq > room.delivered]
            if not fresh or fresh[0].seq != room.delivered + 1:
                log.warning("room %s: cannot fill the gap after seq %s", code, room.delivered)
                return
            room.delivered = fresh[-1].seq
            room.backlog.extend(fresh)
            for listener in list(room.listeners):
                listener(code, fresh)

    async def _read_range(self, code: str, first: int, last: int) -> list[Event]:
        return replies.events(await self.redis.xrange(keys.room(code)[1], min=str(first), max=str(last)))

    async def catch_up(self, code: str) -> None:
        """Deliver whatever the stream holds beyond what we delivered."""
        room = self.rooms.get(code)
        if room is None:
            return
        entries = await self.redis.xrange(keys.room(code)[1], min=str(room.delivered + 1), max="+")
        await self._deliver(code, replies.events(entries))

    async def _on_pubsub_connect(self, connection: Any) -> None:
        # redis-py has just re-subscribed this connection; what was published while it
        # was away is only in the streams.
        for code in list(self.rooms):
            self._spawn(self._safe_catch_up(code))
        # rooms whose last connection left while the connection was down kept their channel
        assert self._pubsub is not None
        for channel in list(self._pubsub.channels):
            if (gone := keys.code_of(replies.text(channel))) is not None:
                self._spawn(self._drop_channel(gone))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` on its own, holding its task till done (the loop holds tasks only weakly)."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _drop_channel(self, code: str) -> None:
        """Unsubscribe a room's channel unless the room is (being) subscribed here again."""
        assert self._pubsub is not None
        with contextlib.suppress(Exception):
            async with self._pubsub_lock:
                if code in self.rooms or code in self._subscribing or not self._pubsub_connected():
                    return
                await self._pubsub.unsubscribe(keys.room(code)[3])

    async def _safe_catch_up(self, code: str) -> None:
        try:
            await self.catch_up(code)
        except Exception:
            log.warning("catch-up of room %s failed", code, exc_info=True)

    async def _messages(self) -> AsyncIterator[dict[str, Any]]:
        assert self._pubsub is not None
        while True:
            try:
                if not self._pubsub_connected():
                    async with self._pubsub_lock:
                        # re-subscribes, then catches up
                        await self._pubsub.connect()  # type: ignore[no-untyped-call]  # redis-py: no hints
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except (ConnectionError, OSError, aioredis.RedisError) as exc:
                log.warning("pub/sub connection lost (%s); reconnecting", exc)
                await asyncio.sleep(0.2)
                continue
            if message is not None:
                yield message

    async def _read_pubsub(self) -> None:
        async for message in self._messages():
            if message.get("type") != "message":
                continue
            code = keys.code_of(replies.text(message["channel"]))
            room = self.rooms.get(code) if code is not None else None
            if code is None or room is None or self._own(room, message["data"]):
                continue
            try:
                plain_events = unpack(message["data"])
                if not plain_events or plain_events[-1]["seq"] <= room.delivered:
                    continue  # delivered already (e.g. caught up from the stream)
                await self._deliver(code, [Event.from_dict(e) for e in plain_events])
            except Exception:
                log.warning("delivery for room %s failed; the next event fills the gap", code, exc_info=True)

    @staticmethod
    def _own(room: _Room, data: bytes) -> bool:
        """Is `data` a payload this process published? Then forget it and the older ones
        (whose echo was lost with a pub/sub cut)."""
        published = room.published
        if data not in published:
            return False
        while published.popleft() != data:
            pass
        return True

    def _not_published(self, code: str, payload: bytes) -> None:
        """A commit whose payload was remembered failed. Forget the payload; if its echo
        was dropped already, the commit went through after all (the reply was lost): catch
        up from the stream, as nothing delivered its events here."""
        room = self.rooms.get(code)
        if room is None:
            return
        if payload in room.published:
            room.published.remove(payload)
        else:
            self._spawn(self._safe_catch_up(code))
