"""Hostile or odd input never hurts a room (issue 11): a wire-level property test.

Hypothesis generates frames that are refused by construction (tests/fuzz_frames.py): random
bytes and values, every command with one defect (a wrong type, a missing or extra field, a
lone surrogate or invalid UTF-8 in a string, a string over its limit, nesting a thousand
levels deep, NaN, integers beyond 64 bits, binary), facilitator commands from a participant,
anything from a projector screen, and broken hellos. They go over real websockets to the
real server (memory and Redis, msgpack and JSON): from a participant, from a screen, as the
first frame of a stranger who knows only the room code, and frames only the transport sees.
After each batch:

* the process is alive and /healthz answers 200;
* every frame got exactly one answer: an `error` with the code PROTOCOL.md gives for its
  defect and, where its id could be read, that id; a first frame also the close 4002; a frame
  over 64 KiB or a text frame that is not UTF-8 only a close (1009; 1007, which is what the
  transport does, and not in PROTOCOL.md §11.2);
* the room's seq (a fresh welcome, and the ack of a no-op) and its whole snapshot are as
  before;
* every long-lived member saw every seq once, in order, and is still connected;
* a new participant can still join.

Each run starts with a fixed sweep (every command and hello field with every kind of defect,
once), then random batches. The same generators check POST /api/rooms bodies and method
files (directly, and through `set_method` over the wire). KRING_FUZZ_EXAMPLES=<n> gives
every Hypothesis test here n examples (batches, lists of bodies, files) for a longer search.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from client import CommandError, KringClient, create_room
from protocol import errors, limits, values
from protocol.codec import CODECS, JSON, MSGPACK, Codec
from protocol.messages import COMMANDS
from server.rooms.method import MethodError, from_toml

from . import fuzz_frames as ff
from .fuzz_frames import Batch, Frame
from .servers import ServerProcess, running_servers
from .session import bring, settle
from .walk import nodes

EXAMPLES = int(os.environ.get("KRING_FUZZ_EXAMPLES", "0"))
BATCHES = EXAMPLES or 100  # random batches per backend and codec
PER_CONNECTION = 35  # a connection may send 40 frames at once (limits.RATE_BURST)
TIMEOUT = 10.0
ANSWER_FIELDS = {"t", "code", "message", "message_nl", "detail", "id", "retry_after"}

#: what was sent this run, and how: printed at the end of the run (tests/conftest.py)
SENT: dict[str, tuple[int, str]] = {}


def fuzz_settings(examples: int) -> settings:
    # random on every run (the sweep covers every defect every time); a failure is reported
    # as found, without shrinking, with the frame that failed in the message
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        print_blob=True,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(scope="module", params=["memory", "redis"])
def fuzz_server(request: pytest.FixtureRequest) -> Iterator[tuple[str, ServerProcess]]:
    # per-address limits are high in every test server already (tests/servers.py TEST_ENV)
    env = {"KRING_MAX_PARTICIPANTS": "500"}  # a new participant joins after every batch
    if request.param == "redis":
        env["KRING_REDIS_URL"] = request.getfixturevalue("redis_server").url
    with running_servers(1, env) as (server,):
        yield request.param, server


def count(figures: list[str], what: str, n: int, detail: str = "") -> None:
    """Add `n` to the figures the run prints at its end (tests/conftest.py)."""
    SENT[what] = (SENT.get(what, (0, ""))[0] + n, detail)
    figures[:] = [line for line in figures if not line.startswith("wire fuzz")]
    frames = sum(n for k, (n, _) in SENT.items() if k.startswith("frames"))
    figures.append(
        f"wire fuzz: {frames:,} generated websocket frames; {sum(n for n, _ in SENT.values()) - frames:,} bodies and "
        "method files (POST /api/rooms, from_toml, set_method)"
    )
    figures.extend(f"wire fuzz:   {k}: {n:,}{f' ({d})' if d else ''}" for k, (n, d) in sorted(SENT.items()))


def http_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


def http_post(url: str, body: bytes) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def judge(frame: Frame, answer: dict[str, Any], binary: bool, first: bool, who: str) -> list[str]:
    """What is wrong with `answer` as the answer to `frame` (nothing: [])."""
    code, cid = ff.expected(frame, binary, first)
    where = f"{who} on {'msgpack' if binary else 'JSON'}: {frame.show(binary)}"
    if answer.get("t") != "error":
        return [f"NOT REFUSED: {where} was answered {answer}"]
    problems = []
    if answer.get("code") not in errors.MESSAGES:
        problems.append(f"undocumented code: {where} got {answer}")
    elif answer["code"] != code:
        problems.append(f"wrong code: {where} got {answer['code']!r} ({answer.get('detail')}), expected {code!r}")
    elif (answer["message"], answer["message_nl"]) != errors.MESSAGES[code]:
        problems.append(f"wrong message: {where} got {answer}")
    if answer.get("id") != cid:
        problems.append(f"wrong id: {where} got id {answer.get('id')!r}, expected {cid!r}")
    if set(answer) - ANSWER_FIELDS:
        problems.append(f"undocumented fields {sorted(set(answer) - ANSWER_FIELDS)}: {where}")
    return problems


def seq_gaps(c: KringClient) -> str | None:
    """Where `c`'s event stream is not gapless since its welcome (None: it is)."""
    start = c.frames[0]["seq"]
    seqs = [f["seq"] for f in c.frames[1:] if "seq" in f and f.get("t") not in ("ack", "error", "welcome")]
    if seqs != list(range(start + 1, start + 1 + len(seqs))):
        return f"{c.me.get('name')}: seqs {seqs[-20:]} after the welcome at {start}"
    return None


