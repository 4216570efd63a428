"""Several real server processes sharing rooms through one real redis-server.

Crashes here are real: `kill -9` of a server process, a killed redis-server that comes
back from its append-only file, pub/sub connections killed with CLIENT KILL.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import msgpack
import pytest
import redis
from websockets.asyncio.client import connect

from client import CommandError, KringClient, create_room
from protocol import errors, limits
from server.backends import redis_presence

from .netfault import PubSubFault
from .redis_store import dump_room, room_keys
from .servers import RedisServer, ServerProcess, running_redis, running_servers
from .session import (
    Session,
    advanced_by_timer,
    bring,
    open_session,
    run_full_session,
    server_snapshot,
    short_method,
    start_short_timer,
)
from .walk import records_about, strings


@pytest.fixture(scope="module")
def pair(redis_server: RedisServer) -> Iterator[list[ServerProcess]]:
    """Two processes of one service on the shared redis-server."""
    with running_servers(2, {"KRING_REDIS_URL": redis_server.url}) as servers:
        yield servers


@pytest.fixture(scope="module")
def lossy_pair(redis_server: RedisServer) -> Iterator[tuple[ServerProcess, ServerProcess, PubSubFault]]:
    """Two processes on the shared redis-server; the second reaches it through a proxy
    that can hold back or drop what Redis publishes to it (tests/netfault.py)."""
    fault = PubSubFault(redis_server.port).start()
    try:
        with (
            running_servers(1, {"KRING_REDIS_URL": redis_server.url}) as (direct,),
            running_servers(1, {"KRING_REDIS_URL": fault.url}) as (lossy,),
        ):
            yield direct, lossy, fault
    finally:
        fault.close()


async def eventually(predicate: Callable[[], object], timeout: float = 10) -> None:
    """Wait for a condition outside any client (e.g. in Redis or the proxy)."""
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    assert predicate()


def event_sequences_agree(s: Session) -> None:
    """Each client saw every event after its snapshot exactly once and in order (a resume
    brings the missed ones in its welcome), and a seq is the same event for everyone."""
    last = max(c.mirror.seq for c in s.everyone)
    types: dict[int, str] = {}
    for c in s.everyone:
        expected = None
        for f in c.frames:
            if f.get("t") == "welcome":
                events = f.get("events", [])
                if "snapshot" in f:
                    expected = f["seq"] + 1
            elif "seq" in f and f.get("t") not in ("ack", "error"):
                events = [f]
            else:
                continue
            for ev in events:
                assert ev["seq"] == expected, (c.me["name"], ev)
                assert types.setdefault(ev["seq"], ev["t"]) == ev["t"]
                expected += 1
        assert expected == last + 1, c.me["name"]


async def test_split_session_sees_one_sequence_and_redis_keeps_no_author(pair, redis_server):
    a, b = pair
    s = await open_session(a.base, n=5, others=[b.base])
    try:
        on_b = [c for c in s.everyone if c.url == b.ws]
        assert on_b and len(on_b) < len(s.everyone), "the group is not split across the processes"
        await run_full_session(s)
        await s.settle()
        event_sequences_agree(s)
        for i, c in enumerate(s.everyone):
            seq, snap = await server_snapshot((a, b)[i % 2].base, c)
            assert (c.mirror.seq, c.state) == (seq, snap), c.me["name"]

        # Redis holds no author of an anonymous question, and no token at all
        stored = dump_room(redis_server.url, s.code)
        assert stored
        for _, value in stored:
            for qid, author in s.question_authors.items():
                for record in records_about(value, qid):
                    found = set(strings(record))
                    assert author.me["id"] not in found and author.me["name"] not in found, record
        for raw, _ in stored:
            for c in s.everyone:
                assert (c.token or "-").encode() not in raw
                assert (c.token or "-").split(".")[1].encode() not in raw

        # end and erase: no key of the room is left
        await s.facilitator.command("end")
        assert room_keys(redis_server.url, s.code) == []
    finally:
        await s.close()


async def test_a_screen_ticket_is_used_once_across_processes(pair, redis_server):
    """A ticket asked for through one process lets in one screen, whichever process the
    screens knock on at once; Redis keeps only its hash."""
    a, b = pair
    s = await open_session(a.base, n=2, others=[b.base])
    admitted: list[KringClient] = []
    try:
        await s.facilitator.command("lock", locked=True)
        ticket = (await s.facilitator.command("screen_ticket"))["ticket"]

        async def knock(url: str) -> str:
            try:
                admitted.append(await KringClient(url).join(s.code, "Scherm", screen=True, ticket=ticket))
            except CommandError as err:
                return err.code
            return "in"

        outcomes = await asyncio.gather(*(knock(url) for url in [a.ws, b.ws, b.ws, a.ws]))
        assert sorted(outcomes) == ["bad_ticket", "bad_ticket", "bad_ticket", "in"], outcomes
        await s.facilitator.wait_until(
            lambda c: [p["role"] for p in c.state["participants"]].count("screen") == 1 and c.state["locked"]
        )
        for raw, _ in dump_room(redis_server.url, s.code):
            assert ticket.encode() not in raw
    finally:
        await s.close()
        for screen in admitted:
            await screen.close()


async def to_questions_round(s: Session, others: Sequence[KringClient] = ()) -> list[KringClient]:
    """The questions round, everyone (on both processes) having confirmed in the opening.
    `others`: clients outside the session that do not reconnect; each confirms too, is
    closed with 4011 for its fresh snapshot, and is returned connected again (same URL)."""
    fac, members = s.facilitator, s.members
    await fac.command("advance")  # opening
    for m in members:
        await m.command("confirm")
    again = []
    for c in others:
        await c.command("confirm")
        await c.wait_until(lambda c: c.close_code is not None)
        assert c.close_code == errors.CLOSE_ROLE_CHANGED
        again.append(await KringClient(c.url, reconnect=False).resume(c.token or ""))
    await bring(fac, members[0], "vragenronde", start="opening")
    s.inbrenger = members[0]
    return again


async def ask_many(s: Session, n: int, acked: dict[str, str], progress: asyncio.Event, at: int, first: int = 0) -> None:
    """Every group member asks n questions (numbered from `first`), one after the other;
    `progress` is set once `at` of them are acknowledged."""

    async def one(m: KringClient) -> None:
        for k in range(first, first + n):
            text = f"{m.me['name']}: vraag {k}?"
            result = await m.command("ask", text=text)
            acked[result["question"]] = text
            if len(acked) >= at:
                progress.set()

    await asyncio.gather(*(one(m) for m in s.members[1:]))


async def assert_each_question_once(s: Session, base: str, acked: dict[str, str], expected: int) -> None:
    _, snap = await server_snapshot(base, s.facilitator)
    texts = Counter(q["text"] for q in snap["questions"])
    assert sum(texts.values()) == expected and set(texts.values()) == {1}, texts
    by_id = {q["id"]: q["text"] for q in snap["questions"]}
    assert all(by_id.get(qid) == text for qid, text in acked.items())
    assert len(acked) == expected


async def test_kill_9_of_a_process_loses_nothing_and_applies_once(redis_server):
    assert redis_presence.HEARTBEAT + redis_presence.PRESENCE_TTL <= 15  # offline within 15 s
    with running_servers(2, {"KRING_REDIS_URL": redis_server.url}) as (a, b):
        s = await open_session(a.base, n=5, others=[b.base])
        # two laptops on b that stay away after the crash and come back later, elsewhere
        away = [await KringClient(b.ws, reconnect=False).join(s.code, name) for name in ("Fenna", "Gijs")]
        try:
            away = await to_questions_round(s, away)
            moved = [c for c in s.everyone if c.url == b.ws]
            askers_on_b = [m for m in s.members[1:] if m.url == b.ws]
            assert askers_on_b
            acked: dict[str, str] = {}
            halfway = asyncio.Event()
            asking = asyncio.create_task(ask_many(s, 10, acked, halfway, at=8))
            await asyncio.wait_for(halfway.wait(), 30)

            # a command b applies but whose ack its client never reads before the crash
            late = askers_on_b[0]
            raw = await connect(b.ws, subprotocols=[limits.SUBPROTOCOL_MSGPACK])  # type: ignore[list-item]  # websockets: a Subprotocol NewType
            await raw.send(msgpack.packb({"t": "hello", "token": late.token}))
            await raw.send(msgpack.packb({"t": "ask", "id": "onbevestigd-1", "text": "Wat vroeg je toen?"}))
            await s.facilitator.wait_until(
                lambda c: any(q["text"] == "Wat vroeg je toen?" for q in c.state["questions"])
            )

            # freeze b: what its clients send from now on is sent, and never answered by it
            # (presence from here on: everyone blinked once before, at the 4011 after confirming)
            before_crash = len(s.facilitator.frames)
            os.kill(b.proc.pid, signal.SIGSTOP)
            await eventually(lambda: all(m.unacked for m in askers_on_b))
            in_flight = [cid for m in askers_on_b for cid in m.unacked]
            b.kill()
            await asyncio.wait_for(asking, 60)
            assert all(not m.unacked for m in askers_on_b)  # each in-flight command got its ack ...
            again = await late.command("ask", text="Wat vroeg je toen?", command_id="onbevestigd-1")
            acked[again["question"]] = "Wat vroeg je toen?"
            assert all(c.url == a.ws for c in moved)
            await s.settle()
            # ... and everything, in flight or not, is there exactly once
            await assert_each_question_once(s, a.base, acked, expected=41)
            assert in_flight
            event_sequences_agree(s)

            # the crashed process's people are shown offline within 15 s ...
            fac = s.facilitator
            gone = {c.me["id"] for c in away}

            def shown(c: KringClient, pids: set[str], online: bool) -> bool:
                return all(p["online"] == online for p in c.state["participants"] if p["id"] in pids)

            await fac.wait_until(lambda c: shown(c, gone, False), timeout=30)
            went_offline = {
                f["participant"] for f in fac.frames[before_crash:] if f.get("t") == "presence" and not f["online"]
            }
            assert gone <= went_offline
            # ... and online again once they reconnect elsewhere
            away = [await KringClient(a.ws).resume(c.token or "") for c in away]
            await fac.wait_until(lambda c: shown(c, gone, True))
            # those whose client moved at once never looked gone
            members = {m.me["id"] for m in s.members}
            await fac.wait_until(lambda c: shown(c, members, True))
            assert not members & went_offline
            await raw.close()
        finally:
            if b.proc.poll() is None:
                os.kill(b.proc.pid, signal.SIGCONT)
            await s.close()
            for c in away:
                await c.close()


async def test_redis_restart_loses_nothing_acknowledged(tmp_path: Path):
    with running_redis(tmp_path) as store, running_servers(2, {"KRING_REDIS_URL": store.url}) as (a, b):
        s = await open_session(a.base, n=5, others=[b.base])
        try:
            await to_questions_round(s)
            acked: dict[str, str] = {}
            started = asyncio.Event()
            asking = asyncio.create_task(ask_many(s, 8, acked, started, at=6))
            await asyncio.wait_for(started.wait(), 30)
            store.kill()  # appendonly with fsync always: every acknowledged write is on disk
            for _ in range(300):
                if any(c.unavailable for c in s.everyone):
                    break
                await asyncio.sleep(0.05)
            assert any(c.unavailable for c in s.everyone), "no client saw the outage"
            store.start()
            await asyncio.wait_for(asking, 90)
            await s.settle()
            await assert_each_question_once(s, a.base, acked, expected=32)
            event_sequences_agree(s)
        finally:
            await s.close()


async def test_killed_pubsub_connections_resync(pair, redis_server):
    a, b = pair
    s = await open_session(a.base, n=5, others=[b.base])
    try:
        await to_questions_round(s)
        group = s.members[1:]
        with redis.Redis.from_url(redis_server.url) as r:
            channel = f"kring:{{{s.code}}}:events"
            for round_ in range(3):
                for _ in range(200):  # both processes subscribed (again)
                    if dict(r.pubsub_numsub(channel)).get(channel.encode()) == 2:
                        break
                    await asyncio.sleep(0.05)
                # both processes lose theirs (other servers of the test run keep their own)
                ours = {f"kring-{p.proc.pid}" for p in pair}
                killed = [c for c in r.client_list(_type="pubsub") if c["name"] in ours]
                assert len(killed) == 2
                for c in killed:
                    r.client_kill_filter(_id=c["id"])
                await asyncio.gather(*(m.command("ask", text=f"{m.me['name']} {round_}?") for m in group))
        await s.settle()
        event_sequences_agree(s)
        for i, c in enumerate(s.everyone):
            seq, snap = await server_snapshot((a, b)[i % 2].base, c)
            assert (c.mirror.seq, c.state) == (seq, snap), c.me["name"]
        assert len(s.facilitator.state["questions"]) == 3 * len(group)
        # the last connection of a room on a process gives up its subscription
        await s.close()
        with redis.Redis.from_url(redis_server.url) as r:
            for _ in range(200):
                if dict(r.pubsub_numsub(channel)).get(channel.encode()) == 0:
                    break
                await asyncio.sleep(0.05)
            assert dict(r.pubsub_numsub(channel)).get(channel.encode()) == 0
    finally:
        await s.close()


def _erase_refused(url: str, refused: bool) -> None:
    """Let Redis refuse (or allow again) DEL, the one command an erase needs: a real store
    that takes the commit of `ended` and then fails the erase."""
    with redis.Redis.from_url(url) as r:
        r.execute_command("ACL", "SETUSER", "default", "-del" if refused else "+del")


async def test_end_whose_erase_fails_is_retried_until_the_room_is_gone(tmp_path: Path):
    with running_redis(tmp_path) as store, running_servers(2, {"KRING_REDIS_URL": store.url}) as (a, b):
        # 1. the erase fails: `end` is answered `unavailable`, the room is served to nobody,
        #    and the client's retry (same id) erases it once Redis allows it again
        s = await open_session(a.base, n=2, others=[b.base])
        try:
            _erase_refused(store.url, True)
            ending = asyncio.create_task(s.facilitator.command("end", command_id="einde-1"))
            await s.facilitator.wait_until(lambda c: any(e.get("id") == "einde-1" for e in c.unavailable))
            assert not ending.done() and room_keys(store.url, s.code)
            for m in s.members:  # told the room ended; nobody is served it again
                await m.wait_until(lambda c: c.close_code == 4004)
            for url in (a.ws, b.ws):
                with pytest.raises(CommandError) as err:
                    await KringClient(url, reconnect=False).resume(s.members[0].token or "")
                assert err.value.code == "unavailable"  # it tries to erase it, and must wait
                with pytest.raises(CommandError) as err:
                    await KringClient(url, reconnect=False).join(s.code, "Laatkomer")
                assert err.value.code == "unavailable"
            _erase_refused(store.url, False)
            assert await asyncio.wait_for(ending, 30) == {}
            assert room_keys(store.url, s.code) == []
            await s.facilitator.wait_until(lambda c: c.close_code == 4004)
        finally:
            _erase_refused(store.url, False)
            await s.close()

        # 2. the process dies between the commit of `ended` and the erase: the facilitator's
        #    client moves to the other process, whose hello finds the ended room and erases it
        s = await open_session(b.base, n=2, others=[a.base])
        try:
            assert s.facilitator.url == b.ws
            _erase_refused(store.url, True)
            ending = asyncio.create_task(s.facilitator.command("end"))
            await s.facilitator.wait_until(lambda c: bool(c.unavailable))
            b.kill()
            _erase_refused(store.url, False)
            assert await asyncio.wait_for(ending, 30) == {}  # the room it asked to end is gone
            assert s.facilitator.url == a.ws
            assert room_keys(store.url, s.code) == []
            with pytest.raises(CommandError) as err:
                await KringClient(a.ws, reconnect=False).resume(s.members[0].token or "")
            assert err.value.code == "bad_token"
        finally:
            _erase_refused(store.url, False)
            await s.close()


def _channel(code: str) -> str:
    return f"kring:{{{code}}}:events"


async def test_a_resume_through_a_process_that_has_not_heard_the_join_yet(lossy_pair):
    """Someone joins through one process and resumes at once through another whose copy
    of the room has not heard of them yet: that process looks again instead of refusing
    the token (a refusal is final for the client and counts as a failed join)."""
    a, b, fault = lossy_pair
    created = await create_room(a.base)
    code = created["code"]
    fac = await KringClient(b.ws).resume(created["facilitator_token"])  # b keeps a copy of the room
    newcomer = None
    try:
        fault.watch(_channel(code))
        fault.hold()
        newcomer = await KringClient(a.ws).join(code, "Gijs")
        await eventually(lambda: fault.held)  # b has really not heard of the join
        probe = await KringClient(b.ws, reconnect=False).resume(newcomer.token or "")
        assert probe.me["id"] == newcomer.me["id"]
        assert newcomer.me["id"] in {p["id"] for p in probe.state["participants"]}
        await probe.close()
    finally:
        fault.release()
        fault.watch("")
    try:
        await fac.wait_until(lambda c: newcomer.me["id"] in {p["id"] for p in c.state["participants"]})
    finally:
        await fac.close()
        await newcomer.close()


async def test_a_publish_the_process_never_hears_is_filled_from_the_stream(lossy_pair):
    """Pub/sub is at-most-once: a commit whose PUBLISH a process never hears, followed by
    one it does hear, is a seq gap that it fills from the stream before delivering."""
    a, b, fault = lossy_pair
    s = await open_session(a.base, n=4, others=[b.base])
    try:
        on_b = [c for c in s.everyone if c.url == b.ws]
        assert on_b and s.facilitator.url == a.ws
        fault.watch(_channel(s.code))
        fault.drop(1)
        await s.facilitator.command("lock", locked=True)  # b never hears this one ...
        await eventually(lambda: fault.dropped == 1)
        await s.facilitator.command("lock", locked=False)  # ... but this one: a gap
        await s.settle()
        event_sequences_agree(s)
        assert all(any(f.get("t") == "locked" and f["locked"] for f in c.frames) for c in on_b)
        for c in s.everyone:
            seq, snap = await server_snapshot(b.base, c)
            assert (c.mirror.seq, c.state) == (seq, snap), c.me["name"]
    finally:
        fault.watch("")
        await s.close()


async def test_auto_advance_happens_once_with_several_processes_and_after_a_crash(redis_server):
    with running_servers(3, {"KRING_REDIS_URL": redis_server.url}) as (a, b, c):
        # every process that holds the room watches its timer; the room advances once
        s = await open_session(a.base, n=4, others=[b.base], method_toml=short_method())
        try:
            assert {x.url for x in s.everyone} == {a.ws, b.ws}
            await s.facilitator.command("advance")
            for m in s.members:  # the timer never moves on past one who has not confirmed
                await m.command("confirm")
            await s.settle()
            await s.facilitator.command("auto_advance", on=True)
            await start_short_timer(s.facilitator, 1)
            await s.facilitator.wait_until(lambda x: bool(advanced_by_timer(x)), timeout=30)
            await s.facilitator.command("lock", locked=True)
            await s.settle()
            event_sequences_agree(s)
            assert all(len(advanced_by_timer(x)) == 1 and x.state["phase"]["index"] == 2 for x in s.everyone)
        finally:
            await s.close()

        # the only process that holds the room dies before the deadline; a process that
        # loads the room after it acts at once
        created = await create_room(b.base, method_toml=short_method())
        fac = await KringClient(b.ws, reconnect=False).resume(created["facilitator_token"])
        await fac.command("advance")
        await fac.command("auto_advance", on=True)
        deadline = await start_short_timer(fac, 2)
        b.kill()
        await fac.wait_until(lambda x: x.close_code is not None)
        while fac.server_now() < deadline + 0.5:  # past the deadline, with nobody in the room
            await asyncio.sleep(0.1)
        back = await KringClient(c.ws).resume(created["facilitator_token"])
        try:
            await back.wait_until(lambda x: x.state["phase"]["index"] == 2, timeout=30)
            seq, snap = await server_snapshot(a.base, back)
            assert snap["phase"]["index"] == 2 and snap["timer"]["running"] is False
        finally:
            await back.close()
