"""The four server kinds as the load generator speaks to them: Kring, the floor,
python-socketio and broadcaster. Each knows how to start its server, fill rooms, publish
one event and recognise the event when it comes back.

How an event's send time reaches the recipient:
- Kring `ask`: the question's text is `bench <monotonic ns> …`, so `question_asked`
  carries it to everyone.
- Kring `withdraw_question`: its event carries only the question id; the generator keeps
  question id -> send time.
- Kring `advance`/`back`: a phase event carries no text. One facilitator connection
  sends a room's phase commands and the server applies a connection's commands in order,
  so the k-th phase event a member sees in a room answers the k-th phase command sent
  in it; the generator (one process, one clock) keeps the send times in that order.
- Baselines: the payload carries the send time.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgpack

from client.connection import create_room
from protocol import limits
from protocol.codec import MSGPACK
from server.rooms.method import from_toml
from tests.route import FACILITATOR, Case, Step, follow_async, route
from tests.servers import procfile_command

from .load import PHASE, Kind, Recorder, Room, Sender, gather_limited
from .wsclient import WSClient, connect

METHOD_TOML = (Path(__file__).parent / "method.toml").read_text()
METHOD = from_toml(METHOD_TOML)
#: the case a room's load begins with, proposed and chosen (its text is not shared: the
#: questions carry the load), in the first questions round
CASE = Case("Benchmark", "Hoe houd ik het bij?", text=None)
#: a question of ordinary length (the generator's timestamp goes in front of it)
QUESTION = "Wat gebeurde er vlak voordat je collega je onderbrak, en wat deed jij toen?"
#: baseline payload padding, chosen so that baseline frames weigh about what Kring's do
#: (Kring's mix: question_asked ~200 B, question_withdrawn ~40 B, phase ~600 B)
PHASE_PAD = 480
QUESTION_PAD = 60


def question_text(now: int, chars: int) -> str:
    """`bench <send time> <question>`, the question repeated up to `chars` if asked."""
    text = QUESTION
    while chars and len(text) < chars:
        text += " " + QUESTION
    return f"bench {now} {text[:chars] if chars else text}"


_pack = MSGPACK.encode
_unpack = msgpack.unpackb


def http_to_ws(base: str, path: str) -> str:
    return base.replace("http://", "ws://", 1) + path


def placement(urls: list[str], affinity: bool) -> Callable[[Room, int], str]:
    """Where the j-th connection of a room goes: spread over the processes in turn, or with
    `affinity` every connection of a room on one (as ?room= routing puts them)."""
    if affinity:
        return lambda room, j: urls[room.index % len(urls)]
    return lambda room, j: urls[j % len(urls)]


class _Conn:
    """Per-connection state the generator keeps (WSClient.state)."""

    __slots__ = ("room", "counted", "sender", "seq", "phase_k", "pending", "ids", "ready", "event_bytes")

    def __init__(self, room: Room, counted: bool = True):
        self.room = room
        self.counted = counted
        self.sender: Sender | None = None
        self.seq = 0
        self.phase_k = 0
        self.pending: dict[str, tuple[Callable[[dict], None], Callable[[dict], None]]] = {}
        self.ids = 0
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.event_bytes = 0  # bytes of the event frames (with a seq) this connection received


def _senders(room: Room, askers: int) -> None:
    """Member 0 changes phases; members 2.. ask (member 1 is Kring's inbrenger)."""
    room.facilitator = Sender(room.members[0])
    room.members[0].state.sender = room.facilitator
    room.askers = [Sender(ws) for ws in room.members[2 : 2 + askers]]
    for s in room.askers:
        s.ws.state.sender = s


# ---------------------------------------------------------------------- Kring


class KringKind(Kind):
    name = "kring"
    label = "Kring"

    def __init__(self, rec: Recorder, askers: int = 10, question_chars: int = 0):
        super().__init__(rec)
        self.askers = askers
        self.question_chars = question_chars
        # the method the rooms are created with and the phase setup brings them to
        self.method_toml, self.method, self.first_phase = METHOD_TOML, METHOD, "vragen-a"

    def use_method(self, toml: str, first_phase: str) -> None:
        """Create the rooms with another method file, started at `first_phase`."""
        self.method_toml, self.method, self.first_phase = toml, from_toml(toml), first_phase

    def ws_url(self, base: str) -> str:
        return http_to_ws(base, "/ws")

    @staticmethod
    def server_command(redis_url: str | None) -> Callable[[int], list[str]] | None:
        """The Procfile's command (tests/servers.py) through bench/kring_server.py, which
        lets the Redis backend's count of commits and lost races reach the log."""

        def argv(port: int) -> list[str]:
            args = procfile_command(port)
            assert args[1:3] == ["-m", "server"], args
            return [args[0], "-m", "bench.kring_server", *args[3:]]

        return argv

    @staticmethod
    def env(redis_url: str | None) -> dict[str, str]:
        """`redis_url`: one URL, or several separated by commas (rooms sharded over them)."""
        env = {"KRING_MAX_PARTICIPANTS": "5000"}
        if redis_url:
            env["KRING_REDIS_URL"] = redis_url
        return env

    # --------------------------------------------------------------- receiving

    def on_message(self, ws: WSClient, data: bytes, now: int) -> None:
        msg = _unpack(data)
        st: _Conn = ws.state
        t = msg["t"]
        seq = msg.get("seq") if t != "welcome" and t != "ack" else None  # an ack carries the seq too
        if seq is not None:
            if seq != st.seq + 1:
                self.rec.fail(f"room {st.room.name}: seq {seq} after {st.seq}")
            st.seq = seq
            st.event_bytes += len(data)
            if not st.counted:
                return
            room = st.room
            if t == "question_asked":
                self.rec.arrive(room, int(msg["question"]["text"].split(" ", 2)[1]), now, len(data))
            elif t == "question_withdrawn":
                sent = room.withdraw_sent.get(msg["question"])
                if sent is not None:
                    self.rec.arrive(room, sent, now, len(data))
            elif t == "phase" and room.tracking:
                sent_list = room.phase_sent
                if st.phase_k < len(sent_list):
                    self.rec.arrive(room, sent_list[st.phase_k], now, len(data))
                else:
                    self.rec.fail(f"room {room.name}: a phase event nobody asked for")
                st.phase_k += 1
        elif t == "ack":
            entry = st.pending.pop(msg["id"], None)
            if entry is not None:
                entry[0](msg["result"])
        elif t == "error":
            entry = st.pending.pop(msg.get("id") or "", None)
            self.rec.fail(f"room {st.room.name}: {msg.get('code')}: {msg.get('detail') or msg.get('message')}")
            if entry is not None:
                entry[1](msg)
        elif t == "welcome":
            st.seq = msg["seq"]
            if not st.ready.done():
                st.ready.set_result(msg)

    # --------------------------------------------------------------- sending

    def _send(
        self, ws: WSClient, t: str, ok: Callable[[dict], None], err: Callable[[dict], None] | None = None, **args: Any
    ) -> None:
        st: _Conn = ws.state
        st.ids += 1
        cid = f"b{st.ids}"
        st.pending[cid] = (ok, err or (lambda m: None))
        ws.send(_pack({"t": t, "id": cid, **args}))

    async def command(self, ws: WSClient, t: str, **args: Any) -> dict:
        fut: asyncio.Future = asyncio.get_running_loop().create_future()

        def err(m: dict) -> None:
            if not fut.done():
                fut.set_exception(RuntimeError(f"{t}: {m.get('code')}: {m.get('detail')}"))

        self._send(ws, t, lambda r: fut.done() or fut.set_result(r), err, **args)
        return await asyncio.wait_for(fut, 60)

    async def connect(self, url: str, room: Room, hello: dict, *, counted: bool = True, rcvbuf: int | None = None):
        ws = await connect(url, limits.SUBPROTOCOL_MSGPACK, self.on_message, _Conn(room, counted), rcvbuf=rcvbuf)
        ws.send(_pack(hello))
        await asyncio.wait_for(ws.state.ready, 60)
        return ws

    async def join(self, url: str, room: Room, name: str, **kw: Any) -> WSClient:
        return await self.connect(url, room, {"t": "hello", "code": room.name, "name": name}, **kw)

    # --------------------------------------------------------------- setup

    async def create_rooms(self, rooms: list[Room], bases: list[str], concurrency: int) -> None:
        made = await gather_limited(
            [
                create_room(
                    bases[r.index % len(bases)], method_toml=self.method_toml, language="en", facilitator_name="B"
                )
                for r in rooms
            ],
            concurrency,
        )
        for room, created in zip(rooms, made, strict=True):
            room.name = created["code"]
            room.extra["token"] = created["facilitator_token"]

    async def setup(
        self,
        rooms: list[Room],
        bases: list[str],
        size: int,
        concurrency: int,
        *,
        start: bool = True,
        affinity: bool = False,
    ) -> None:
        if not all(r.name for r in rooms):
            await self.create_rooms(rooms, bases, concurrency)
        urls = [self.ws_url(b) for b in bases]
        home = placement(urls, affinity)
        facs = await gather_limited(
            [self.connect(home(r, 0), r, {"t": "hello", "token": r.extra["token"]}) for r in rooms], concurrency
        )
        for room, fac in zip(rooms, facs, strict=True):
            room.members = [fac]
        joins = [(r, j) for j in range(1, size) for r in rooms]
        members = await gather_limited([self.join(home(r, j), r, f"P{j}") for r, j in joins], concurrency)
        for (room, _), ws in zip(joins, members, strict=True):
            room.members.append(ws)
        if start:
            await gather_limited([self._start_room(r) for r in rooms], concurrency)
        for room in rooms:
            room.counted = sum(1 for m in room.members if m.state.counted)
            _senders(room, self.askers)
        await self.settle(rooms)

    async def _start_room(self, room: Room) -> None:
        """Lobby -> case choice -> a case with its inbrenger (member 1) -> questions, by the
        tests' one route to a phase (tests/route.py)."""
        fac, inbrenger = room.members[0], room.members[1]

        def send(step: Step) -> Awaitable[dict]:
            return self.command(fac if step.by == FACILITATOR else inbrenger, step.t, **step.args)

        await follow_async(route(self.method, 0, self.first_phase, CASE), send)

    async def settle(self, rooms: list[Room], timeout: float = 120) -> None:
        """Until every member of a room has the same last seq, twice in a row."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last: list[int] | None = None
        while loop.time() < deadline:
            tops = [max(m.state.seq for m in r.members) for r in rooms]
            if all(m.state.seq == top for r, top in zip(rooms, tops, strict=True) for m in r.members):
                if tops == last:
                    return
                last = tops
            await asyncio.sleep(0.1)
        raise TimeoutError("the rooms did not settle")

    def start_tracking(self, rooms: list[Room]) -> None:
        for room in rooms:
            room.tracking = True
            for m in room.members:
                m.state.phase_k = 0

    # --------------------------------------------------------------- load

    def fire(self, room: Room, sender: Sender, kind: str, now: int) -> None:
        if kind == PHASE:
            t = "back" if room.toggle else "advance"
            room.toggle = not room.toggle
            room.phase_sent.append(now)
            self._send(sender.ws, t, lambda r: self.freed(room, sender))
        elif sender.question is None:

            def asked(result: dict) -> None:
                sender.question = result["question"]
                self.freed(room, sender)

            self._send(sender.ws, "ask", asked, text=question_text(now, self.question_chars))
        else:
            qid = sender.question
            room.withdraw_sent[qid] = now

            def withdrawn(result: dict) -> None:
                sender.question = None
                self.freed(room, sender)

            self._send(sender.ws, "withdraw_question", withdrawn, question=qid)


# ---------------------------------------------------------------------- baselines


class _Baseline(Kind):
    """The floor, python-socketio and broadcaster share one room model: join a channel,
    publish {"t": send time, "k": kind, "p": padding}, everyone in the room gets it."""

    path = "/ws"
    subprotocol: str | None = None

    def __init__(self, rec: Recorder, askers: int = 10, question_chars: int = 0):
        super().__init__(rec)
        self.askers = askers
        self.pub_ids = 0
        # Kring's question frame is ~120 B besides its text; a withdrawal is ~40 B
        extra = max(0, question_chars - len(QUESTION)) // 2  # half the slots ask, half withdraw
        self.pad = {PHASE: "p" * PHASE_PAD, "question": "q" * (QUESTION_PAD + extra)}

    def ws_url(self, base: str) -> str:
        return http_to_ws(base, self.path)

    def server_command(self, redis_url: str | None) -> Callable[[int], list[str]]:
        def argv(port: int) -> list[str]:
            extra = ["--redis", redis_url] if redis_url else []
            return [sys.executable, "-m", "bench.baselines", self.name, "--port", str(port), *extra]

        return argv

    @staticmethod
    def env(redis_url: str | None) -> dict[str, str]:
        return {}

    async def join(self, url: str, room: Room, name: str, *, counted: bool = True, rcvbuf: int | None = None):
        ws = await connect(url, self.subprotocol, self.on_message, _Conn(room, counted), rcvbuf=rcvbuf)
        self.send_join(ws, room)
        await asyncio.wait_for(ws.state.ready, 60)
        return ws

    async def create_rooms(self, rooms: list[Room], bases: list[str], concurrency: int) -> None:
        for room in rooms:
            room.name = f"room{room.index}"

    async def settle(self, rooms: list[Room], timeout: float = 120) -> None:
        """A join has no events to wait for, but a Redis SUBSCRIBE takes effect a moment
        after the library returns: give it that moment."""
        await asyncio.sleep(0.5)

    async def setup(
        self,
        rooms: list[Room],
        bases: list[str],
        size: int,
        concurrency: int,
        *,
        start: bool = True,
        affinity: bool = False,
    ) -> None:
        urls = [self.ws_url(b) for b in bases]
        home = placement(urls, affinity)
        await self.create_rooms(rooms, bases, concurrency)
        joins = [(r, j) for j in range(size) for r in rooms]
        members = await gather_limited([self.join(home(r, j), r, f"P{j}") for r, j in joins], concurrency)
        for (room, _), ws in zip(joins, members, strict=True):
            room.members.append(ws)
        for room in rooms:
            room.counted = sum(1 for m in room.members if m.state.counted)
            _senders(room, self.askers)

    def payload(self, kind: str, now: int) -> dict:
        return {"t": now, "k": kind, "p": self.pad[kind]}

    def acked(self, ws: WSClient) -> None:
        sender = ws.state.sender
        if sender is not None and sender.busy:
            self.freed(ws.state.room, sender)

    def send_join(self, ws: WSClient, room: Room) -> None:
        raise NotImplementedError

    def on_message(self, ws: WSClient, data: Any, now: int) -> None:
        raise NotImplementedError


class _PubSubBaseline(_Baseline):
    """A baseline that speaks the bench's own little protocol (join, pub, ack, ev), in the
    codec its server uses."""

    encode: Callable[[Any], Any]
    decode: Callable[[Any], Any]

    def send_join(self, ws: WSClient, room: Room) -> None:
        ws.send(self.encode({"t": "join", "room": room.name}))

    def on_message(self, ws: WSClient, data: Any, now: int) -> None:
        msg = self.decode(data)
        t = msg["t"]
        st: _Conn = ws.state
        if t == "ev":
            if st.counted:
                self.rec.arrive(st.room, msg["d"]["t"], now, len(data))
        elif t == "ack":
            self.acked(ws)
        elif t == "joined" and not st.ready.done():
            st.ready.set_result(None)

    def fire(self, room: Room, sender: Sender, kind: str, now: int) -> None:
        self.pub_ids += 1
        sender.ws.send(self.encode({"t": "pub", "id": self.pub_ids, "d": self.payload(kind, now)}))


class FloorKind(_PubSubBaseline):
    name = "floor"
    label = "floor"
    subprotocol = "bench.floor"
    encode = staticmethod(_pack)
    decode = staticmethod(_unpack)


class BroadcasterKind(_PubSubBaseline):
    name = "broadcaster"
    label = "broadcaster"
    subprotocol = "bench.broadcaster"
    encode = staticmethod(json.dumps)  # its Redis backend hands messages on as text
    decode = staticmethod(json.loads)


class SocketIOKind(_Baseline):
    """Socket.IO v5 over Engine.IO v4, spoken by hand: `0{…}` open, `40` connect,
    `42[…]` events, `42<id>[…]`/`43<id>[…]` an event and its ack, `2` ping -> `3` pong."""

    name = "socketio"
    label = "python-socketio"
    path = "/socket.io/?EIO=4&transport=websocket"

    def send_join(self, ws: WSClient, room: Room) -> None:
        pass  # after the Socket.IO connect, in on_message

    def on_message(self, ws: WSClient, data: str, now: int) -> None:
        st: _Conn = ws.state
        if data.startswith("42"):
            event, body = json.loads(data[2:])
            if event == "ev" and st.counted:
                self.rec.arrive(st.room, body["t"], now, len(data))
        elif data.startswith("43"):
            ack = int(data[2 : data.index("[")])
            if ack == 0:
                if not st.ready.done():
                    st.ready.set_result(None)
            else:
                self.acked(ws)
        elif data == "2":
            ws.send("3")
        elif data.startswith("40"):
            ws.send(f"420{json.dumps(['join', st.room.name])}")  # ack id 0: the join
        elif data.startswith("0"):
            ws.send("40")
        elif data.startswith("44"):
            self.rec.fail(f"socket.io connect refused: {data}")

    def fire(self, room: Room, sender: Sender, kind: str, now: int) -> None:
        self.pub_ids += 1
        body = json.dumps(["pub", {"room": room.name, "d": self.payload(kind, now)}])
        sender.ws.send(f"42{self.pub_ids}{body}")


KINDS: dict[str, type[Kind]] = {k.name: k for k in (KringKind, FloorKind, SocketIOKind, BroadcasterKind)}
