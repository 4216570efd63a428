"""The Starlette app factory: HTTP API, pages, health, and the websocket endpoint."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates

from protocol import errors
from protocol.errors import ProtocolError
from protocol.messages import parse_create_room

from .backends import Backend, open_backend
from .config import Settings
from .hub import Hub
from .pages import WEB, SecurityHeaders, routes
from .ratelimit import JoinGuard
from .rooms import identity, method
from .rooms.engine import new_room
from .ws import endpoint

log = logging.getLogger("kring.app")


def _error(err: ProtocolError, status: int) -> JSONResponse:
    body = err.frame()
    body["error"] = body.pop("code")
    del body["t"]
    return JSONResponse(body, status)


async def create_room(request: Request) -> Response:
    try:
        body = parse_create_room(await request.json() if await request.body() else {})
    except ValueError:
        return _error(ProtocolError(errors.INVALID_FIELD, "the body must be JSON"), 400)
    except ProtocolError as err:
        return _error(err, 400)
    method_id = body.get("method", method.DEFAULT_METHOD)
    language = body.get("language", "nl")
    anonymous = body.get("anonymous_questions", True)
    name = body.get("facilitator_name") or ("Procesbegeleider" if language == "nl" else "Facilitator")
    method_toml = body.get("method_toml")
    if method_toml is not None:
        if "method" in body:
            return _error(ProtocolError(errors.INVALID_FIELD, "give either 'method' or 'method_toml'"), 400)
        try:
            method_id = method.from_toml(method_toml).id
        except method.MethodError as err:
            return _error(ProtocolError(errors.INVALID_FIELD, f"method file: {err}"), 400)
    elif method_id not in method.available():
        return _error(
            ProtocolError(errors.INVALID_FIELD, f"method must be one of {', '.join(method.available())}"), 400
        )
    try:
        settings: Settings = request.app.state.settings
        return await _create(
            request.app.state.backend, method_id, method_toml, language, anonymous, name, settings.max_participants
        )
    except Exception:
        log.warning("creating a room failed", exc_info=True)
        return _error(ProtocolError(errors.UNAVAILABLE), 503)


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
    return JSONResponse({"status": "ok", "backend": type(request.app.state.backend).__name__})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    backend = open_backend(settings.redis_url, room_ttl=settings.room_ttl, log_cap=settings.log_cap)
    templates = Jinja2Templates(directory=str(WEB / "templates"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.start()
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
            await app.state.hub.close()
            await backend.close()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/api/rooms", create_room, methods=["POST"]),
            WebSocketRoute("/ws", endpoint),
            *routes(templates),
        ],
        middleware=[Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.backend = backend
    app.state.hub = Hub(backend, settings.send_queue)
    app.state.join_guard = JoinGuard(settings.failed_joins_per_minute, settings.failed_joins_per_minute)
    return app
