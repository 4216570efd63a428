"""A connection's frames leave in the order they were pushed, whichever way each one takes:
written at once (server/transport.py send_now) or queued for the writer task."""

from __future__ import annotations

import asyncio

from protocol.codec import MSGPACK
from server.hub import Connection
from server.transport import SEND_NOW


class Socket:
    """The two ways out of a websocket, with a socket that is full until `drained`."""

    def __init__(self) -> None:
        self.written: list[bytes | str] = []
        self.drained = asyncio.Event()
        self.scope = {"extensions": {SEND_NOW: self.send_now}}

    def send_now(self, data: bytes | str) -> bool:
        if not self.drained.is_set():
            return False
        self.written.append(data)
        return True

    async def send_bytes(self, data: bytes) -> None:  # ASGI's send waits until writable
        await self.drained.wait()
        self.written.append(data)


async def test_a_frame_written_at_once_never_overtakes_a_queued_one():
    sock = Socket()
    conn = Connection(sock, MSGPACK, "K3X-9Q2", "p1", "participant")  # type: ignore[arg-type]  # the two ways out are all a Connection uses
    conn.writer = asyncio.get_running_loop().create_task(conn.write_loop())
    conn.push(b"a")  # the socket is full: queued
    await asyncio.sleep(0)  # the writer takes "a" and waits for the socket
    sock.drained.set()  # writable again; the writer has not run yet
    conn.push(b"b")  # must not go out before "a"
    for _ in range(5):
        await asyncio.sleep(0)
    conn.push(b"c")  # nothing queued any more: out at once
    assert sock.written == [b"a", b"b", b"c"]
    assert not conn.queue
    conn.writer.cancel()
