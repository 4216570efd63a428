"""What every groups endpoint shares (docs/GROUPS.md): the caller's token from the
`Authorization` header (never a URL, so never an access log), the JSON body within
MAX_BODY, a path's number, and one place that turns a GroupError, a wrong link (counted
against the address, as a wrong room code) or a database that fails (503, nothing
written) into the answer. The endpoints themselves live in sibling modules.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from protocol import errors, limits, values
from protocol.codec import loads_json
from protocol.errors import ProtocolError

from ..ratelimit import AddressLimits
from . import links
from .errors import BAD_LINK, GroupError, invalid
from .meetingroom import MeetingRooms
from .meetingstore import MeetingStore
from .validate import Body

log = logging.getLogger("kring.groups")

Handler = Callable[[Request], Awaitable[Response]]


def client(request: Request) -> str:
    return request.client.host if request.client else "?"


def store(request: Request) -> MeetingStore:
    store: MeetingStore = request.app.state.groups
    return store


def rooms(request: Request) -> MeetingRooms:
    rooms: MeetingRooms = request.app.state.meeting_rooms
    return rooms


def address_limits(request: Request) -> AddressLimits:
    guard: AddressLimits = request.app.state.address_limits
    return guard


def respond(err: GroupError) -> JSONResponse:
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
                await address_limits(request).join_failed(client(request))
            return respond(err)
        except (SQLAlchemyError, OSError, TimeoutError):
            # the exception's text may quote SQL (never values: the engine hides them); the
            # type is enough to tell a reader what went wrong
            log.warning("the groups' database failed", exc_info=True)
            return respond(GroupError(errors.UNAVAILABLE, 503))

    return wrapped


async def token(request: Request) -> str:
    """The caller's token; 429 after too many failures from this address."""
    wait = await address_limits(request).join_wait(client(request))
    if wait is not None:
        raise GroupError(errors.RATE_LIMITED, 429, "too many wrong links from your address", retry_after=wait)
    token = links.bearer(request.headers.get("authorization"))
    if token is None:
        raise GroupError(BAD_LINK, 401, "send the token your link derives as 'Authorization: Bearer <token>'")
    return token


async def token_hash(request: Request) -> str:
    """The hash of the caller's token, which is all the store needs."""
    return links.token_hash(await token(request))


async def read_body(request: Request, fields: tuple[str, ...]) -> Body:
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


def path_id(request: Request, key: str) -> int:
    raw = request.path_params[key]
    if not raw.isdigit() or len(raw) > 18:
        raise invalid(f"{key} must be a number")
    return int(raw)
