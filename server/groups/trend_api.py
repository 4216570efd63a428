"""The trend's endpoint: GET /api/groups/mine/trend, for every member of the group
(docs/GROUPS.md, "The trend"; the numbers in server/groups/trend.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import http, trend


@http.endpoint
async def group_trend(request: Request) -> Response:
    token_hash = await http.token_hash(request)
    await http.rooms(request).sweep(token_hash)  # meetings whose rooms are gone are held now
    return JSONResponse(await trend.series(http.store(request), token_hash))


def routes() -> list[Route]:
    return [Route("/api/groups/mine/trend", group_trend, methods=["GET"])]
