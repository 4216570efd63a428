"""uvicorn's sans-I/O websockets protocol with the kernel send buffer capped from
BENCH_SOCKET_SNDBUF, as Kring caps its own with KRING_SOCKET_SNDBUF: in the slow-client
scenario every server gets the same cap, so a stalled reader's backlog reaches the
application within seconds instead of after megabytes of kernel buffer."""

from __future__ import annotations

import asyncio
import os
import socket

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sndbuf = int(os.environ.get("BENCH_SOCKET_SNDBUF", "0"))
        sock = transport.get_extra_info("socket")
        if sndbuf > 0 and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        super().connection_made(transport)
