"""The groups' HTTP API under /api/groups (docs/GROUPS.md): JSON in and out.

A member is known by the token their link derives, sent as `Authorization: Bearer T`
(never in a URL, so never in an access log). A token that opens no group counts, like a
wrong room code, against the per-address failure limit (server/ratelimit.py). Anything
the database cannot do right now is a 503 `unavailable`, with nothing written.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol import errors, limits, values
from protocol.codec import loads_json
from protocol.errors import ProtocolError

from ..ratelimit import AddressLimits
from ..rooms import method
from . import links, rota, schedule
from .errors import BAD_LINK, GroupError, invalid
from .meetingroom import MeetingRooms
from .meetingstore import MeetingStore
from .store import MeetingChange
from .tables import MAX_GROUP_NAME, ROLES
from .validate import Body

log = logging.getLogger("kring.groups")

Handler = Callable[[Request], Awaitable[Response]]


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _store(request: Request) -> MeetingStore:
    store: MeetingStore = request.app.state.groups
    return store


def _rooms(request: Request) -> MeetingRooms:
    rooms: MeetingRooms = request.app.state.meeting_rooms
    return rooms


def _limits(request: Request) -> AddressLimits:
    guard: AddressLimits = request.app.state.address_limits
    return guard


def _respond(err: GroupError) -> JSONResponse:
    headers: dict[str, str] = {}
    if err.status == 401:
        headers["www-authenticate"] = 'Bearer realm="kring-group"'
    if err.retry_after is not None:
        headers["retry-after"] = str(math.ceil(err.retry_after))
    return JSONResponse(err.body(), err.status, headers=headers or None)


def endpoint(handler: Handler) -> Handler:
    """Errors as JSON: a GroupError as it says, a 401 counted against the address, and a
    database that fails as 503 (its transaction rolled back, so nothing half-written)."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except GroupError as err:
            if err.status == 401:
                await _limits(request).join_failed(_client(request))
            return _respond(err)
        except (SQLAlchemyError, OSError, TimeoutError):
            # the exception's text may quote SQL (never values: the engine hides them); the
            # type is enough to tell a reader what went wrong
            log.warning("the groups' database failed", exc_info=True)
            return _respond(GroupError(errors.UNAVAILABLE, 503))

    return wrapped


async def _token(request: Request) -> str:
    """The caller's token; 429 after too many failures from this address."""
    wait = await _limits(request).join_wait(_client(request))
    if wait is not None:
        raise GroupError(errors.RATE_LIMITED, 429, "too many wrong links from your address", retry_after=wait)
    token = links.bearer(request.headers.get("authorization"))
    if token is None:
        raise GroupError(BAD_LINK, 401, "send the token your link derives as 'Authorization: Bearer <token>'")
    return token


async def _token_hash(request: Request) -> str:
    """The hash of the caller's token, which is all the store needs."""
    return links.token_hash(await _token(request))


async def _body(request: Request, fields: tuple[str, ...]) -> Body:
    """The JSON body, refused as too_large (413) beyond MAX_BODY without reading it all."""
    too_large = GroupError(errors.TOO_LARGE, 413, f"the body is larger than {limits.MAX_BODY // 1024} KiB")
    if int(request.headers.get("content-length") or 0) > limits.MAX_BODY:
        raise too_large
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limits.MAX_BODY:
            raise too_large
    try:
        data = loads_json(bytes(raw)) if raw.strip() else {}
        values.check(data)  # plain data, nested at most MAX_DEPTH, as a room's body and frames
    except ProtocolError as err:
        raise GroupError(err.code, 400, err.detail) from None
    except values.Uncarriable as err:
        raise GroupError(errors.MALFORMED, 400, str(err)) from None
    return Body(data, fields)


def _id(request: Request, key: str) -> int:
    raw = request.path_params[key]
    if not raw.isdigit() or len(raw) > 18:
        raise invalid(f"{key} must be a number")
    return int(raw)


def _method(body: Body, required: bool) -> str | None:
    return body.choice("method", tuple(method.available()), required)


# -- groups -----------------------------------------------------------------------------


@endpoint
async def create_group(request: Request) -> Response:
    body = await _body(request, ("name", "begeleider_name", "token_hash"))
    name = body.text("name", MAX_GROUP_NAME)
    begeleider = body.text("begeleider_name", limits.MAX_NAME)
    token_hash = body.token_hash()
    assert name is not None and begeleider is not None
    wait = await _limits(request).create_group_wait(_client(request))
    if wait is not None:
        raise GroupError(errors.RATE_LIMITED, 429, "too many new groups from your address", retry_after=wait)
    return JSONResponse(await _store(request).create_group(name, begeleider, token_hash), 201)


@endpoint
async def my_group(request: Request) -> Response:
    token_hash = await _token_hash(request)
    await _rooms(request).sweep(token_hash)  # meetings whose rooms are gone are held now
    return JSONResponse(await _store(request).group(token_hash))


