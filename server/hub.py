"""Per-process connections: bounded send queues with one writer each, and fan-out.

A broadcast never awaits a socket: each frame is encoded once per audience and written
to each connection's socket at once, or appended to its queue while the socket is full
or frames wait before it; a connection whose queue overflows is closed as too slow (it
resumes from its last seq), so one sleeping laptop cannot stall a room.

A connection whose participant changes role gets the `role_changed` frame and is then
closed with CLOSE_ROLE_CHANGED: its client resumes without epoch/seq and so gets a fresh
snapshot for its new role, instead of every client learning to re-project the room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket

from protocol import errors, limits
from protocol.codec import Codec

from .backends import Backend
from .rooms.engine import Decision
from .rooms.events import Event
from .rooms.state import RoomState
from .rooms.views import CASE_EVENTS, form, frame, sees_anew
from .timers import TRIGGERS, AutoAdvance
from .transport import SEND_NOW

log = logging.getLogger("kring.hub")

_CLOSE = object()  # queue sentinel: close after the frames before it


class Connection:
    """One websocket of one participant."""

    def __init__(self, ws: WebSocket, codec: Codec, code: str, pid: str, role: str, max_queue: int = limits.SEND_QUEUE):
        self.max_queue = max_queue
        self.ws = ws
        self.codec = codec
        self.code = code
        self.pid = pid
        self.role = role
        self.withheld = False  # kept from the case until they confirm (views.withheld); set at the welcome
        self.queue: deque[Any] = deque()
        self.wakeup = asyncio.Event()
        self.closed = False
        self.close_code: int | None = None
        self.pending: list[Event] | None = []  # events that arrive before the welcome is out
        self.writer: asyncio.Task[None] | None = None
        self.closer: asyncio.Task[None] | None = None  # held: the loop keeps tasks only weakly
        self.aborted = False
        self.last_seq = 0  # highest seq queued for this connection
        self.ending = False  # this connection sent `end`: it closes itself once the room is erased
        #: writes a frame at once when nothing is queued before it (server/transport.py);
        #: absent under another ASGI server, where every frame goes through the writer
        self.send_now: Callable[[bytes | str], bool] | None = (ws.scope.get("extensions") or {}).get(SEND_NOW)

    def push(self, data: bytes | str) -> None:
        if self.closed:
            return
        if not self.queue and self.send_now is not None and self.send_now(data):
            return
        if len(self.queue) >= self.max_queue:
            self.abort(errors.CLOSE_TOO_SLOW)
            return
        self.queue.append(data)
        self.wakeup.set()

    def send(self, message: dict[str, Any]) -> None:
        self.push(self.codec.encode(message))

    def close_after_pending(self, code: int) -> None:
        if not self.closed:
            self.queue.append(_CLOSE)
            self.close_code = code
            self.closed = True
            self.wakeup.set()

    def abort(self, code: int) -> None:
        """Close now, dropping what is queued (the client resumes from its last seq)."""
        if self.aborted:
            return
        self.aborted = self.closed = True
        self.close_code = code
        self.queue.clear()
        if self.writer is not None:
            self.writer.cancel()
        self.closer = asyncio.get_running_loop().create_task(self._close(code))

    async def _close(self, code: int) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(code), timeout=5)

    async def write_loop(self) -> None:
        send = self.ws.send_bytes if self.codec.binary else self.ws.send_text
        try:
            while True:
                await self.wakeup.wait()
                self.wakeup.clear()
                while self.queue:
                    data = self.queue[0]  # left in the queue while it is sent: `push` writes no frame past it
                    if data is _CLOSE:
                        await self._close(self.close_code or 1000)
                        return
                    await send(data)
                    if self.queue:  # (emptied by `abort` meanwhile)
                        self.queue.popleft()
        except asyncio.CancelledError:
            raise
        except Exception:  # the peer went away; the reader notices and cleans up
            self.closed = True


class Hub:
    def __init__(self, backend: Backend, send_queue: int = limits.SEND_QUEUE):
        self.backend = backend
        self.send_queue = send_queue
        self.rooms: dict[str, set[Connection]] = {}
        self.subscribed: dict[str, asyncio.Future[None]] = {}
        self.online: dict[tuple[str, str], int] = {}  # local connections per participant
        self.timers = AutoAdvance(backend)  # phase timers of the rooms with connections here
        self.leaving: dict[tuple[str, str], list[asyncio.Task[None]]] = {}  # see `leave_soon`
        #: told once, by the process whose `end` ended a room, with the room as it ended
        #: (before its erase) and its proof: a group's meeting is then recorded as held
        #: (server/groups/meetingroom.py)
        self.on_ended: Callable[[str, RoomState, dict[str, Any] | None], Awaitable[None]] | None = None

    def ended_hook(self, code: str) -> Callable[[RoomState, Decision], Awaitable[None]] | None:
        """For backends.end_and_erase: tells `on_ended` about room `code`."""
        on_ended = self.on_ended
        if on_ended is None:
            return None

        async def hook(state: RoomState, decision: Decision) -> None:
            ended = next((ev for ev in decision.events if ev.t == "ended"), None)
            await on_ended(code, state, ended.public.get("proof") if ended is not None else None)

        return hook

    async def close(self) -> None:
        for tasks in self.leaving.values():
            for task in tasks:
                task.cancel()
        await self.timers.close()

    def leave_soon(self, conn: Connection) -> None:
        """Count `conn` as gone only after a grace: it was closed with CLOSE_ROLE_CHANGED and
        its client comes straight back, so the others should not see that person blink
        offline. The connection that comes back takes its place (`set_presence`)."""
        key = (conn.code, conn.pid)

        async def later() -> None:
            await asyncio.sleep(limits.SEE_ANEW_GRACE)
            self._stop_waiting(key, task)
            await self.set_presence(conn, -1)

        task = asyncio.get_running_loop().create_task(later())
        self.leaving.setdefault(key, []).append(task)

    def _stop_waiting(self, key: tuple[str, str], task: asyncio.Task[None]) -> None:
        waiting = self.leaving.get(key, [])
        if task in waiting:
            waiting.remove(task)
        if not waiting:
            self.leaving.pop(key, None)

    async def register(self, conn: Connection) -> None:
        """Start receiving the room's events (buffered until `go_live`)."""
        conns = self.rooms.setdefault(conn.code, set())
        conns.add(conn)
        conn.writer = asyncio.get_running_loop().create_task(conn.write_loop())
        ready = self.subscribed.get(conn.code)
        if ready is None or (ready.done() and (ready.cancelled() or ready.exception() is not None)):
            ready = self.subscribed[conn.code] = asyncio.ensure_future(
                self.backend.subscribe(conn.code, self.on_events)
            )
        await asyncio.shield(ready)  # one subscription per room, shared by its connections
        self.timers.watch(conn.code)

    def go_live(self, conn: Connection, seq: int) -> None:
        """The welcome is queued at `seq`: deliver what arrived meanwhile, then live."""
        pending, conn.pending = conn.pending or [], None
        conn.last_seq = seq
        for ev in pending:
            if ev.seq > conn.last_seq:
                conn.last_seq = ev.seq
                conn.send(frame(ev, conn.pid, conn.role, conn.withheld))
                self._after(conn, ev)

    async def set_presence(self, conn: Connection, delta: int) -> None:
        """Count this process's connections per participant; the backend decides online."""
        key = (conn.code, conn.pid)
        if delta > 0 and key in self.leaving:  # back within the grace: in the place of the one that left
            task = self.leaving[key][0]
            task.cancel()
            self._stop_waiting(key, task)
            return
        before = self.online.get(key, 0)
        after = before + delta
        if after > 0:
            self.online[key] = after
        else:
            self.online.pop(key, None)
        try:
            if before == 0 and after > 0:
                await self.backend.connected(conn.code, conn.pid)
            elif before > 0 and after == 0:
                await self.backend.disconnected(conn.code, conn.pid)
        except LookupError:  # the room was ended or expired: nobody left to tell
            pass
        except Exception:  # presence catches up by heartbeat; never fail a connection on it
            log.warning("presence update failed for a connection of room %s", conn.code, exc_info=True)

    async def unregister(self, conn: Connection) -> None:
        conns = self.rooms.get(conn.code)
        if conns is None or conn not in conns:
            return
        conns.discard(conn)
        if not conns:
            del self.rooms[conn.code]
            self.subscribed.pop(conn.code, None)
            self.timers.forget(conn.code)
            with contextlib.suppress(Exception):
                await self.backend.unsubscribe(conn.code, self.on_events)
        if conn.writer is not None and not conn.writer.done():
            if conn.closed:  # let a queued close frame go out
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(conn.writer), timeout=2)
            conn.writer.cancel()

    def on_events(self, code: str, events: list[Event]) -> None:
        """Fan committed events out to this process's connections of the room."""
        conns = self.rooms.get(code)
        if not conns:
            return
        if any(ev.t in TRIGGERS for ev in events):
            self.timers.changed(code)
        # A case event (and a phase, which carries the case's title) differs only for a viewer
        # kept from the case; in a room where nobody here is, it is the same for all.
        anyone_held = any(conn.withheld for conn in conns)
        for ev in events:
            cache: dict[tuple[str, str, bool], bytes | str] = {}
            # Most events are the same for everyone: skip the per-viewer checks for them
            # (this loop runs once per delivered frame). role_changed and method_set can make
            # a viewer see the room anew (views.sees_anew), so they always take the long way.
            one_form = ev.private is None and ev.fac is None
            held_apart = anyone_held and (ev.t in CASE_EVENTS or ev.t == "phase")
            same_for_all = one_form and not held_apart and ev.t not in ("role_changed", "method_set")
            seq = ev.seq
            for conn in conns:
                if conn.pending is not None:
                    conn.pending.append(ev)
                    continue
                if seq <= conn.last_seq:  # already in its welcome or resume
                    continue
                conn.last_seq = seq
                body = "public" if same_for_all else form(ev, conn.pid, conn.role)
                held = conn.withheld and not same_for_all
                key = (conn.codec.subprotocol, body, held)
                data = cache.get(key)
                if data is None:
                    data = cache[key] = conn.codec.encode(frame(ev, conn.pid, conn.role, held))
                conn.push(data)
                if not same_for_all:
                    self._after(conn, ev)
            if ev.t == "removed":
                self._close_soon(code, errors.CLOSE_REMOVED, ev.public["participant"])
            elif ev.t == "ended":
                self._close_soon(code, errors.CLOSE_ENDED, None)

    def _after(self, conn: Connection, ev: Event) -> None:
        """A connection that was just sent `ev`: if its own role changed, or it confirmed the
        agreement it was kept from the case by, or the method changed, see the room anew."""
        if sees_anew(ev, conn.pid, conn.role, conn.withheld):
            if ev.t == "role_changed":
                # frames queued from now on are projected for the new role, until the close
                conn.role = ev.public["role"]
            # call_soon, as in _close_soon: the ack of the sender's own hand_over goes first
            asyncio.get_running_loop().call_soon(conn.close_after_pending, errors.CLOSE_ROLE_CHANGED)

    def _close_soon(self, code: str, close_code: int, pid: str | None) -> None:
        # call_soon: the command's own ack (pushed right after commit) still goes out first
        def close() -> None:
            for conn in list(self.rooms.get(code, ())):
                if conn.ending and close_code == errors.CLOSE_ENDED:
                    continue  # it waits for the erase, and may have to retry it
                if pid is None or conn.pid == pid:
                    conn.close_after_pending(close_code)

        asyncio.get_running_loop().call_soon(close)
