"""What a Python team would pick instead: python-socketio, as its documentation shows it.

An `AsyncServer` in ASGI mode; rooms through its plain manager in one process and through
`AsyncRedisManager` across processes. Every setting is the library's default (JSON text
packets, handlers run as tasks); `/healthz` comes from a small Starlette app beside it. The
process runs with Kring's GC settings (bench/baselines/__init__.py), as every kind does.

Events (Socket.IO v5 over Engine.IO v4, the client speaks it in bench/kinds.py):
  join(room) -> ack true          pub({"room", "d"}) -> "ev" d to the room, ack true
"""

from __future__ import annotations

import socketio
from starlette.applications import Starlette
from starlette.routing import Route

from . import healthz, tune_gc


def create_app(redis_url: str | None) -> socketio.ASGIApp:
    manager = socketio.AsyncRedisManager(redis_url) if redis_url else None
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, cors_allowed_origins="*")

    @sio.event
    async def join(sid: str, room: str) -> bool:
        await sio.enter_room(sid, room)
        return True

    @sio.event
    async def pub(sid: str, data: dict) -> bool:
        await sio.emit("ev", data["d"], room=data["room"])
        return True

    # on_startup: Kring's GC settings once started (the Starlette app beside it has no
    # lifespan of its own to run)
    return socketio.ASGIApp(sio, other_asgi_app=Starlette(routes=[Route("/healthz", healthz)]), on_startup=tune_gc)
