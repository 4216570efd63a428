"""A light websocket client for the load generator: the `websockets` library's sans-I/O
client protocol driven by a plain asyncio Protocol.

The generator is one Python process on one core that must receive tens of thousands of
frames a second. `websockets.asyncio.client` would add a task, a message assembler and a
future wakeup per connection and frame; here each read is parsed in `data_received` and
handed to a callback at once, stamped with the time it arrived. Pings are answered by the
sans-I/O protocol itself. A connection can stop reading (`pause`) to play a client that
has gone to sleep.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

OnMessage = Callable[["WSClient", Any, int], None]


class WSClient(asyncio.Protocol):
    """One websocket. `on_message(client, data, arrived_ns)` gets str or bytes."""

    def __init__(self, url: str, subprotocol: str | None, on_message: OnMessage):
        self.ws = ClientProtocol(
            parse_uri(url),
            subprotocols=[Subprotocol(subprotocol)] if subprotocol else None,
            max_size=None,
        )
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self.paused = False
        self._parts: list[bytes] = []  # fragments of a message not yet complete
        self._text = False
        self.state: Any = None  # what the adapter keeps per connection

    # ------------------------------------------------------------------ asyncio

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP connection: an asyncio.Transport
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic_ns()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Frame):
                self._frame(event, now)
            elif isinstance(event, Response):
                if self.ws.handshake_exc is not None:
                    if not self.opened.done():
                        self.opened.set_exception(self.ws.handshake_exc)
                elif not self.opened.done():
                    self.opened.set_result(None)
        self._flush()

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            # 1006: the connection ended without a close frame
            self.close_code = self.ws.close_rcvd.code if self.ws.close_rcvd is not None else 1006
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # ------------------------------------------------------------------ frames

    def _frame(self, frame: Frame, now: int) -> None:
        op = frame.opcode
        if op is Opcode.TEXT or op is Opcode.BINARY:
            if frame.fin:
                data = frame.data
                self.on_message(self, data.decode() if op is Opcode.TEXT else data, now)
            else:
                self._parts, self._text = [frame.data], op is Opcode.TEXT
        elif op is Opcode.CONT:
            self._parts.append(frame.data)
            if frame.fin:
                data = b"".join(self._parts)
                self._parts = []
                self.on_message(self, data.decode() if self._text else data, now)
        elif op is Opcode.CLOSE and self.ws.close_rcvd is not None:
            self.close_code = self.ws.close_rcvd.code

    def _flush(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        for data in self.ws.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                transport.write_eof()
        if self.ws.close_expected() and self.ws.state is State.CLOSED:
            transport.close()

    # ------------------------------------------------------------------ use

    def send(self, data: bytes | str) -> None:
        if self.ws.state is not State.OPEN:
            return
        if isinstance(data, str):
            self.ws.send_text(data.encode())
        else:
            self.ws.send_binary(data)
        self._flush()

    def pause(self) -> None:
        """Stop reading, as a laptop that went to sleep: the server's frames pile up."""
        assert self.transport is not None
        self.paused = True
        self.transport.pause_reading()

    def resume(self) -> None:
        if self.transport is not None and self.paused:
            self.paused = False
            self.transport.resume_reading()

    async def close(self, timeout: float = 2.0) -> None:
        if self.transport is None:
            return
        self.resume()
        if self.ws.state is State.OPEN:
            self.ws.send_close(1000)
            self._flush()
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout)
        except TimeoutError:
            self.transport.abort()


async def connect(
    url: str,
    subprotocol: str | None,
    on_message: OnMessage,
    state: Any = None,
    *,
    rcvbuf: int | None = None,
    timeout: float = 30,
) -> WSClient:
    """Open a websocket; `state` is in place before the first frame can arrive (one may
    come with the handshake); `rcvbuf` shrinks the kernel's receive buffer (a slow client)."""
    loop = asyncio.get_running_loop()
    uri = parse_uri(url)
    client = WSClient(url, subprotocol, on_message)
    client.state = state
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        await asyncio.wait_for(loop.sock_connect(sock, (uri.host, uri.port)), timeout)
        await loop.create_connection(lambda: client, sock=sock)
    except BaseException:
        sock.close()
        raise
    try:
        await asyncio.wait_for(asyncio.shield(client.opened), timeout)
    except BaseException:
        assert client.transport is not None
        client.transport.abort()
        raise
    return client
