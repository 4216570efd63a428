"""A TCP proxy in front of the real redis-server, for one server process.

It forwards every byte both ways, except that it can hold back, or drop, the messages
Redis pushes to the process's pub/sub connection on one channel. That is the fault
pub/sub allows (at-most-once delivery) and that Kring must survive: a process that has
not heard a commit yet (held), or never will (dropped). Everything else is real: the
server process, its Redis connections, the stream it fills gaps from.

Runs in its own thread with its own event loop, so that blocking calls in a test (starting
a server process, a synchronous Redis client) never stall the traffic it forwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

_MESSAGE = (b">3\r\n$7\r\nmessage\r\n", b"*3\r\n$7\r\nmessage\r\n")  # RESP3 push, RESP2 array


def frame_end(buf: bytes | bytearray, pos: int = 0) -> int | None:
    """Index just past the RESP2/RESP3 frame that starts at `pos`; None if incomplete."""
    line = buf.find(b"\r\n", pos)
    if line < 0:
        return None
    kind, head, nxt = buf[pos : pos + 1], buf[pos + 1 : line], line + 2
    if kind in (b"$", b"!", b"="):  # blob string, blob error, verbatim string
        n = int(head)
        if n < 0:
            return nxt
        end = nxt + n + 2
        return end if len(buf) >= end else None
    if kind in (b"*", b"~", b">"):  # array, set, push
        items = int(head)
    elif kind in (b"%", b"|"):  # map, attribute: key-value pairs
        items = 2 * int(head)
    else:  # simple string, error, integer, null, double, boolean, big number
        return nxt
    for _ in range(max(items, 0)):
        found = frame_end(buf, nxt)
        if found is None:
            return None
        nxt = found
    if kind == b"|":  # an attribute comes before the reply it describes
        return frame_end(buf, nxt)
    return nxt


class PubSubFault:
    def __init__(self, redis_port: int, channel: str = ""):
        self.redis_port = redis_port
        self.channel = channel.encode()
        self.port = 0
        self.dropped = 0  # messages on the channel thrown away
        self.held: list[tuple[asyncio.StreamWriter, bytes]] = []
        self._drop = 0
        self._holding = False
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    # ------------------------------------------------------------------ control (any thread)

    def start(self) -> PubSubFault:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("proxy did not start")
        return self

    def watch(self, channel: str) -> None:
        self._call(lambda: setattr(self, "channel", channel.encode()))

    def drop(self, n: int = 1) -> None:
        """Throw away the next `n` messages published on the channel."""

        def set_drop() -> None:
            self._drop += n

        self._call(set_drop)

    def hold(self) -> None:
        """Keep messages on the channel back until `release`."""
        self._call(lambda: setattr(self, "_holding", True))

    def release(self) -> None:
        def flush() -> None:
            self._holding = False
            held, self.held = self.held, []
            for writer, frame in held:
                if not writer.is_closing():
                    writer.write(frame)

        self._call(flush)

    def close(self) -> None:
        def stop() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.close()
            self._loop.call_later(0.1, self._loop.stop)

        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(stop)
            self._thread.join(10)

    def _call(self, fn) -> None:  # type: ignore[no-untyped-def]  # fn: any callable, called as is
        done = threading.Event()

        def run() -> None:
            fn()
            done.set()

        self._loop.call_soon_threadsafe(run)
        done.wait(10)

    # ------------------------------------------------------------------ the proxy (its thread)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._accept, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._started.set()
        self._loop.run_forever()
        self._loop.close()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            redis_r, redis_w = await asyncio.open_connection("127.0.0.1", self.redis_port)
        except OSError:
            client_w.close()
            return
        self._writers |= {client_w, redis_w}
        up = asyncio.ensure_future(self._pipe(client_r, redis_w))
        down = asyncio.ensure_future(self._replies(redis_r, client_w))
        await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
        for task in (up, down):
            task.cancel()
        for writer in (client_w, redis_w):
            writer.close()
            self._writers.discard(writer)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()

    async def _replies(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Redis to the process, frame by frame, so that whole messages can be held or dropped."""
        buf = bytearray()
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                buf += data
                out = bytearray()
                while (end := frame_end(buf)) is not None:
                    frame = bytes(buf[:end])
                    del buf[:end]
                    if not (self.channel and frame.startswith(_MESSAGE) and self._on_channel(frame)):
                        out += frame
                    elif self._drop > 0:
                        self._drop -= 1
                        self.dropped += 1
                    elif self._holding:
                        if out:
                            writer.write(bytes(out))
                            out.clear()
                        self.held.append((writer, frame))
                    else:
                        out += frame
                if out:
                    writer.write(bytes(out))
                    await writer.drain()

    def _on_channel(self, frame: bytes) -> bool:
        start = len(_MESSAGE[0])
        head_end = frame.find(b"\r\n", start)
        n = int(frame[start + 1 : head_end])
        return frame[head_end + 2 : head_end + 2 + n] == self.channel
