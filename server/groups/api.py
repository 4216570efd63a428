"""The groups' HTTP API under /api/groups (docs/GROUPS.md): JSON in and out.

A member is known by the token their link derives, sent as `Authorization: Bearer T`
(never in a URL, so never in an access log). A token that opens no group counts, like a
wrong room code, against the per-address failure limit (server/ratelimit.py). Anything
the database cannot do right now is a 503 `unavailable`, with nothing written.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol import errors, limits

from ..rooms import method
from ..rooms.events import RoomError
from ..rooms.rules.hybrid import check_call_link
from . import actions_api, http, ledger_api, rota, schedule, trend_api
from .errors import GroupError, invalid
from .store import MeetingChange
from .tables import MAX_GROUP_NAME, ROLES
from .validate import Body


def _method(body: Body, required: bool) -> str | None:
    return body.choice("method", tuple(method.available()), required)


# -- groups -----------------------------------------------------------------------------


@http.endpoint
async def create_group(request: Request) -> Response:
    body = await http.read_body(request, ("name", "begeleider_name", "token_hash"))
    name = body.text("name", MAX_GROUP_NAME)
    begeleider = body.text("begeleider_name", limits.MAX_NAME)
    token_hash = body.token_hash()
    assert name is not None and begeleider is not None
    wait = await http.address_limits(request).create_group_wait(http.client(request))
    if wait is not None:
        raise GroupError(errors.RATE_LIMITED, 429, "too many new groups from your address", retry_after=wait)
    return JSONResponse(await http.store(request).create_group(name, begeleider, token_hash), 201)


@http.endpoint
async def my_group(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)  # meetings whose rooms are gone are held now
    return JSONResponse(await http.store(request).group(token_hash))


@http.endpoint
async def edit_group(request: Request) -> Response:
    """`guided_meetings` (the begeleider), `call_link` (any member; null clears it), or both."""
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("guided_meetings", "call_link"))
    if not body.has("guided_meetings") and not body.has("call_link"):
        raise invalid("give 'guided_meetings', 'call_link' or both")
    guided = body.integer("guided_meetings", rota.GUIDED_MIN, rota.GUIDED_MAX, required=False)
    call_link = body.text("call_link", limits.MAX_CALL_LINK, required=False, nullable=True)
    if call_link is not None:
        try:
            check_call_link(call_link)
        except RoomError as err:
            raise invalid(err.detail) from None
    store = http.store(request)
    result = await store.set_guided(token_hash, guided) if guided is not None else None
    if body.has("call_link"):
        result = await store.set_call_link(token_hash, call_link)
    assert result is not None
    return JSONResponse(result)


@http.endpoint
async def delete_group(request: Request) -> Response:
    await http.store(request).delete_group(await http.token_hash(request))
    return Response(status_code=204)


# -- members ----------------------------------------------------------------------------


@http.endpoint
async def add_member(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("name", "role", "token_hash"))
    name = body.text("name", limits.MAX_NAME)
    role = body.choice("role", ROLES, required=False) or "member"
    new_hash = body.token_hash()
    assert name is not None
    member = await http.store(request).add_member(token_hash, name, role, new_hash)
    return JSONResponse({"member": member}, 201)


@http.endpoint
async def remove_member(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.store(request).remove_member(token_hash, http.path_id(request, "member_id"))
    return Response(status_code=204)


@http.endpoint
async def reissue_link(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("token_hash", "generation"))
    new_hash = body.token_hash()
    generation = body.integer("generation", 1, 2**31 - 1)
    assert generation is not None
    member = await http.store(request).reissue_link(
        token_hash, http.path_id(request, "member_id"), generation, new_hash
    )
    return JSONResponse({"member": member})


# -- the schedule -----------------------------------------------------------------------


@http.endpoint
async def list_meetings(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)
    return JSONResponse({"meetings": await http.store(request).meetings(token_hash)})


@http.endpoint
async def add_meeting(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("date", "start", "minutes", "method", "theme"))
    day, start = body.day("date"), body.clock("start")
    minutes = body.integer("minutes", schedule.MIN_MINUTES, schedule.MAX_MINUTES, required=False) or 120
    chosen = _method(body, required=False) or method.DEFAULT_METHOD
    theme = body.text("theme", limits.MAX_TITLE, required=False, nullable=True)
    assert day is not None and start is not None
    planned = schedule.Planned(day, start, minutes, chosen, theme)
    (meeting,) = await http.store(request).add_meetings(token_hash, [planned])
    return JSONResponse({"meeting": meeting}, 201)


@http.endpoint
async def edit_meeting(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("version", "date", "start", "minutes", "method", "theme"))
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
    meeting = await http.store(request).edit_meeting(token_hash, http.path_id(request, "meeting_id"), version, change)
    return JSONResponse({"meeting": meeting})


@http.endpoint
async def delete_meeting(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.store(request).delete_meeting(token_hash, http.path_id(request, "meeting_id"))
    return Response(status_code=204)


# -- one meeting: its rota, prepared cases, room ------------------------------------------


@http.endpoint
async def meeting(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)
    return JSONResponse(await http.store(request).meeting(token_hash, http.path_id(request, "meeting_id")))


def _slot(body: Body) -> tuple[int, str, int, str]:
    version = body.integer("version", 1, 2**31 - 1)
    role = body.choice("role", rota.ROLES)
    slot = body.integer("slot", 1, 2, required=False) or 1
    reason = body.text("reason", limits.MAX_TITLE)
    assert version is not None and role is not None and reason is not None
    return version, role, slot, reason


@http.endpoint
async def swap_role(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("version", "role", "slot", "with", "reason"))
    version, role, slot, reason = _slot(body)
    other = body.integer("with", 1, 2**31 - 1)
    assert other is not None
    view = await http.store(request).swap(
        token_hash, http.path_id(request, "meeting_id"), version, role, slot, other, reason
    )
    return JSONResponse(view)


@http.endpoint
async def skip_role(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("version", "role", "slot", "reason"))
    version, role, slot, reason = _slot(body)
    return JSONResponse(
        await http.store(request).skip(token_hash, http.path_id(request, "meeting_id"), version, role, slot, reason)
    )


@http.endpoint
async def prepare_case(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, ("title", "question"))
    title = body.text("title", limits.MAX_TITLE)
    question = body.text("question", limits.MAX_SHORT)
    assert title is not None and question is not None
    case = await http.store(request).prepare_case(token_hash, http.path_id(request, "meeting_id"), title, question)
    return JSONResponse({"case": case}, 201)


@http.endpoint
async def withdraw_case(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.store(request).withdraw_case(
        token_hash, http.path_id(request, "meeting_id"), http.path_id(request, "case_id")
    )
    return Response(status_code=204)


@http.endpoint
async def start_meeting(request: Request) -> Response:
    token = await http.token(request)
    body = await http.read_body(request, ("language",))
    language = body.choice("language", ("nl", "en"), required=False) or "nl"
    started, new = await http.rooms(request).start(token, http.path_id(request, "meeting_id"), language)
    return JSONResponse({"meeting": started}, 201 if new else 200)


@http.endpoint
async def enter_meeting(request: Request) -> Response:
    token = await http.token(request)
    body = await http.read_body(request, ("as",))
    observer = body.choice("as", ("observer",), required=False) == "observer"
    return JSONResponse(await http.rooms(request).enter(token, http.path_id(request, "meeting_id"), observer))


SERIES_FIELDS = ("from", "weekday", "time", "every_weeks", "count", "until", "minutes", "method", "theme", "cycle")


@http.endpoint
async def add_series(request: Request) -> Response:
    """A series template: "every N weeks on <weekday> at <time> for <count> meetings / until
    <date>", optionally a themed cycle (then the cycle says how many, and each one's theme
    and werkvorm)."""
    token_hash = await http.token_hash(request)
    body = await http.read_body(request, (*SERIES_FIELDS, "language"))
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
    return JSONResponse({"meetings": await http.store(request).add_meetings(token_hash, planned)}, 201)


async def templates(request: Request) -> Response:
    """What a series can be built from: the themed cycles and the werkvormen."""
    return JSONResponse(
        {"cycles": schedule.cycles_view(), "methods": method.available(), "weekdays": list(schedule.WEEKDAYS)}
    )


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
        *actions_api.routes(),
        *ledger_api.routes(),
        *trend_api.routes(),
    ]
