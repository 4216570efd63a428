"""The Starlette app factory: HTTP API, pages, health, and the websocket endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import math
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates

from protocol import errors, limits
from protocol.args import CreateRoomBody
from protocol.codec import loads_json
from protocol.errors import ProtocolError
from protocol.messages import parse_create_room

from .backends import Backend, RoomsFull, open_backend
from .config import Settings
from .groups import api as groups_api
from .groups import retention
from .groups.db import create_engine, database_url
from .groups.meetingroom import MeetingRooms
from .groups.meetingstore import MeetingStore
from .groups.migrate import upgrade
from .hub import Hub
from .pages import WEB, SecurityHeaders, routes
from .ratelimit import AddressLimits
from .rooms import identity, method
from .rooms.engine import new_room
from .ws import endpoint

log = logging.getLogger("kring.app")


def _error(err: ProtocolError, status: int) -> JSONResponse:
    body = err.frame()
    body["error"] = body.pop("code")
    del body["t"]
    headers = {"retry-after": str(math.ceil(err.retry_after))} if err.retry_after is not None else None
    return JSONResponse(body, status, headers=headers)


async def _body(request: Request) -> bytes:
    """The request body, refused as `too_large` beyond MAX_BODY without reading it all."""
    if int(request.headers.get("content-length") or 0) > limits.MAX_BODY:
        raise ProtocolError(errors.TOO_LARGE, f"the body is larger than {limits.MAX_BODY // 1024} KiB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limits.MAX_BODY:
            raise ProtocolError(errors.TOO_LARGE, f"the body is larger than {limits.MAX_BODY // 1024} KiB")
    return bytes(body)


async def create_room(request: Request) -> Response:
    try:
        raw = await _body(request)
    except ProtocolError as err:
        return _error(err, 413)
    try:
        body = parse_create_room(loads_json(raw) if raw.strip() else {})
        method_id = _method_of(body)
    except ProtocolError as err:
        return _error(err, 400)
    language = body.get("language", "nl")
    name = body.get("facilitator_name") or ("Procesbegeleider" if language == "nl" else "Facilitator")
    settings: Settings = request.app.state.settings
    try:
        wait = await request.app.state.address_limits.create_wait(request.client.host if request.client else "?")
        if wait is not None:
            return _error(
                ProtocolError(errors.RATE_LIMITED, "too many new rooms from your address", retry_after=wait), 429
            )
        return await _create(
            request.app.state.backend,
            method_id,
            body.get("method_toml"),
            language,
            body.get("anonymous_questions", True),
            name,
            settings.max_participants,
        )
    except RoomsFull:
        log.warning("refused a new room: the backend holds KRING_MAX_ROOMS (%s) rooms", settings.max_rooms)
        return _error(ProtocolError(errors.UNAVAILABLE, "the server holds as many rooms as it may; try later"), 503)
    except Exception:
        log.warning("creating a room failed", exc_info=True)
        return _error(ProtocolError(errors.UNAVAILABLE), 503)


def _method_of(body: CreateRoomBody) -> str:
    """The id of the method the body asks for; ProtocolError if it names none."""
    try:
        return method.choose(body.get("method"), body.get("method_toml"), default=method.DEFAULT_METHOD).id
    except method.MethodError as err:
        raise ProtocolError(errors.INVALID_FIELD, str(err)) from None


async def _create(
    backend: Backend,
    method_id: str,
    method_toml: str | None,
    language: str,
    anonymous: bool,
    name: str,
    max_participants: int,
) -> Response:
    for _ in range(20):
        code = identity.new_room_code()
        token = f"{code}.{identity.new_token()}"
        state = new_room(
            code,
            identity.new_epoch(),
            identity.token_hash(token),
            method_id=method_id,
            method_toml=method_toml,
            language=language,
            anonymous_questions=anonymous,
            facilitator_name=name,
            max_participants=max_participants,
        )
        if await backend.create(state):
            return JSONResponse({"code": code, "facilitator_token": token}, 201)
    return _error(ProtocolError(errors.UNAVAILABLE, "no free room code"), 503)


async def healthz(request: Request) -> Response:
    """Readiness, for a load balancer: 503 while the room storage does not answer, since
    a process that cannot reach it can only answer `unavailable`."""
    backend: Backend = request.app.state.backend
    problem = await backend.health()
    body = {"status": "ok" if problem is None else "unavailable", "backend": type(backend).__name__}
    if problem is not None:
        body["detail"] = problem
    elif (partly := await backend.degraded()) is not None:
        body["degraded"] = partly  # some rooms wait for their Redis server; the rest go on
    return JSONResponse(body, 200 if problem is None else 503)


async def livez(request: Request) -> Response:
    """Liveness, for a process supervisor: the process serves HTTP (whatever its storage does)."""
    return JSONResponse({"status": "ok"})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    backend = open_backend(
        settings.redis_urls, room_ttl=settings.room_ttl, log_cap=settings.log_cap, max_rooms=settings.max_rooms
    )
    templates = Jinja2Templates(directory=str(WEB / "templates"))
    groups_db = create_engine(database_url(settings.database_url, settings.data_dir))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.start()
        # the groups' tables are brought up to date before anyone is served; with several
        # processes on one PostgreSQL they take turns (server/groups/migrations/env.py)
        await upgrade(groups_db)
        # what the groups keep expires (server/groups/retention.py): swept now, then daily
        sweeper = asyncio.create_task(retention.daily(groups_db))
        app.state.address_limits = AddressLimits(
            backend.limit_storage(), settings.failed_joins_per_minute, settings.rooms_per_hour
        )
        # What start-up loaded lives as long as the process: keep it out of the
        # collector's full passes. And collect less often than CPython's default (every
        # 700 new container objects): each pass stalls every room on this process, and
        # they made most of the p99 on Redis (bench/README.md); the price is a little
        # cyclic garbage waiting longer.
        gc.collect()
        gc.freeze()
        gc.set_threshold(20_000, 20, 50)
        try:
            yield
        finally:
            sweeper.cancel()
            await app.state.hub.close()
            await backend.close()
            await groups_db.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/livez", livez),
            Route("/api/rooms", create_room, methods=["POST"]),
            *groups_api.routes(),
            WebSocketRoute("/ws", endpoint),
            *routes(templates),
        ],
        middleware=[Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.backend = backend
    app.state.hub = Hub(backend, settings.send_queue)
    app.state.groups = MeetingStore(groups_db)
    # a group's meeting is a room: started, entered with a link, recorded when it ends
    app.state.meeting_rooms = MeetingRooms(app.state.groups, backend, settings.max_participants)
    app.state.hub.on_ended = app.state.meeting_rooms.room_ended
    return app
