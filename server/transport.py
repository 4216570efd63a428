"""The websocket transport: uvicorn's sans-I/O websockets protocol, able to drop a peer
that stopped reading, and quiet about a client's text frame that is not UTF-8.

ASGI offers no abort: a `websocket.close` waits until the socket drains, which a laptop
that went to sleep never lets happen, so its connection and buffers would linger. Closing
a connection whose socket is not writable queues the close frame and aborts the
connection if the peer has not read it after a grace period.
"""

from __future__ import annotations

import asyncio
import socket
from functools import cache
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from .config import Settings

ABORT_GRACE = 5.0  # seconds a peer that stopped reading has to catch up before it is cut off


@cache
def _sndbuf() -> int:
    """KRING_SOCKET_SNDBUF, read once (python -m server refused a bad value at start-up)."""
    return Settings.from_env().socket_sndbuf


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # KRING_SOCKET_SNDBUF caps the kernel's send buffer per connection (default: the
        # kernel's autotuning, up to megabytes), so a peer that stops reading fills its
        # Kring send queue sooner and holds less memory.
        sndbuf = _sndbuf()
        sock = transport.get_extra_info("socket")
        if sndbuf > 0 and sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        super().connection_made(transport)

    async def send(self, message: Any) -> None:
        if (
            message["type"] == "websocket.close"
            and self.handshake_complete
            and not self.close_sent
            and not self.writable.is_set()
        ):
            # Queue the close frame behind what is buffered and give the peer a grace
            # period to read it (a laptop waking up sees 4008 and resumes); then abort.
            code = message.get("code", 1000)
            self.conn.send_close(code, message.get("reason", "") or "")
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
            self.queue.put_nowait({"type": "websocket.disconnect", "code": code})
            self.close_timer = self.loop.call_later(ABORT_GRACE, self.transport.abort)
            return
        await super().send(message)

    def send_receive_event_to_app(self) -> None:
        # A text frame that is not UTF-8 is the client's mistake: close it with 1007 as
        # uvicorn does, but without uvicorn's traceback in the log, which any client
        # could otherwise fill at the rate it can connect.
        if self.curr_msg_data_type == "text" and not self.close_sent:
            data = self.frames[0] if len(self.frames) == 1 else b"".join(self.frames)
            try:
                data.decode()
            except UnicodeDecodeError:
                self.frames = []
                self.conn.send_close(1007)
                self.handle_parser_exception()
                return
        super().send_receive_event_to_app()