def snapshot_diff(before: dict, after: dict) -> str:
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return "; ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in keys)[:2000]


@dataclass
class Room:
    """A room in its questions round with a case, questions (one hidden), a participant who
    sends the hostile frames, a screen, and long-lived members on both codecs who watch."""

    server: ServerProcess
    codec: Codec
    code: str
    fac_token: str
    sender_token: str
    screen_token: str
    epoch: str
    watchers: list[KringClient]
    sent: dict[str, int] = field(default_factory=dict)
    joins: int = 0
    noops: int = 0

    @classmethod
    async def open(cls, server: ServerProcess, codec: Codec) -> Room:
        created = await create_room(server.base)
        code, url = created["code"], server.ws

        def client(subprotocol: str) -> KringClient:
            return KringClient(url, subprotocol=subprotocol, reconnect=False)

        async def confirmed(c: KringClient) -> KringClient:
            """The agreement confirmed: the server closes with 4011 for a fresh snapshot
            (these clients do not reconnect), so the same person connects again."""
            await c.command("confirm")
            await c.wait_until(lambda c: c.close_code is not None, TIMEOUT)
            assert c.close_code == errors.CLOSE_ROLE_CHANGED
            return await client(c.codec.subprotocol).resume(c.token or "")

        fac = await client(MSGPACK.subprotocol).resume(created["facilitator_token"])
        inbrenger = await client(MSGPACK.subprotocol).join(code, "Inbrenger")
        asker = await client(JSON.subprotocol).join(code.lower(), "Vrager")
        sender = await client(codec.subprotocol).join(code, "Fuzzer")
        screen = await client(codec.subprotocol).join(code, "Scherm", screen=True)
        await fac.command("advance")  # the opening: everyone confirms before the fuzzing starts
        inbrenger, asker, sender = [await confirmed(c) for c in (inbrenger, asker, sender)]
        await bring(fac, inbrenger, "vragenronde", start="opening", group=[asker, sender])
        await asker.command("ask", text="Wat gebeurt er precies?")
        hidden = (await asker.command("ask", text="Waarom nu?"))["question"]
        await fac.command("hide_question", question=hidden, hidden=True)
        room = cls(
            server,
            codec,
            code,
            created["facilitator_token"],
            sender.token or "",
            screen.token or "",
            fac.epoch or "",
            [fac, inbrenger, asker, sender, screen],
        )
        await room.settle()
        return room

    async def settle(self) -> None:
        await settle(self.watchers, TIMEOUT)

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.watchers))

    def count(self, who: str, n: int) -> None:
        self.sent[who] = self.sent.get(who, 0) + n

    # ------------------------------------------------------------------ the room's state

    async def snapshot(self) -> tuple[int, dict, int]:
        """What a facilitator who resumes without epoch and seq gets (the seq and the whole
        snapshot), and the seq the ack of a no-op reports on that connection (`lock` with
        the current value changes nothing). A new connection each time: the facilitator's
        long-lived one would run out of its rate limit."""
        c = await KringClient(self.server.ws, reconnect=False).resume(self.fac_token)
        try:
            self.noops += 1
            cid = f"noop-{self.noops}"
            await c.command("lock", command_id=cid, locked=False)
        finally:
            await c.close()
        welcome = c.frames[0]
        ack = next(f for f in c.frames if f.get("t") == "ack" and f.get("id") == cid)
        return welcome["seq"], welcome["snapshot"], ack["seq"]

    # ------------------------------------------------------------------ senders

    async def _connect(self, token: str | None) -> Any:
        ws = await connect(
            self.server.ws,
            subprotocols=[self.codec.subprotocol],  # type: ignore[list-item]  # websockets: a Subprotocol NewType
            compression=None,
            max_size=None,
            open_timeout=TIMEOUT,
        )
        if token is not None:
            await ws.send(self.codec.encode({"t": "hello", "token": token}))
            welcome = self.codec.decode(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert welcome["t"] == "welcome", welcome
        return ws

    async def _send(self, ws: Any, frame: Frame) -> None:
        data, text = frame.wire(self.codec.binary)
        try:
            await ws.send(data, text=text)
        except ConnectionClosed:  # the server closed first (a frame it refuses unread)
            pass

    async def _drain(self, ws: Any) -> list[dict]:
        """Every frame until the server closes the connection (or, if it keeps it open,
        which is a failure, until it has sent nothing for TIMEOUT seconds)."""
        got = []
        while True:
            try:
                data = await asyncio.wait_for(ws.recv(), TIMEOUT)
            except (ConnectionClosed, TimeoutError):
                return got
            got.append(self.codec.decode(data))

    async def as_member(self, token: str, frames: list[Frame], who: str) -> list[str]:
        """Send `frames` on one connection of an admitted member; each must be refused."""
        problems: list[str] = []
        ws = await self._connect(token)
        try:
            for frame in frames:
                await self._send(ws, frame)
            self.count(who, len(frames))
            answers: list[dict] = []
            while len(answers) < len(frames):
                try:
                    msg = self.codec.decode(await asyncio.wait_for(ws.recv(), TIMEOUT))
                except (ConnectionClosed, TimeoutError) as exc:
                    problems.append(
                        f"{who}: {type(exc).__name__} (close {ws.close_code}) after {len(answers)} of "
                        f"{len(frames)} answers; next frame: {frames[len(answers)].show(self.codec.binary)}"
                    )
                    break
                if msg.get("t") in ("ack", "error"):
                    answers.append(msg)
                else:
                    problems.append(f"{who}: an event while only refused frames were sent: {msg}")
            for frame, answer in zip(frames, answers, strict=False):
                problems += judge(frame, answer, self.codec.binary, False, who)
        finally:
            await ws.close()
        return problems

    async def as_first(self, frame: Frame) -> list[str]:
        """Send `frame` as the first frame of a new connection (a stranger with the code)."""
        ws = await self._connect(None)
        try:
            await self._send(ws, frame)
            self.count("first frame", 1)
            got = await self._drain(ws)
        finally:
            await ws.close()
        who = "first frame"
        shown = frame.show(self.codec.binary)
        if len(got) != 1:
            return [f"NOT REFUSED? {who}: {shown} got {len(got)} frames (close {ws.close_code}): {got}"[:3000]]
        problems = judge(frame, got[0], self.codec.binary, True, who)
        if ws.close_code != errors.CLOSE_BAD_HELLO:
            problems.append(
                f"{who}: {frame.show(self.codec.binary)} closed with {ws.close_code}, expected {errors.CLOSE_BAD_HELLO}"
            )
        return problems

    async def terminal(self, frame: Frame, first: bool) -> list[str]:
        """A frame the transport refuses unread: no answer, only its close code."""
        who = "transport, first frame" if first else "transport, participant"
        ws = await self._connect(None if first else self.sender_token)
        try:
            await self._send(ws, frame)
            self.count("transport-level", 1)
            got = await self._drain(ws)
        finally:
            await ws.close()
        if got or ws.close_code != frame.close:
            shown = frame.show(self.codec.binary)
            return [f"{who}: {shown} got {got} and close {ws.close_code}, expected only close {frame.close}"]
        return []

    # ------------------------------------------------------------------ a batch

    async def check(self, batch: Batch) -> None:
        seq, snap, noop = await self.snapshot()
        assert noop == seq, (noop, seq)
        gate = asyncio.Semaphore(16)

        async def gated(coro: Any) -> list[str]:
            async with gate:
                return await coro

        jobs = [
            self.as_member(self.sender_token, part, "participant")
            for part in ff.chunks(batch.participant, PER_CONNECTION)
        ]
        jobs += [self.as_member(self.screen_token, part, "screen") for part in ff.chunks(batch.screen, PER_CONNECTION)]
        jobs += [self.as_first(f) for f in batch.first]
        jobs += [self.terminal(f, first) for f, first in batch.terminal]
        problems = [p for found in await asyncio.gather(*(gated(j) for j in jobs)) for p in found]

        if self.server.proc.poll() is not None:
            problems.append(f"the server exited with {self.server.proc.returncode}")
        else:
            status = await asyncio.to_thread(http_get, self.server.base + "/healthz")
            if status != 200:
                problems.append(f"/healthz answered {status}")
            seq_after, snap_after, noop = await self.snapshot()
            if seq_after != seq:
                problems.append(f"the room's seq moved from {seq} to {seq_after}")
            if snap_after != snap:
                problems.append(f"the room's state changed: {snapshot_diff(snap, snap_after)}")
            if noop != seq:
                problems.append(f"a no-op's ack says seq {noop}, not {seq}")
            problems += await self.members_intact()
            problems += await self.someone_joins()
        assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:25])

    async def members_intact(self) -> list[str]:
        problems = []
        await self.settle()
        for c in self.watchers:
            if c.close_code is not None:
                problems.append(f"{c.me.get('name')} was disconnected with {c.close_code}")
            if c.errors:
                problems.append(f"{c.me.get('name')} got errors it did not ask for: {c.errors}")
            if gaps := seq_gaps(c):
                problems.append(gaps)
        return problems

    async def someone_joins(self) -> list[str]:
        """A new participant can still join; once they left again, everyone saw it."""
        self.joins += 1
        try:
            c = await KringClient(self.server.ws, subprotocol=self.codec.subprotocol, reconnect=False).join(
                self.code.lower(), f"Nieuw {self.joins}"
            )
        except CommandError as err:
            return [f"a new participant cannot join: {err.frame}"]
        pid = c.me["id"]
        await c.close()

        def saw_leave(w: KringClient) -> bool:
            return any(f.get("t") == "presence" and f.get("participant") == pid and not f["online"] for f in w.frames)

        await asyncio.gather(*(w.wait_until(saw_leave, TIMEOUT) for w in self.watchers))
        return await self.members_intact()


