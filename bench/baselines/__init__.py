"""The baselines Kring is measured against (`python -m bench.baselines`, bench/README.md)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


async def healthz(request: Request) -> Response:
    """GET /healthz of every baseline: tests/servers.py waits for it before a run."""
    return JSONResponse({"status": "ok"})