@endpoint
async def edit_group(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("guided_meetings",))
    guided = body.integer("guided_meetings", rota.GUIDED_MIN, rota.GUIDED_MAX)
    assert guided is not None
    return JSONResponse(await _store(request).set_guided(token_hash, guided))


@endpoint
async def delete_group(request: Request) -> Response:
    await _store(request).delete_group(await _token_hash(request))
    return Response(status_code=204)


# -- members ----------------------------------------------------------------------------


@endpoint
async def add_member(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("name", "role", "token_hash"))
    name = body.text("name", limits.MAX_NAME)
    role = body.choice("role", ROLES, required=False) or "member"
    new_hash = body.token_hash()
    assert name is not None
    member = await _store(request).add_member(token_hash, name, role, new_hash)
    return JSONResponse({"member": member}, 201)


@endpoint
async def remove_member(request: Request) -> Response:
    token_hash = await _token_hash(request)
    await _store(request).remove_member(token_hash, _id(request, "member_id"))
    return Response(status_code=204)


@endpoint
async def reissue_link(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("token_hash", "generation"))
    new_hash = body.token_hash()
    generation = body.integer("generation", 1, 2**31 - 1)
    assert generation is not None
    member = await _store(request).reissue_link(token_hash, _id(request, "member_id"), generation, new_hash)
    return JSONResponse({"member": member})


# -- the schedule -----------------------------------------------------------------------


@endpoint
async def list_meetings(request: Request) -> Response:
    token_hash = await _token_hash(request)
    await _rooms(request).sweep(token_hash)
    return JSONResponse({"meetings": await _store(request).meetings(token_hash)})


@endpoint
async def add_meeting(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("date", "start", "minutes", "method", "theme"))
    day, start = body.day("date"), body.clock("start")
    minutes = body.integer("minutes", schedule.MIN_MINUTES, schedule.MAX_MINUTES, required=False) or 120
    chosen = _method(body, required=False) or method.DEFAULT_METHOD
    theme = body.text("theme", limits.MAX_TITLE, required=False, nullable=True)
    assert day is not None and start is not None
    planned = schedule.Planned(day, start, minutes, chosen, theme)
    (meeting,) = await _store(request).add_meetings(token_hash, [planned])
    return JSONResponse({"meeting": meeting}, 201)


@endpoint
async def edit_meeting(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("version", "date", "start", "minutes", "method", "theme"))
    version = body.integer("version", 1, 2**31 - 1)
    assert version is not None
    change = MeetingChange(
        date=body.day("date", required=False),
        start=body.clock("start", required=False),
        minutes=body.integer("minutes", schedule.MIN_MINUTES, schedule.MAX_MINUTES, required=False),
        method=_method(body, required=False),
        theme=body.text("theme", limits.MAX_TITLE, required=False, nullable=True),
        clear_theme=body.has("theme") and body.data["theme"] is None,
    )
    meeting = await _store(request).edit_meeting(token_hash, _id(request, "meeting_id"), version, change)
    return JSONResponse({"meeting": meeting})


@endpoint
async def delete_meeting(request: Request) -> Response:
    token_hash = await _token_hash(request)
    await _store(request).delete_meeting(token_hash, _id(request, "meeting_id"))
    return Response(status_code=204)


# -- one meeting: its rota, prepared cases, room ------------------------------------------


@endpoint
async def meeting(request: Request) -> Response:
    token_hash = await _token_hash(request)
    await _rooms(request).sweep(token_hash)
    return JSONResponse(await _store(request).meeting(token_hash, _id(request, "meeting_id")))


def _slot(body: Body) -> tuple[int, str, int, str]:
    version = body.integer("version", 1, 2**31 - 1)
    role = body.choice("role", rota.ROLES)
    slot = body.integer("slot", 1, 2, required=False) or 1
    reason = body.text("reason", limits.MAX_TITLE)
    assert version is not None and role is not None and reason is not None
    return version, role, slot, reason


@endpoint
async def swap_role(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("version", "role", "slot", "with", "reason"))
    version, role, slot, reason = _slot(body)
    other = body.integer("with", 1, 2**31 - 1)
    assert other is not None
    view = await _store(request).swap(token_hash, _id(request, "meeting_id"), version, role, slot, other, reason)
    return JSONResponse(view)


@endpoint
async def skip_role(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("version", "role", "slot", "reason"))
    version, role, slot, reason = _slot(body)
    return JSONResponse(await _store(request).skip(token_hash, _id(request, "meeting_id"), version, role, slot, reason))


@endpoint
async def prepare_case(request: Request) -> Response:
    token_hash = await _token_hash(request)
    body = await _body(request, ("title", "question"))
    title = body.text("title", limits.MAX_TITLE)
    question = body.text("question", limits.MAX_SHORT)
    assert title is not None and question is not None
    case = await _store(request).prepare_case(token_hash, _id(request, "meeting_id"), title, question)
    return JSONResponse({"case": case}, 201)


