"""Kring as the Procfile serves it (`python -m server …`, the same arguments), with one
difference: the Redis backend's own logger (`kring.redis`) logs at INFO even though the
bench runs the server at `--log-level warning` (tests/servers.py), so that its line at
shutdown, "redis URL: N commits, M lost a race", reaches the run's log
(bench/results/server-*.log) without uvicorn's access lines for every connection."""

from __future__ import annotations

import logging
import sys

from server.__main__ import main

if __name__ == "__main__":
    # a level set on the child outranks the "kring" logger's (set by main from --log-level);
    # the line goes out through the handler main puts on "kring"
    logging.getLogger("kring.redis").setLevel(logging.INFO)
    main(sys.argv[1:])
