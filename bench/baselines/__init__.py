"""The baselines Kring is measured against (`python -m bench.baselines`, bench/README.md)."""

from __future__ import annotations

import gc

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

# Kring's production GC settings (server/app.py, at the end of its start-up): what start-up
# allocated is frozen out of the collector's passes and collections run less often. Every
# baseline applies the same at the same point, so no server kind is measured with a
# collector the others do not have (tests/test_bench_smoke.py checks they stay equal).
GC_THRESHOLD = (20_000, 20, 50)


def tune_gc() -> None:
    """What Kring's lifespan does once it has started (server/app.py)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


async def healthz(request: Request) -> Response:
    """GET /healthz of every baseline: tests/servers.py waits for it before a run."""
    return JSONResponse({"status": "ok"})
