"""The floor: the least a Starlette fan-out server can do, with no application logic.

Same shape as Kring's hub (a bounded queue and one writer task per connection, a frame
encoded once per broadcast and put on every queue without awaiting, a connection that
cannot keep up is dropped with 4008) and nothing else: no rooms to decide on, no log, no
roles. Frames are msgpack. With a Redis URL, a publish goes to the room's own channel
through one connection that pipelines what is pending, and one pub/sub connection per
process subscribes to a room on its first local member.

Wire (binary msgpack frames):
  -> {"t": "join", "room": str}          <- {"t": "joined"}
  -> {"t": "pub", "id": int, "d": any}   <- {"t": "ev", "d": any} to every member,
                                          <- {"t": "ack", "id": int} to the sender
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import msgpack
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from protocol.codec import MSGPACK
from protocol.errors import CLOSE_TOO_SLOW
from protocol.limits import SEND_QUEUE  # Kring's default

from . import healthz, tune_gc

_pack = MSGPACK.encode


class Member:
    def __init__(self, ws: WebSocket):
        self.ws = ws
        self.queue: deque[bytes] = deque()
        self.wakeup = asyncio.Event()
        self.dropped = False
        self.writer: asyncio.Task | None = None

    def push(self, data: bytes) -> None:
        if self.dropped:
            return
        if len(self.queue) >= SEND_QUEUE:
            self.dropped = True
            self.queue.clear()
            if self.writer is not None:
                self.writer.cancel()
            # the close frame waits until the socket is writable again, like any frame
            asyncio.get_running_loop().create_task(self._close())
            return
        self.queue.append(data)
        self.wakeup.set()

    async def _close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close(CLOSE_TOO_SLOW)

    async def write_loop(self) -> None:
        send = self.ws.send_bytes
        with contextlib.suppress(Exception):
            while True:
                await self.wakeup.wait()
                self.wakeup.clear()
                while self.queue:
                    await send(self.queue.popleft())


class Fanout:
    """Rooms of this process; with Redis, the channels that connect processes."""

    def __init__(self, redis_url: str | None):
        self.rooms: dict[str, set[Member]] = {}
        self.redis_url = redis_url
        self.redis: Any = None
        self.pubsub: Any = None
        self.pending: deque[tuple[str, bytes, Member, int]] = deque()
        self.pending_ready = asyncio.Event()
        self.tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        if self.redis_url:
            import redis.asyncio as aioredis

            self.redis = aioredis.Redis.from_url(self.redis_url)
            self.pubsub = self.redis.pubsub()
            await self.pubsub.subscribe("floor:process")  # keeps the pub/sub connection listening
            self.tasks = [asyncio.create_task(self._publisher()), asyncio.create_task(self._listener())]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.redis is not None:
            await self.pubsub.aclose()
            await self.redis.aclose()

    async def join(self, room: str, member: Member) -> None:
        members = self.rooms.get(room)
        if members is None:
            members = self.rooms[room] = set()
            if self.pubsub is not None:
                await self.pubsub.subscribe("floor:" + room)
        members.add(member)

    async def leave(self, room: str, member: Member) -> None:
        members = self.rooms.get(room)
        if members is None:
            return
        members.discard(member)
        if not members:
            del self.rooms[room]
            if self.pubsub is not None:
                await self.pubsub.unsubscribe("floor:" + room)

    def deliver(self, room: str, data: bytes) -> None:
        for member in self.rooms.get(room, ()):
            member.push(data)

    def publish(self, room: str, data: bytes, sender: Member, cmd_id: int) -> None:
        if self.redis is None:
            self.deliver(room, data)
            sender.push(_pack({"t": "ack", "id": cmd_id}))
        else:
            self.pending.append((room, data, sender, cmd_id))
            self.pending_ready.set()

    async def _publisher(self) -> None:
        """One connection; everything pending goes out in one pipeline, then the acks."""
        while True:
            await self.pending_ready.wait()
            self.pending_ready.clear()
            batch = list(self.pending)
            self.pending.clear()
            async with self.redis.pipeline(transaction=False) as pipe:
                for room, data, _, _ in batch:
                    pipe.publish("floor:" + room, data)
                await pipe.execute()
            for _, _, sender, cmd_id in batch:
                sender.push(_pack({"t": "ack", "id": cmd_id}))

    async def _listener(self) -> None:
        while True:
            message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is not None and message["type"] == "message":
                self.deliver(message["channel"][6:].decode(), message["data"])


async def endpoint(ws: WebSocket) -> None:
    fanout: Fanout = ws.app.state.fanout
    await ws.accept(subprotocol="bench.floor")
    member = Member(ws)
    member.writer = asyncio.get_running_loop().create_task(member.write_loop())
    room: str | None = None
    try:
        while True:
            msg = msgpack.unpackb(await ws.receive_bytes())
            if msg["t"] == "pub" and room is not None:
                fanout.publish(room, _pack({"t": "ev", "d": msg["d"]}), member, msg["id"])
            elif msg["t"] == "join" and room is None:
                room = msg["room"]
                await fanout.join(room, member)
                member.push(_pack({"t": "joined"}))
    except WebSocketDisconnect:
        pass
    finally:
        if room is not None:
            await fanout.leave(room, member)
        member.writer.cancel()


def create_app(redis_url: str | None) -> Starlette:
    fanout = Fanout(redis_url)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await fanout.start()
        tune_gc()  # Kring's settings, at the point Kring applies them
        yield
        await fanout.stop()

    app = Starlette(routes=[Route("/healthz", healthz), WebSocketRoute("/ws", endpoint)], lifespan=lifespan)
    app.state.fanout = fanout
    return app
