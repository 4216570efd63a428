"""The Starlette app factory: HTTP API, pages, health, and the websocket endpoint."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.templating import Jinja2Templates

from protocol import errors

from .backends import open_backend
from .config import Settings
from .hub import Hub
from .ratelimit import JoinGuard
from .rooms import identity, method
from .rooms.engine import new_room
from .ws import endpoint

WEB = Path(__file__).resolve().parent.parent / "client" / "web"


def _bad_request(detail: str) -> JSONResponse:
    en, nl = errors.MESSAGES[errors.INVALID_FIELD]
    return JSONResponse({"error": errors.INVALID_FIELD, "message": en, "message_nl": nl, "detail": detail}, 400)


async def create_room(request: Request) -> Response:
    try:
        body = await request.json() if await request.body() else {}
    except ValueError:
        return _bad_request("the body must be JSON")
    if not isinstance(body, dict):
        return _bad_request("the body must be a JSON object")
    method_id = body.get("method", method.DEFAULT_METHOD)
    language = body.get("language", "nl")
    anonymous = body.get("anonymous_questions", True)
    name = body.get("facilitator_name", "Procesbegeleider" if language == "nl" else "Facilitator")
    if not isinstance(method_id, str) or method_id not in method.available():
        return _bad_request(f"method must be one of {', '.join(method.available())}")
    if language not in ("nl", "en"):
        return _bad_request("language must be 'nl' or 'en'")
    if not isinstance(anonymous, bool):
        return _bad_request("anonymous_questions must be true or false")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 40:
        return _bad_request("facilitator_name must be 1-40 characters")
    backend = request.app.state.backend
    for _ in range(20):
        code = identity.new_room_code()
        token = f"{code}.{identity.new_token()}"
        state = new_room(
            code,
            identity.new_epoch(),
            identity.token_hash(token),
            method_id=method_id,
            language=language,
            anonymous_questions=anonymous,
            facilitator_name=name.strip(),
        )
        if await backend.create(state):
            return JSONResponse({"code": code, "facilitator_token": token}, 201)
    return JSONResponse({"error": errors.UNAVAILABLE, "message": "no free room code"}, 503)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "backend": type(request.app.state.backend).__name__})


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    backend = open_backend(settings.redis_url, room_ttl=settings.room_ttl)
    templates = Jinja2Templates(directory=str(WEB / "templates"))

    async def home(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html", {"methods": method.available()})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await backend.start()
        try:
            yield
        finally:
            await backend.close()

    app = Starlette(
        routes=[
            Route("/", home),
            Route("/healthz", healthz),
            Route("/api/rooms", create_room, methods=["POST"]),
            WebSocketRoute("/ws", endpoint),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.backend = backend
    app.state.hub = Hub(backend, settings.send_queue)
    app.state.join_guard = JoinGuard(settings.failed_joins_per_minute, settings.failed_joins_per_minute)
    return app
