"""The actions' endpoints (docs/PROTOCOL.md §1.3, docs/GROUPS.md "Actions"): a member adds,
lists and deletes their own, and fetches the ones their next meeting's terugblik looks back
on. Every call is the caller's own: no endpoint takes a member id.

What comes in is checked for shape only: a nonce and a ciphertext in base64url, within the
bounds an action of at most MAX_ACTION_BYTES can have. The server cannot read more than that.
"""

from __future__ import annotations

import base64
import binascii
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import http
from .actions import ActionStore
from .errors import invalid
from .tables import ACTION_IV_LENGTH, MAX_ACTION_BYTES, MAX_ACTION_CIPHERTEXT
from .validate import Body

IV_BYTES = 12  # AES-GCM's nonce
TAG_BYTES = 16  # AES-GCM's authentication tag, at the end of the ciphertext

_B64URL = re.compile(r"[A-Za-z0-9_-]+")


def _decoded(text: str) -> bytes | None:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _sealed(body: Body) -> tuple[str, str]:
    iv, ciphertext = body.data.get("iv"), body.data.get("ciphertext")
    for key, value in (("iv", iv), ("ciphertext", ciphertext)):
        if value is None:
            raise invalid(f"{key!r} is missing")
        if not isinstance(value, str):
            raise invalid(f"{key!r} must be a string")
    assert isinstance(iv, str) and isinstance(ciphertext, str)
    raw_iv = _decoded(iv) if len(iv) == ACTION_IV_LENGTH else None
    if raw_iv is None or len(raw_iv) != IV_BYTES:
        raise invalid(f"'iv' must be the unpadded base64url of a {IV_BYTES}-byte AES-GCM nonce")
    raw = _decoded(ciphertext) if len(ciphertext) <= MAX_ACTION_CIPHERTEXT else None
    if raw is None or not TAG_BYTES < len(raw) <= MAX_ACTION_BYTES + TAG_BYTES:
        raise invalid(
            f"'ciphertext' must be unpadded base64url of an AES-GCM ciphertext of 1 to {MAX_ACTION_BYTES} bytes"
            f" and its tag (at most {MAX_ACTION_CIPHERTEXT} characters)"
        )
    return iv, ciphertext


def _store(request: Request) -> ActionStore:
    return ActionStore(http.store(request).engine)


@http.endpoint
async def add_action(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    iv, ciphertext = _sealed(await http.read_body(request, ("iv", "ciphertext")))
    action = await _store(request).add(token_hash, http.path_id(request, "meeting_id"), iv, ciphertext)
    return JSONResponse({"action": action}, 201)


@http.endpoint
async def my_actions(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    unexpected = sorted(set(request.query_params) - {"meeting"})
    if unexpected:
        raise invalid(f"unexpected query parameter {unexpected[0]!r}")
    raw = request.query_params.get("meeting")
    if raw is not None and (not raw.isdigit() or len(raw) > 18):
        raise invalid("meeting must be a number")
    found = await _store(request).mine(token_hash, int(raw) if raw is not None else None)
    return JSONResponse({"actions": found})


@http.endpoint
async def delete_action(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await _store(request).delete(token_hash, http.path_id(request, "action_id"))
    return Response(status_code=204)


@http.endpoint
async def delete_my_actions(request: Request) -> Response:
    deleted = await _store(request).delete_all(await http.token_hash(request))
    return JSONResponse({"deleted": deleted})


@http.endpoint
async def terugblik(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)  # a meeting whose room is gone is held now
    return JSONResponse(await _store(request).terugblik(token_hash, http.path_id(request, "meeting_id")))


def routes() -> list[Route]:
    return [
        Route("/api/groups/mine/actions", my_actions, methods=["GET"]),
        Route("/api/groups/mine/actions", delete_my_actions, methods=["DELETE"]),
        Route("/api/groups/mine/actions/{action_id}", delete_action, methods=["DELETE"]),
        Route("/api/groups/mine/meetings/{meeting_id}/actions", add_action, methods=["POST"]),
        Route("/api/groups/mine/meetings/{meeting_id}/terugblik", terugblik, methods=["GET"]),
    ]
