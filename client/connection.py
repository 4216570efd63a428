"""Async Python client for Kring on `websockets`: join or resume, commands that await
their ack, an event stream, a local mirror, and automatic resume after a drop."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import urllib.request
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from protocol import errors, limits
from protocol.codec import CODECS
from protocol.routing import with_room_key

from .mirror import GapError, Mirror

FINAL_CLOSE_CODES = {errors.CLOSE_REMOVED, errors.CLOSE_ENDED, errors.CLOSE_GONE, errors.CLOSE_BAD_HELLO}


class CommandError(Exception):
    def __init__(self, frame: dict[str, Any]):
        self.frame = frame
        self.code: str = frame.get("code", "")
        self.command_id: str | None = frame.get("id")
        super().__init__(f"{self.code}: {frame.get('detail') or frame.get('message')}")


async def create_room(base_url: str, **body: Any) -> dict[str, Any]:
    """POST /api/rooms; returns {"code", "facilitator_token"}."""

    def post() -> dict[str, Any]:
        req = urllib.request.Request(
            base_url.rstrip("/") + "/api/rooms",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            answer: dict[str, Any] = json.loads(resp.read())
            return answer

    return await asyncio.to_thread(post)


class KringClient:
    def __init__(
        self,
        url: str | Sequence[str],
        *,
        subprotocol: str = limits.SUBPROTOCOL_MSGPACK,
        reconnect: bool = True,
        max_backoff: float = 5.0,
    ):
        # several URLs: processes behind one Redis; a reconnect moves on when one is gone
        self.urls = [url] if isinstance(url, str) else list(url)
        self._url = 0
        self.codec = CODECS[subprotocol]
        self.reconnect = reconnect
        self.max_backoff = max_backoff
        self.token: str | None = None
        self.epoch: str | None = None
        self.me: dict[str, Any] = {}
        self.mirror = Mirror()
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.frames: list[dict[str, Any]] = []  # every decoded frame received, for audits
        self.raw: list[bytes | str] = []  # every frame as it arrived on the wire
        self.errors: list[dict[str, Any]] = []  # error frames that answer no command
        self.unavailable: list[dict[str, Any]] = []  # "try again" answers, each retried
        self.close_code: int | None = None
        self.role_changes = 0  # closes with CLOSE_ROLE_CHANGED, each answered by a fresh resume
        self.resyncs = 0  # events the mirror could not fold (a gap, an unknown type): a fresh snapshot each
        self.clock_offset = 0.0  # server clock minus ours, in seconds, from the last welcome
        self.ws: ClientConnection | None = None
        self._pending: dict[str, tuple[str, dict[str, Any], asyncio.Future[dict[str, Any]]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()  # reconnects and re-sends under way
        self._changed = asyncio.Condition()
        self._closing = False
        self.connected = asyncio.Event()

    # ------------------------------------------------------------------ connect

    @property
    def url(self) -> str:
        return self.urls[self._url]

    @property
    def state(self) -> dict[str, Any]:
        return self.mirror.state

    @property
    def unacked(self) -> list[str]:
        """Ids of commands waiting for their ack (re-sent with the same id after a resume)."""
        return [cid for cid, (_, _, fut) in self._pending.items() if not fut.done()]

    async def join(
        self,
        code: str,
        name: str,
        *,
        screen: bool = False,
        ticket: str | None = None,
        knock: str | None = None,
        place: str | None = None,
    ) -> KringClient:
        """Join by code; `screen=True` joins as a read-only projector screen, which a
        facilitator's `screen_ticket` lets into a locked room. A participant refused with
        `room_locked` has knocked: the CommandError's frame holds the knock's secret
        (`knock`), with which a later join asks whether the facilitator let them in.
        `place`: "room" or "online", where a participant takes part from."""
        hello: dict[str, Any] = {"t": "hello", "code": code, "name": name}
        if place is not None:
            hello["place"] = place
        if screen:
            hello["as"] = "screen"
        if ticket is not None:
            hello["ticket"] = ticket
        if knock is not None:
            hello["knock"] = knock
        await self._open(hello)
        return self

    def server_now(self) -> float:
        """The server's unix time now, in seconds (for the phase timer's deadline)."""
        return time.time() + self.clock_offset

    async def resume(self, token: str, *, epoch: str | None = None, seq: int | None = None) -> KringClient:
        self.token = token
        hello: dict[str, Any] = {"t": "hello", "token": token}
        if epoch is not None and seq is not None and self.mirror.state:  # resume needs a mirror
            hello.update(epoch=epoch, seq=seq)
        await self._open(hello)
        return self

    async def _open(self, hello: dict[str, Any]) -> None:
        code = hello.get("code") or (self.state or {}).get("code")
        ws = await connect(
            with_room_key(self.url, code) if isinstance(code, str) else self.url,
            subprotocols=[Subprotocol(self.codec.subprotocol)],
            compression=None,
            max_size=None,
            open_timeout=10,
        )
        try:
            sent = time.time()
            await ws.send(self.codec.encode(hello))
            data = await asyncio.wait_for(ws.recv(), 10)
            received = time.time()
        except BaseException:
            await ws.close()
            raise
        welcome = self._record(data)
        if isinstance(welcome.get("now"), int | float):
            self.clock_offset = welcome["now"] - (sent + received) / 2
        if welcome.get("t") != "welcome":
            await ws.close()
            raise CommandError(welcome)
        self.ws = ws
        try:
            self._on_welcome(welcome)
        except GapError:  # the missed events do not fold onto this mirror: start afresh
            self.resyncs += 1
            await ws.close()
            await self._open({k: v for k, v in hello.items() if k not in ("epoch", "seq")})
            return
        self.connected.set()
        async with self._changed:  # a resume may bring a new snapshot (or role) and no event
            self._changed.notify_all()
        self._reader = asyncio.create_task(self._read(ws))
        for cid, (t, args, fut) in list(self._pending.items()):  # re-send, same ids
            if not fut.done():
                await self._send({"t": t, "id": cid, **args})

    def _record(self, data: bytes | str) -> dict[str, Any]:
        self.raw.append(data)
        msg: dict[str, Any] = self.codec.decode(data)
        self.frames.append(msg)
        return msg

    def _on_welcome(self, welcome: dict[str, Any]) -> None:
        self.me = welcome["you"]
        self.mirror.me = self.me["id"]
        if "token" in welcome:
            self.token = welcome["token"]
        self.epoch = welcome["epoch"]
        if "snapshot" in welcome:
            self.mirror.reset(welcome["snapshot"], welcome["seq"])
        for ev in welcome.get("events", []):
            self.mirror.apply(ev)
            self.events.put_nowait(ev)

    async def _read(self, ws: ClientConnection) -> None:
        resync = False
        try:
            async for data in ws:
                await self._handle(self._record(data))
        except ConnectionClosed:
            pass
        except GapError:
            # an event this mirror cannot fold (PROTOCOL.md §13): the mirror stays as it was,
            # and a resume without epoch and seq brings a fresh snapshot, as in the browser
            resync = True
            self.resyncs += 1
            await ws.close()
        self.connected.clear()
        self.close_code = ws.close_code
        async with self._changed:
            self._changed.notify_all()
        if self._closing or not self.reconnect or (self.close_code in FINAL_CLOSE_CODES and not resync):
            self._fail_pending(
                ConnectionError(f"closed with code {self.close_code}"),
                gone=self.close_code in (errors.CLOSE_ENDED, errors.CLOSE_GONE),
            )
            return
        # our role changed: resume at once without epoch/seq, for a snapshot of the new role
        if self.close_code == errors.CLOSE_ROLE_CHANGED:
            self.role_changes += 1
        fresh = resync or self.close_code == errors.CLOSE_ROLE_CHANGED
        self._spawn(self._reconnect(fresh=fresh))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` on its own, holding its task until it is done: the event loop keeps
        only a weak reference to a task, which could otherwise vanish halfway."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reconnect(self, *, fresh: bool = False) -> None:
        delay = 0.05
        while not self._closing:
            wait = 0.0
            try:
                if fresh:
                    await self.resume(self.token or "")
                else:
                    await self.resume(self.token or "", epoch=self.epoch, seq=self.mirror.seq)
                return
            except CommandError as err:
                if err.code in (errors.BAD_TOKEN, errors.UNKNOWN_ROOM):
                    self._fail_pending(err, gone=True)
                    return
                wait = err.frame.get("retry_after", 0.0)  # rate_limited: the server says how long
            except (TimeoutError, OSError, ConnectionClosed):
                self._url = (self._url + 1) % len(self.urls)  # that process may be gone: try the next
            await asyncio.sleep(max(delay, wait))
            delay = min(delay * 2, self.max_backoff)

    def _fail_pending(self, exc: Exception, *, gone: bool) -> None:
        """The connection is over for good: fail what waits for an ack. When the room is
        gone (ended and erased, or expired), a pending `end` has had its effect and
        succeeds: its ack may have been lost, or another facilitator was first."""
        for cid, (t, _, fut) in list(self._pending.items()):
            if fut.done():
                continue
            if gone and t == "end":
                self._pending.pop(cid, None)
                fut.set_result({})
            else:
                fut.set_exception(exc)

    async def _handle(self, msg: dict[str, Any]) -> None:
        t = msg.get("t")
        if t == "ack":
            entry = self._pending.pop(msg["id"], None)
            if entry is not None:
                command, args, fut = entry
                self.mirror.on_ack(command, args, msg.get("result", {}))
                if not fut.done():
                    fut.set_result(msg.get("result", {}))
        elif t == "error":
            cid = msg.get("id") or ""
            if msg.get("code") == errors.UNAVAILABLE and cid in self._pending:
                # the server's backend is away: same command, same id, a little later
                self.unavailable.append(msg)
                self._spawn(self._resend_later(cid))
            else:
                entry = self._pending.pop(cid, None)
                if entry is not None and not entry[2].done():
                    entry[2].set_exception(CommandError(msg))
                elif entry is None:
                    self.errors.append(msg)
        elif t == "welcome":  # pragma: no cover - only ever the first frame
            self._on_welcome(msg)
        else:
            self.mirror.apply(msg)
            self.events.put_nowait(msg)
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ commands

    async def _send(self, msg: dict[str, Any]) -> None:
        if self.ws is None:
            return
        try:
            await self.ws.send(self.codec.encode(msg))
        except ConnectionClosed:
            pass  # re-sent with the same id after the resume

    async def _resend_later(self, cid: str) -> None:
        retries = sum(1 for m in self.unavailable if m.get("id") == cid)
        await asyncio.sleep(min(0.05 * 2**retries, self.max_backoff))
        entry = self._pending.get(cid)
        if entry is not None and self.connected.is_set():
            t, args, _ = entry
            await self._send({"t": t, "id": cid, **args})

    async def command(self, t: str, *, command_id: str | None = None, **args: Any) -> dict[str, Any]:
        """Send a command and wait for its ack; raises CommandError on an error frame.

        Give `command_id` to re-send a command whose ack was lost: it is applied once.
        """
        cid = command_id or secrets.token_hex(6)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[cid] = (t, args, fut)
        if self.connected.is_set():
            await self._send({"t": t, "id": cid, **args})
        return await fut

    async def send_raw(self, data: bytes | str) -> None:
        """Put arbitrary bytes on the wire (for tests of bad input)."""
        assert self.ws is not None
        await self.ws.send(data)

    async def wait_until(self, predicate: Callable[[KringClient], bool], timeout: float = 10) -> None:
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))

        await asyncio.wait_for(wait(), timeout)

    async def drop(self) -> None:
        """Break the connection without saying goodbye (as a sleeping laptop would)."""
        if self.ws is not None:
            self.ws.transport.abort()

    async def close(self) -> None:
        self._closing = True
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
