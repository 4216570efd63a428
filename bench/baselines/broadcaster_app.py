"""encode/broadcaster with Starlette, as its README's chat example does it.

Each websocket subscribes to its room's channel and forwards what arrives; what it
receives it publishes. `memory://` in one process, `redis://` across processes. The Redis
backend hands messages on as text, so frames are JSON text.

One fix a team would have to make: with `redis://`, broadcaster 0.3.1 loses a subscriber
when two websockets subscribe to a channel nobody here listens to yet at the same moment
(both see no subscribers, both await SUBSCRIBE, the second replaces the first's set, and
the first never hears anything again nor can leave without a KeyError). Subscribing and
leaving are therefore serialised per channel with a lock. And a second: its Redis
listener stops for good if it looks while no channel is subscribed yet (a start-up race),
so the app holds a subscription of its own for as long as it runs.

Its Redis client gets the pool Kring's has (server/backends/redis.py): a blocking pool of
64 that makes a publish wait for a free connection (at most 20 s) instead of raising
`MaxConnectionsError` the way redis-py's default pool does beyond 100. The library has no
option for it, so a small subclass of its Redis backend swaps the client before use. And
the process runs with Kring's GC settings (bench/baselines/__init__.py), as every kind does.

Wire (JSON text frames):
  -> {"t": "join", "room": str}          <- {"t": "joined"}
  -> {"t": "pub", "id": int, "d": any}   <- {"t": "ev", "d": any} to every member,
                                          <- {"t": "ack", "id": int} to the sender
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from broadcaster import Broadcast
from broadcaster._backends.redis import RedisBackend
from broadcaster._base import Subscriber
from starlette.applications import Starlette
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import healthz, tune_gc

# Kring's Redis pool (server/backends/redis.py)
POOL_MAX_CONNECTIONS = 64
POOL_TIMEOUT = 20


class PooledRedisBackend(RedisBackend):
    """broadcaster's Redis backend with Kring's bounded, blocking pool; the pub/sub
    connection is taken from the same pool, as the library's own would be."""

    def __init__(self, url: str):
        super().__init__(url)  # its client connects lazily: nothing is opened yet
        pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=POOL_MAX_CONNECTIONS, timeout=POOL_TIMEOUT)
        self._conn = aioredis.Redis(connection_pool=pool)
        self._pubsub = self._conn.pubsub()


def create_app(redis_url: str | None) -> Starlette:
    broadcast = Broadcast(backend=PooledRedisBackend(redis_url)) if redis_url else Broadcast("memory://")
    locks: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def subscribed(room: str) -> AsyncIterator[Subscriber]:
        lock = locks.setdefault(room, asyncio.Lock())
        async with contextlib.AsyncExitStack() as stack:
            async with lock:
                subscriber = await stack.enter_async_context(broadcast.subscribe(channel=room))
            try:
                yield subscriber
            finally:
                async with lock:
                    await stack.aclose()

    async def endpoint(ws: WebSocket) -> None:
        await ws.accept(subprotocol="bench.broadcaster")
        try:
            join = json.loads(await ws.receive_text())
            room = join["room"]
            async with subscribed(room) as subscriber:
                await ws.send_text('{"t":"joined"}')

                async def forward() -> None:
                    async for event in subscriber:  # type: ignore[union-attr]  # broadcaster types __aiter__ as maybe None
                        await ws.send_text(event.message)

                sender = asyncio.create_task(forward())
                try:
                    while True:
                        msg = json.loads(await ws.receive_text())
                        await broadcast.publish(channel=room, message=json.dumps({"t": "ev", "d": msg["d"]}))
                        await ws.send_text(json.dumps({"t": "ack", "id": msg["id"]}))
                finally:
                    sender.cancel()
        except WebSocketDisconnect:
            pass

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await broadcast.connect()
        async with broadcast.subscribe(channel="bench:process"):  # keeps the listener listening
            tune_gc()  # Kring's settings, at the point Kring applies them
            yield
        await broadcast.disconnect()

    return Starlette(routes=[Route("/healthz", healthz), WebSocketRoute("/ws", endpoint)], lifespan=lifespan)
