"""Serve Kring: `python -m server --host 127.0.0.1 --port 8000`.

Runs uvicorn with the settings the protocol depends on (no permessage-deflate, a 64 KiB
frame limit, the transport in server/transport.py); the Procfile uses this too.
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from protocol import limits

from .config import ConfigError, Settings


def _bool(value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server", description="Serve Kring.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--ws-max-size", type=int, default=limits.MAX_FRAME, help="largest websocket frame, bytes")
    parser.add_argument("--ws-per-message-deflate", type=_bool, default=False, help="compression (keep it off)")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-* from the proxy")
    args = parser.parse_args(argv)
    try:  # a setting out of range stops the start with its name, not later in a room
        Settings.from_env()
    except ConfigError as err:
        parser.error(f"{err} (see README.md, Configuration)")
    # Kring's own loggers (kring.*) at the same level as uvicorn's, on stderr beside them
    # (not the root logger: the migrations' INFO lines are no news on every start)
    own = logging.getLogger("kring")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    own.addHandler(handler)
    own.setLevel(args.log_level.upper())
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        ws="server.transport:WebSocketProtocol",
        ws_max_size=args.ws_max_size,
        ws_per_message_deflate=args.ws_per_message_deflate,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
        proxy_headers=args.proxy_headers,
    )


if __name__ == "__main__":
    main()
