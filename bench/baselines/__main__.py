"""Serve a baseline: `python -m bench.baselines floor|socketio|broadcaster --port N [--redis URL]`.

The uvicorn settings are Kring's (server/__main__.py): uvloop, httptools, the sans-I/O
websockets protocol (with the same optional send-buffer cap, bench/baselines/transport.py),
permessage-deflate off, a 64 KiB frame limit. Only the app differs.
"""

from __future__ import annotations

import argparse

import uvicorn

from protocol import limits

KINDS = ("floor", "socketio", "broadcaster")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baselines", description=__doc__)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default=None, help="redis://… to share rooms between processes")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if args.kind == "floor":
        from .floor import create_app
    elif args.kind == "socketio":
        from .socketio_app import create_app  # type: ignore[assignment]  # one of three apps
    else:
        from .broadcaster_app import create_app  # type: ignore[assignment]  # one of three apps
    uvicorn.run(
        create_app(args.redis),
        host=args.host,
        port=args.port,
        ws="bench.baselines.transport:WebSocketProtocol",
        ws_max_size=limits.MAX_FRAME,
        ws_per_message_deflate=False,
        loop="uvloop",
        http="httptools",
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
