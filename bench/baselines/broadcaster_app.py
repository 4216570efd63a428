"""encode/broadcaster with Starlette, as its README's chat example does it.

Each websocket subscribes to its room's channel and forwards what arrives; what it
receives it publishes. `memory://` in one process, `redis://` across processes. The Redis
backend hands messages on as text, so frames are JSON text.

Wire (JSON text frames):
  -> {"t": "join", "room": str}          <- {"t": "joined"}
  -> {"t": "pub", "id": int, "d": any}   <- {"t": "ev", "d": any} to every member,
                                          <- {"t": "ack", "id": int} to the sender
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from broadcaster import Broadcast
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(redis_url: str | None) -> Starlette:
    broadcast = Broadcast(redis_url or "memory://")

    async def endpoint(ws: WebSocket) -> None:
        await ws.accept(subprotocol="bench.broadcaster")
        try:
            join = json.loads(await ws.receive_text())
            room = join["room"]
            async with broadcast.subscribe(channel=room) as subscriber:
                await ws.send_text('{"t":"joined"}')

                async def forward() -> None:
                    async for event in subscriber:  # type: ignore[union-attr]
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
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        await broadcast.connect()
        yield
        await broadcast.disconnect()

    return Starlette(routes=[Route("/healthz", healthz), WebSocketRoute("/ws", endpoint)], lifespan=lifespan)