# --------------------------------------------------------------------------- the wire


def sweep(room: Room) -> Batch:
    """Every defect of every command and hello field once, from every sender."""
    wellformed = [Frame(f"{t} (well-formed)", ff.example_command(t)) for t in sorted(COMMANDS)]
    facilitators = [
        f for f in wellformed if f.payload["t"] in ff.FACILITATOR_ONLY + ff.REFUSED_WHILE_FACILITATOR_ONLINE
    ]
    hellos = ff.sweep_hellos(room.code, room.sender_token, room.epoch)
    commands = ff.sweep_commands()
    firsts = {f.label.split(":")[0]: f for f in commands}  # one (the last defect) per command
    terminal = [
        Frame("frame over 64 KiB", {"t": "ask", "id": "big", "text": "x" * (limits.MAX_FRAME + 1)}, close=1009),
        Frame("text frame that is not UTF-8", ff.Raw(b'{"t":"ask","id":"u","text":"\xff"}', text=True), close=1007),
    ]
    return Batch(
        participant=commands + ff.sweep_random() + hellos + facilitators,
        screen=wellformed + commands[:: max(1, len(commands) // 40)],
        first=hellos + ff.sweep_random() + list(firsts.values()) + wellformed,
        terminal=[(f, first) for f in terminal for first in (True, False)],
    )


def batches(room: Room) -> st.SearchStrategy[Batch]:
    everything = tuple(sorted(COMMANDS))
    hello = ff.broken_hello(room.code, room.sender_token, room.epoch)
    participant = st.one_of(
        ff.broken_command(),
        ff.broken_command(),
        ff.random_frames(),
        ff.wellformed(ff.FACILITATOR_ONLY + ff.REFUSED_WHILE_FACILITATOR_ONLINE),
        hello,
        ff.second_hello(room.code, room.sender_token),
    )
    screen = st.one_of(ff.wellformed(everything), ff.broken_command(), ff.second_hello(room.code, room.screen_token))
    first = st.one_of(hello, hello, ff.broken_command(), ff.wellformed(everything), ff.random_frames())
    return st.builds(
        Batch,
        participant=st.lists(participant, min_size=PER_CONNECTION, max_size=2 * PER_CONNECTION),
        screen=st.lists(screen, min_size=5, max_size=PER_CONNECTION),
        first=st.lists(first, min_size=4, max_size=12),
        terminal=st.lists(st.tuples(ff.terminal_frames(), st.booleans()), max_size=1),
    )


@pytest.mark.parametrize("subprotocol", [limits.SUBPROTOCOL_MSGPACK, limits.SUBPROTOCOL_JSON])
def test_hostile_frames_never_hurt_a_room(fuzz_server: tuple[str, ServerProcess], subprotocol: str, figures):
    backend, server = fuzz_server
    with asyncio.Runner() as runner:
        room = runner.run(Room.open(server, CODECS[subprotocol]))
        swept = 0
        try:
            runner.run(room.check(sweep(room)))
            swept = sum(room.sent.values())

            @fuzz_settings(BATCHES)
            @given(batch=batches(room))
            def a_batch_never_hurts_the_room(batch: Batch) -> None:
                runner.run(room.check(batch))

            a_batch_never_hurts_the_room()
        finally:
            runner.run(room.close())
            name = "msgpack" if CODECS[subprotocol].binary else "JSON"
            detail = f"{swept:,} in the fixed sweep; " + ", ".join(
                f"{who} {n:,}" for who, n in sorted(room.sent.items())
            )
            count(figures, f"frames, {backend}, {name}", sum(room.sent.values()), detail)


# --------------------------------------------------------------------------- POST /api/rooms


def judge_body(body: ff.Body, status: int, raw: bytes) -> list[str]:
    want_status, want_code = ff.expected_body(body)
    where = f"POST /api/rooms {body!r}"
    if status != want_status:
        return [f"{where}: status {status}, expected {want_status}: {raw[:300]!r}"]
    try:
        answer = json.loads(raw)
    except ValueError:
        return [f"{where}: the answer is not JSON: {raw[:300]!r}"]
    problems = []
    if not {"error", "message", "message_nl"} <= set(answer) <= {"error", "message", "message_nl", "detail"}:
        problems.append(f"{where}: fields {sorted(answer)}")
    if answer.get("error") != want_code:
        problems.append(f"{where}: error {answer.get('error')!r} ({answer.get('detail')}), expected {want_code!r}")
    elif (answer["message"], answer["message_nl"]) != errors.MESSAGES[want_code]:
        problems.append(f"{where}: messages {answer}")
    return problems


def post_bodies(server: ServerProcess, bodies: list[ff.Body]) -> None:
    problems = []
    for body in bodies:
        problems += judge_body(body, *http_post(server.base + "/api/rooms", body.data()))
    assert server.proc.poll() is None, "the server exited"
    status, raw = http_post(server.base + "/api/rooms", b'{"language": "en"}')
    if status != 201:
        problems.append(f"after the batch a valid body gets {status}: {raw[:300]!r}")
    if (health := http_get(server.base + "/healthz")) != 200:
        problems.append(f"/healthz answered {health}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:25])


def test_room_creation_refuses_hostile_bodies(fuzz_server: tuple[str, ServerProcess], figures):
    backend, server = fuzz_server
    swept = ff.sweep_bodies()
    post_bodies(server, swept)
    sent = [len(swept)]

    @fuzz_settings(EXAMPLES or 20)
    @given(st.lists(st.one_of(ff.broken_body(), ff.broken_body(), ff.random_bodies()), min_size=1, max_size=25))
    def bodies_are_refused(bodies: list[ff.Body]) -> None:
        sent[0] += len(bodies)
        post_bodies(server, bodies)

    try:
        bodies_are_refused()
    finally:
        count(figures, f"POST /api/rooms bodies, {backend}", sent[0])


# --------------------------------------------------------------------------- method files


def method_outcome(text: str) -> Any:
    """A method file loads as a Method that both codecs carry, or is refused with
    MethodError; nothing else may come out of it."""
    try:
        m = from_toml(text)
    except MethodError as err:
        return err
    parts: list[Any] = [m.about(), m.view()]
    for i, phase in enumerate(m.phases):
        parts += [phase.public(i), dict(phase.script)]
    parts += [card.record() for deck in m.decks.values() for card in deck.cards_for(["de collega", "de klant"])]
    for part in parts:
        values.check(part)
        # every number a client sees of a method is a whole number (PROTOCOL.md §8: minutes,
        # group_size, index, rotate), also where the file wrote 4.0
        floats = [x for x in nodes(part) if isinstance(x, float)]
        assert not floats, f"floats {floats} in {part}"
        plain = json.loads(json.dumps(part))  # tuples become lists, as on the wire
        assert MSGPACK.decode(MSGPACK.encode(part)) == plain, part
        assert JSON.decode(JSON.encode(part)) == plain, part
    return m


def test_method_files_load_or_are_refused(figures):
    texts = ff.sweep_methods()
    for text in texts:
        method_outcome(text)
    seen = [len(texts)]

    @fuzz_settings(EXAMPLES or 400)
    @given(ff.method_texts())
    def a_method_file(text: str) -> None:
        seen[0] += 1
        method_outcome(text)

    try:
        a_method_file()
    finally:
        count(figures, "method files (from_toml)", seen[0])


async def set_methods(server: ServerProcess, fac_token: str, texts: list[str], codec: Codec) -> list[str]:
    """`set_method` with each text from a facilitator in the lobby: acked exactly when the
    file loads, refused with the code its defect has otherwise."""
    problems = []
    fac = await KringClient(server.ws, subprotocol=codec.subprotocol, reconnect=False).resume(fac_token)
    try:
        for text in texts:
            # the field is trimmed and checked for control characters (§6) before the file is read
            stripped = text.strip()
            local = method_outcome(stripped) if len(stripped) <= limits.MAX_METHOD_FILE else None
            control = any(ch in ff.CONTROL for ch in stripped)
            try:
                result = await fac.command("set_method", method_toml=text)
            except CommandError as err:
                got: Any = err.frame
            else:
                got = result
            if local is None:
                ok = isinstance(got, dict) and got.get("code") == errors.TOO_LARGE
            elif isinstance(local, MethodError) or control:
                detail = got.get("detail", "")
                ok = got.get("code") == errors.INVALID_FIELD and (control or detail.startswith("method file: "))
            else:
                ok = got == {"method": local.id}
            if not ok:
                problems.append(f"set_method {ff.shorten(text)} got {got}, but from_toml gives {local!r}")
    finally:
        await fac.close()
    return problems


def test_method_files_over_the_wire(fuzz_server: tuple[str, ServerProcess], figures):
    backend, server = fuzz_server
    sent = [0]

    async def run(texts: list[str]) -> None:
        created = await create_room(server.base)
        watcher = await KringClient(server.ws, subprotocol=JSON.subprotocol, reconnect=False).join(
            created["code"], "Kijker"
        )
        try:
            problems = []
            for i, part in enumerate(ff.chunks(texts, PER_CONNECTION)):
                codec = (MSGPACK, JSON)[i % 2]
                problems += await set_methods(server, created["facilitator_token"], part, codec)
                sent[0] += len(part)
            fac = await KringClient(server.ws, reconnect=False).resume(created["facilitator_token"])
            await fac.close()
            await watcher.wait_until(lambda c: c.mirror.seq >= fac.frames[0]["seq"], TIMEOUT)
            if gaps := seq_gaps(watcher):
                problems.append(gaps)
            if watcher.state["method"] != fac.frames[0]["snapshot"]["method"]:
                problems.append("the watcher's method differs from the room's")
            assert not problems, "\n".join(problems[:25])
        finally:
            await watcher.close()

    carried = [t for t in ff.sweep_methods() if values.carriable(t)]
    try:
        asyncio.run(run(carried))

        @fuzz_settings(EXAMPLES or 8)
        @given(st.lists(ff.method_texts().filter(values.carriable), min_size=1, max_size=12))
        def method_files(texts: list[str]) -> None:
            asyncio.run(run(texts))

        method_files()
    finally:
        count(figures, f"set_method frames, {backend}", sent[0])