@endpoint
async def withdraw_case(request: Request) -> Response:
    token_hash = await _token_hash(request)
    await _store(request).withdraw_case(token_hash, _id(request, "meeting_id"), _id(request, "case_id"))
    return Response(status_code=204)


@endpoint
async def start_meeting(request: Request) -> Response:
    token = await _token(request)
    body = await _body(request, ("language",))
    language = body.choice("language", ("nl", "en"), required=False) or "nl"
    started, new = await _rooms(request).start(token, _id(request, "meeting_id"), language)
    return JSONResponse({"meeting": started}, 201 if new else 200)


@endpoint
async def enter_meeting(request: Request) -> Response:
    token = await _token(request)
    return JSONResponse(await _rooms(request).enter(token, _id(request, "meeting_id")))


SERIES_FIELDS = ("from", "weekday", "time", "every_weeks", "count", "until", "minutes", "method", "theme", "cycle")


@endpoint
async def add_series(request: Request) -> Response:
    """A series template: "every N weeks on <weekday> at <time> for <count> meetings / until
    <date>", optionally a themed cycle (then the cycle says how many, and each one's theme
    and werkvorm)."""
    token_hash = await _token_hash(request)
    body = await _body(request, (*SERIES_FIELDS, "language"))
    start = body.day("from")
    weekday = body.choice("weekday", schedule.WEEKDAYS)
    at = body.clock("time")
    every = body.integer("every_weeks", 1, schedule.MAX_EVERY_WEEKS, required=False) or 1
    count = body.integer("count", 1, schedule.MAX_SERIES, required=False)
    until = body.day("until", required=False)
    minutes = body.integer("minutes", schedule.MIN_MINUTES, schedule.MAX_MINUTES, required=False)
    chosen = _method(body, required=False)
    theme = body.text("theme", limits.MAX_TITLE, required=False)
    cycle = body.choice("cycle", tuple(schedule.cycles()), required=False)
    language = body.choice("language", ("nl", "en"), required=False) or "nl"
    assert start is not None and weekday is not None and at is not None
    if cycle is not None and count is None and until is None:
        count = len(schedule.cycles()[cycle].meetings)
    try:
        dates = schedule.series_dates(start, schedule.WEEKDAYS.index(weekday), every, count, until)
        planned = schedule.plan(dates, at, minutes, chosen, theme, cycle, language)
    except schedule.ScheduleError as err:
        raise invalid(str(err)) from None
    return JSONResponse({"meetings": await _store(request).add_meetings(token_hash, planned)}, 201)


async def templates(request: Request) -> Response:
    """What a series can be built from: the themed cycles and the werkvormen."""
    cycles = [
        {
            "id": c.id,
            "name": c.name,
            "minutes": c.minutes,
            "meetings": [{"theme": m.theme, "method": m.method} for m in c.meetings],
        }
        for c in schedule.cycles().values()
    ]
    return JSONResponse({"cycles": cycles, "methods": method.available(), "weekdays": list(schedule.WEEKDAYS)})


def routes() -> list[Route]:
    return [
        Route("/api/groups", create_group, methods=["POST"]),
        Route("/api/groups/templates", templates, methods=["GET"]),
        Route("/api/groups/mine", my_group, methods=["GET"]),
        Route("/api/groups/mine", delete_group, methods=["DELETE"]),
        Route("/api/groups/mine", edit_group, methods=["PATCH"]),
        Route("/api/groups/mine/members", add_member, methods=["POST"]),
        Route("/api/groups/mine/members/{member_id}", remove_member, methods=["DELETE"]),
        Route("/api/groups/mine/members/{member_id}/link", reissue_link, methods=["POST"]),
        Route("/api/groups/mine/meetings", list_meetings, methods=["GET"]),
        Route("/api/groups/mine/meetings", add_meeting, methods=["POST"]),
        Route("/api/groups/mine/meetings/{meeting_id}", edit_meeting, methods=["PATCH"]),
        Route("/api/groups/mine/meetings/{meeting_id}", delete_meeting, methods=["DELETE"]),
        Route("/api/groups/mine/meetings/{meeting_id}", meeting, methods=["GET"]),
        Route("/api/groups/mine/meetings/{meeting_id}/roles/swap", swap_role, methods=["POST"]),
        Route("/api/groups/mine/meetings/{meeting_id}/roles/skip", skip_role, methods=["POST"]),
        Route("/api/groups/mine/meetings/{meeting_id}/cases", prepare_case, methods=["POST"]),
        Route("/api/groups/mine/meetings/{meeting_id}/cases/{case_id}", withdraw_case, methods=["DELETE"]),
        Route("/api/groups/mine/meetings/{meeting_id}/start", start_meeting, methods=["POST"]),
        Route("/api/groups/mine/meetings/{meeting_id}/enter", enter_meeting, methods=["POST"]),
        Route("/api/groups/mine/series", add_series, methods=["POST"]),
    ]
