"""The websocket transport: uvicorn's sans-I/O websockets protocol, able to drop a peer
that stopped reading, quiet about a client's text frame that is not UTF-8, and able to
write a frame at once, outside ASGI, for the hub's fan-out.

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
from websockets.exceptions import InvalidState
from websockets.http11 import Request

from .config import Settings

ABORT_GRACE = 5.0  # seconds a peer that stopped reading has to catch up before it is cut off

#: the scope extension under which a websocket's `send_now` is offered to the app
SEND_NOW = "kring.send_now"


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

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if not self.close_sent:  # accepted for the app, whose task has not started yet
            self.scope["extensions"][SEND_NOW] = self.send_now  # type: ignore[assignment]  # ASGI types the extension values as dicts

    def send_now(self, data: bytes | str) -> bool:
        """Write one frame to the socket now, if nothing stands in the way; False if it must
        go through ASGI's `send` instead (not open, or the socket is not writable).

        A broadcast reaches a room's every connection from one place (server/hub.py). Through
        ASGI each frame wakes that connection's writer task and passes four layers of `send`
        before the same `transport.write`; written here, as python-websockets' `broadcast`
        writes, it costs the write. Backpressure is unchanged: once the socket's buffer is
        past its high-water mark the protocol is not writable, and frames queue in the hub,
        which drops a connection whose queue overflows."""
        if not (self.handshake_complete and self.writable.is_set()) or self.close_sent or self.disconnected:
            return False
        try:
            if isinstance(data, bytes):
                self.conn.send_binary(data)
            else:
                self.conn.send_text(data.encode())
        except InvalidState:  # the peer's close frame is in: ASGI's send says what to do
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True

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
