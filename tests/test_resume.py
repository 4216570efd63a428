"""Dropping and resuming: exactly the missed events, nothing twice, commands applied once."""

from __future__ import annotations

import asyncio
import socket

import msgpack
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from client import KringClient
from protocol import errors, limits

from .servers import running_server
from .session import Session, online, open_session, session_at, ws_url


async def test_resume_delivers_exactly_the_missed_events(server):
    s = await session_at(server, "vragenronde")
    try:
        url = ws_url(server)
        sleeper = KringClient(url, reconnect=False)
        await sleeper.resume(s.members[3].token or "")
        await s.settle()
        before = sleeper.mirror.seq
        await sleeper.drop()
        await sleeper.wait_until(lambda c: c.close_code is not None)
        for m in s.members[1:3]:
            await m.command("ask", text=f"Wat doe {m.me['name']} nu?")
        await s.facilitator.command("hide_question", question=s.members[1].state["questions"][0]["id"], hidden=True)
        await s.members[1].wait_until(lambda c: len(c.state["questions"]) == 1)
        missed_until = s.facilitator.mirror.seq
        seen_before = len(sleeper.frames)

        await sleeper.resume(sleeper.token or "", epoch=sleeper.epoch, seq=sleeper.mirror.seq)
        welcome = sleeper.frames[seen_before]
        assert welcome["t"] == "welcome" and "snapshot" not in welcome
        assert [e["seq"] for e in welcome["events"]] == list(range(before + 1, missed_until + 1))
        await s.settle()
        seqs = [f["seq"] for f in sleeper.frames if f.get("t") not in ("welcome", "ack", "error")]
        seqs += [e["seq"] for f in sleeper.frames if f.get("t") == "welcome" for e in f.get("events", [])]
        assert sorted(seqs) == list(range(min(seqs), sleeper.mirror.seq + 1)), "a gap or a duplicate"
        fresh = await KringClient(url, reconnect=False).resume(sleeper.token or "")
        assert sleeper.state == fresh.state
        await fresh.close()
        await sleeper.close()
    finally:
        await s.close()


async def test_old_epoch_or_unknown_seq_gets_a_snapshot(server):
    s = await session_at(server, "vragenronde", n=4)
    try:
        c = KringClient(ws_url(server), reconnect=False)
        await c.resume(s.members[1].token or "", epoch="0000000000000000", seq=3)
        assert "snapshot" in c.frames[0]
        await c.close()
        c = KringClient(ws_url(server), reconnect=False)
        await c.resume(s.members[1].token or "", epoch=s.members[1].epoch, seq=10_000)
        assert "snapshot" in c.frames[0]
        await c.close()
    finally:
        await s.close()


async def test_automatic_reconnect_and_a_resent_command_is_applied_once(server):
    s = await session_at(server, "vragenronde")
    try:
        author = s.members[2]
        first = await author.command("ask", text="Hoe reageerde je leidinggevende?", command_id="vraag-1")
        await author.drop()  # the laptop sleeps; the client library resumes by itself
        await author.wait_until(lambda c: c.connected.is_set() and c.close_code is not None)
        again = await author.command("ask", text="Hoe reageerde je leidinggevende?", command_id="vraag-1")
        assert again == first
        await s.settle()
        assert [q["id"] for q in s.facilitator.state["questions"]] == [first["question"]]
        assert author.state["own_questions"] == [first["question"]]
    finally:
        await s.close()


async def test_command_in_flight_during_a_drop_is_applied_once(server):
    s = await session_at(server, "vragenronde")
    try:
        author = s.members[2]
        task = asyncio.create_task(author.command("ask", text="Wat zou je willen dat er verandert?"))
        await asyncio.sleep(0)  # sent (or not) ...
        await author.drop()  # ... and the connection breaks before the ack
        result = await asyncio.wait_for(task, 10)
        await s.settle()
        assert [q["id"] for q in s.facilitator.state["questions"]] == [result["question"]]
    finally:
        await s.close()


async def a_slow_reader(base: str, s: Session) -> tuple[ClientConnection, str, str]:
    """The last member, back through a raw websocket with a 4 KB receive buffer that reads
    only when the test does (in the case choice: the case text is shared there); with its
    token and id, once the room sees it online again."""
    await s.facilitator.command("back")
    member = s.members.pop()
    token, pid = member.token or "", member.me["id"]
    await member.close()
    await s.facilitator.wait_until(lambda c: not online(c, pid))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(base.rsplit(":", 1)[1])))
    slow = await connect(ws_url(base), sock=sock, subprotocols=[limits.SUBPROTOCOL_MSGPACK], max_queue=1, max_size=None)
    await slow.send(msgpack.packb({"t": "hello", "token": token}))
    return slow, token, pid


async def test_slow_client_is_dropped_and_can_resume(backend):
    # a tiny send queue and kernel send buffer make "too slow" arrive after a few frames
    with running_server({**backend, "KRING_SEND_QUEUE": "8", "KRING_SOCKET_SNDBUF": "8192"}) as base:
        s = await session_at(base, "vragenronde")
        try:
            # a reader that never reads: a tiny receive buffer, and frames left unread
            slow, token, pid = await a_slow_reader(base, s)
            await s.facilitator.wait_until(lambda c: online(c, pid))
            inbrenger, text = s.members[0], "x" * (limits.MAX_LONG - 10)
            for i in range(200):  # bounded: stops as soon as the server drops the sleeper
                await inbrenger.command("share_case", text=f"{i} {text}", people=["de collega"])
                if i % 10 == 9:
                    await asyncio.sleep(0.5)  # stay under the rate limit
                if not online(s.facilitator, pid):
                    break
            assert not online(s.facilitator, pid), "the server never dropped the slow connection"
            # waking up, it reads what was queued and then the "too slow" close code
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(slow.recv(), 10)
            assert slow.close_code == errors.CLOSE_TOO_SLOW
            # the rest of the room carried on and saw every event
            await s.settle()
            assert all(m.state["case_text"].startswith(f"{i} ") for m in s.members)
            # and the sleeper resumes where it was
            back = await KringClient(ws_url(base)).resume(token)
            assert back.state["case_text"].startswith(f"{i} ")
            await s.facilitator.wait_until(lambda c: online(c, pid))
            await back.close()
        finally:
            await s.close()


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
async def test_a_reader_that_falls_behind_and_catches_up_gets_every_event_in_order(backend):
    # The hub writes a frame straight to the socket while nothing is queued before it and
    # queues it while the socket is full (server/transport.py send_now). A reader that stops
    # for 20 case texts of 8 KB (about 160 KB, far past the 8 KB send buffer, a 4 KB receive
    # buffer and the transport's 64 KB) makes frames queue; once it reads again, they and
    # every later one arrive in seq order, none lost, none twice.
    # (one backend: how a frame leaves a process does not depend on where the room is kept)
    with running_server({**backend, "KRING_SOCKET_SNDBUF": "8192"}) as base:
        s = await session_at(base, "vragenronde")
        try:
            slow, token, pid = await a_slow_reader(base, s)
            welcome = msgpack.unpackb(await slow.recv())
            assert welcome["t"] == "welcome", welcome
            await s.facilitator.wait_until(lambda c: online(c, pid))
            inbrenger, text = s.members[0], "x" * (limits.MAX_LONG - 10)
            for i in range(20):  # within the burst the rate limit allows
                await inbrenger.command("share_case", text=f"{i} {text}", people=["de collega"])
            seqs: list[int] = []
            texts: list[int] = []

            async def read_slowly(until: int) -> None:
                while not seqs or seqs[-1] < until:
                    msg = msgpack.unpackb(await asyncio.wait_for(slow.recv(), 10))
                    if "seq" in msg and msg["t"] != "ack":
                        seqs.append(msg["seq"])
                    if msg["t"] == "case_shared":
                        texts.append(int(msg["text"].split(" ", 1)[0]))
                    await asyncio.sleep(0.005)  # slower than the room: the socket fills and drains by turns

            async def more() -> None:  # while it reads again, frames keep coming
                await asyncio.sleep(1)  # the rate limit refills
                for i in range(20, 40):
                    await inbrenger.command("share_case", text=f"{i} {text}", people=["de collega"])

            reading = asyncio.create_task(read_slowly(10**9))
            await more()
            await s.settle()
            last = s.facilitator.mirror.seq
            reading.cancel()
            await read_slowly(last)
            assert seqs == list(range(welcome["seq"] + 1, last + 1))
            assert texts == list(range(40))
            assert online(s.facilitator, pid)  # it was slow, never too slow
            await slow.close()
        finally:
            await s.close()


async def test_a_client_further_behind_than_the_kept_log_gets_a_snapshot(backend):
    """The log keeps the last KRING_LOG_CAP events (Redis: at least that many, trimmed
    in whole stream nodes): a client that missed more gets a fresh snapshot, one that
    missed a few gets exactly those."""
    with running_server({**backend, "KRING_LOG_CAP": "20"}) as base:
        s = await open_session(base, n=5)
        try:
            await s.facilitator.command("advance")  # "ready" is given after the lobby
            await s.settle()
            far, near = (KringClient(ws_url(base), reconnect=False) for _ in range(2))
            await far.resume(s.members[0].token or "")
            await far.drop()

            async def toggle(m: KringClient, n: int) -> None:
                for i in range(n):
                    await m.command("ready", ready=i % 2 == 0)

            await asyncio.gather(*(toggle(m, 30) for m in s.members[1:]))  # 120 events: the first node goes
            await s.settle()
            await near.resume(s.members[0].token or "")
            await near.drop()
            await toggle(s.members[1], 5)
            await s.settle()

            for client, kind, other in ((far, "snapshot", "events"), (near, "events", "snapshot")):
                seen = len(client.frames)
                await client.resume(client.token or "", epoch=client.epoch, seq=client.mirror.seq)
                welcome = client.frames[seen]
                assert welcome["t"] == "welcome" and kind in welcome and other not in welcome
                if kind == "events":
                    assert [e["seq"] for e in welcome["events"]] == list(range(welcome["seq"] - 4, welcome["seq"] + 1))
                assert client.mirror.seq == s.facilitator.mirror.seq
                fresh = await KringClient(ws_url(base), reconnect=False).resume(client.token or "")
                assert client.state == fresh.state
                await fresh.close()
                await client.close()
        finally:
            await s.close()


async def test_an_event_the_mirror_cannot_fold_brings_a_fresh_snapshot(server):
    """A client whose mirror misses an event (here: it forgets the last one it folded) gets
    a gap on the next one, folds nothing of it, and resumes without epoch and seq."""
    s = await session_at(server, "vragenronde", n=4)
    try:
        follower = KringClient(ws_url(server))
        await follower.resume(s.members[3].token or "")
        follower.mirror.seq -= 1
        await s.members[1].command("ask", text="Wat maakt dit moeilijk voor je?")
        await follower.wait_until(lambda c: c.resyncs == 1 and c.connected.is_set() and len(c.state["questions"]) == 1)
        await s.settle()
        assert "snapshot" in [f for f in follower.frames if f.get("t") == "welcome"][-1]
        fresh = await KringClient(ws_url(server), reconnect=False).resume(s.members[3].token or "")
        assert follower.state == fresh.state and follower.mirror.seq == fresh.mirror.seq
        await fresh.close()
        await follower.close()
    finally:
        await s.close()
