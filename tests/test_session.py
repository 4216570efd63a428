"""A whole session over real websockets against the real server (memory backend)."""

from __future__ import annotations

import asyncio
import json

import msgpack
import pytest
from websockets.asyncio.client import connect

from client import CommandError, KringClient
from protocol import limits

from .session import (
    advanced_by_timer,
    open_session,
    run_full_session,
    server_snapshot,
    short_method,
    start_short_timer,
    ws_url,
)
from .walk import records_about, strings


async def test_full_session_mirrors_equal_server_snapshots(server):
    s = await open_session(server, n=5)
    try:
        await run_full_session(s)
        summary = (await s.inbrenger.command("summary"))["summary"]
        assert summary["title"] == "Lastige collega"
        assert summary["essence"] == "Ik zeg te weinig wat ik wil."
        assert summary["takeaway"] == "Ik ga het morgen bespreken."
        assert len(summary["advice"]) == 4 and len(summary["perspectives"]) == 4
        await s.settle()
        for c in s.everyone:
            seq, snap = await server_snapshot(server, c)
            assert c.mirror.seq == seq
            assert c.state == snap, f"mirror of {c.me['name']} differs from the server's snapshot"
        # every client saw the same gapless sequence of seqs
        for c in s.everyone:
            seqs = [f["seq"] for f in c.frames if "seq" in f and f.get("t") not in ("welcome", "ack")]
            assert seqs == sorted(set(seqs))
    finally:
        await s.close()


async def test_views_differ_by_audience(server):
    s = await open_session(server, n=5)
    try:
        await run_full_session(s)
        fac, inb = s.facilitator, s.inbrenger
        other = s.members[1]
        # the facilitator sees every evaluation and confirmation, a participant only their own
        assert len(fac.state["evaluations"]) == 5
        assert [e["participant"] for e in other.state["evaluations"]] == [other.me["id"]]
        assert len(fac.state["confirmed"]) == 5 and other.state["confirmed"] == [other.me["id"]]
        assert other.state["confirmed_count"] == 5
        # a hidden question stays visible to the facilitator only
        assert any(q["hidden"] for q in fac.state["questions"])
        assert not any(q["hidden"] for q in other.state["questions"])
        # each participant holds one card of their own; the facilitator and inbrenger none
        deal = "associatieronde"
        assert fac.state["deals"][deal]["mine"] is None and inb.state["deals"][deal]["mine"] is None
        assert all(m.state["deals"][deal]["mine"] for m in s.members[1:])
        # ready shows the group a count, never names; the facilitator who (their marks)
        assert other.state["ready_count"] == 5
        ready_frames = [f for c in s.members for f in c.frames if f.get("t") == "ready"]
        assert ready_frames and all(set(f) <= {"t", "seq", "ready_count", "ready"} for f in ready_frames)
        fac_ready = [f for f in fac.frames if f.get("t") == "ready"]
        assert fac_ready and all(set(f) == {"t", "seq", "ready_count", "participant", "ready"} for f in fac_ready)
        assert sorted(fac.state["ready_ids"]) == sorted({f["participant"] for f in fac_ready})
        # who voted, to the facilitator: never for what
        fac_votes = [f for f in fac.frames if f.get("t") == "vote_cast"]
        assert fac_votes and all("case" not in f and "participant" in f for f in fac_votes)
        # the summary goes to the inbrenger only
        with pytest.raises(CommandError) as err:
            await other.command("summary")
        assert err.value.code == "not_allowed"
    finally:
        await s.close()


def _mentions(frame: object, needle: str) -> bool:
    return needle in json.dumps(frame, ensure_ascii=False)


async def test_anonymity_audit(server):
    """No frame anyone received ties an anonymous question to its author."""
    s = await open_session(server, n=5)
    try:
        await run_full_session(s)
        assert s.question_authors, "the session asked no questions"
        # welcomes taken now, when the questions exist: a fresh snapshot, and a resume
        # from before them whose welcome carries every event since. (From after the last
        # confirmation of the agreement: a resume from before one's own confirmation gets
        # a fresh snapshot instead, views.sees_anew.)
        confirmed = max(f["seq"] for f in s.facilitator.frames if f.get("t") == "confirmed")
        welcomes: dict[int, list[tuple[bytes, dict]]] = {}
        for c in s.everyone:
            welcomes[id(c)] = [
                await _welcome_of(server, {"t": "hello", "token": c.token}),
                await _welcome_of(server, {"t": "hello", "token": c.token, "epoch": c.epoch, "seq": confirmed}),
            ]
            assert "snapshot" in welcomes[id(c)][0][1] and len(welcomes[id(c)][1][1]["events"]) > 20
        for qid, author in s.question_authors.items():
            secrets_of_author = [author.me["id"], author.me["name"], author.token or ""]
            for c in s.everyone:
                for raw, frame in [*zip(c.raw, c.frames, strict=True), *welcomes[id(c)]]:
                    if frame.get("t") == "welcome":
                        # a welcome names everyone (participants, you): no record about
                        # the question in it may name its author
                        records = list(records_about(frame, qid))
                        assert all(not set(strings(r)) & set(secrets_of_author) for r in records), (qid, records)
                        assert (author.token or "").encode() not in raw or (c is author and "token" in frame)
                        continue
                    if c is not author:
                        data = raw if isinstance(raw, bytes) else raw.encode()
                        assert (author.token or "").encode() not in data
                    if _mentions(frame, f'"{qid}"'):
                        for secret in secrets_of_author:
                            assert not _mentions(frame, secret), (qid, frame)
            # the author received no question frame that others did not
            peer = next(m for m in s.members[1:] if m is not author)
            question_frames = lambda c: [  # noqa: E731
                msgpack.packb(f) for f in c.frames if f.get("t", "").startswith("question_")
            ]
            assert question_frames(author) == question_frames(peer)
        # and the questions really are anonymous
        assert all(q["author"] is None for q in s.facilitator.state["questions"])
        # yet each author sees their own questions marked, hidden ones included, withdrawn ones gone
        for qid, author in s.question_authors.items():
            assert (qid in author.state["own_questions"]) == (qid not in s.withdrawn)
            others = set(s.question_authors) - {qid}
            assert not others & set(author.state["own_questions"])
    finally:
        await s.close()


async def _welcome_of(base: str, hello: dict) -> tuple[bytes, dict]:
    """The welcome a hello gets, raw and decoded."""
    async with connect(ws_url(base), subprotocols=[limits.SUBPROTOCOL_MSGPACK]) as ws:  # type: ignore[list-item]  # websockets: a Subprotocol NewType
        await ws.send(msgpack.packb(hello))
        raw = await ws.recv()
        assert isinstance(raw, bytes)
        return raw, msgpack.unpackb(raw)


async def test_named_questions_when_room_is_not_anonymous(server):
    s = await open_session(server, n=5, anonymous_questions=False)
    try:
        await run_full_session(s)
        authors = {q["author"] for q in s.facilitator.state["questions"]}
        assert None not in authors and authors <= {m.me["id"] for m in s.members}
    finally:
        await s.close()


async def test_json_subprotocol_runs_the_same_session(server):
    s = await open_session(server, n=4)
    try:
        url = ws_url(server)
        jc = await KringClient(url, subprotocol="kring.v1.json").join(s.code, "Joost")
        assert isinstance(jc.raw[0], str)
        await s.facilitator.command("advance")
        await jc.command("confirm")
        assert jc.state["confirmed"] == [jc.me["id"]]
        await jc.close()
    finally:
        await s.close()


async def test_end_erases_the_room(server):
    s = await open_session(server, n=4)
    try:
        await s.facilitator.command("end")
        for c in s.everyone:
            await c.wait_until(lambda c: c.close_code is not None)
            assert c.close_code == 4004 and c.mirror.ended
        with pytest.raises(CommandError) as err:
            await KringClient(ws_url(server), reconnect=False).join(s.code, "Laatkomer")
        assert err.value.code == "unknown_room"
        with pytest.raises(CommandError) as err:
            await KringClient(ws_url(server), reconnect=False).resume(s.members[0].token or "")
        assert err.value.code == "bad_token"
    finally:
        await s.close()


async def test_two_facilitators_ending_at_once_both_get_their_ack(server):
    """`end` is acked once the room is erased; ending a room that is gone already is done,
    so a co-facilitator who pressed the button a moment later is not told it failed."""
    s = await open_session(server, n=3)
    try:
        co = s.members[2]
        await s.facilitator.command("add_facilitator", participant=co.me["id"])
        await co.wait_until(lambda c: c.me.get("role") == "facilitator")
        results = await asyncio.gather(s.facilitator.command("end"), co.command("end"))
        assert results == [{}, {}]
        for c in s.everyone:  # the co-facilitator's last close before this one was 4011 (its new role)
            await c.wait_until(lambda c: c.close_code == 4004)
        with pytest.raises(CommandError) as err:
            await KringClient(ws_url(server), reconnect=False).resume(co.token or "")
        assert err.value.code == "bad_token"
    finally:
        await s.close()


async def test_removed_participant_cannot_come_back(server):
    s = await open_session(server, n=4)
    try:
        victim = s.members[2]
        await s.facilitator.command("remove", participant=victim.me["id"])
        await victim.wait_until(lambda c: c.close_code is not None)
        assert victim.close_code == 4003
        with pytest.raises(CommandError) as err:
            await KringClient(ws_url(server), reconnect=False).resume(victim.token or "")
        assert err.value.code == "bad_token"
        await s.members[0].wait_until(lambda c: victim.me["id"] not in {p["id"] for p in c.state["participants"]})
    finally:
        await s.close()


async def test_locked_room_refuses_joins_and_presence_is_shown(server):
    s = await open_session(server, n=4)
    try:
        await s.facilitator.command("lock", locked=True)
        with pytest.raises(CommandError) as err:
            await KringClient(ws_url(server), reconnect=False).join(s.code, "Laatkomer")
        assert err.value.code == "room_locked"
        leaver = s.members[3]
        await leaver.close()
        await s.facilitator.wait_until(
            lambda c: any(p["id"] == leaver.me["id"] and not p["online"] for p in c.state["participants"])
        )
        back = await KringClient(ws_url(server)).resume(leaver.token or "")
        await s.facilitator.wait_until(
            lambda c: any(p["id"] == leaver.me["id"] and p["online"] for p in c.state["participants"])
        )
        s.members[3] = back
    finally:
        await s.close()


async def test_a_locked_room_lets_in_a_screen_with_a_ticket_and_no_one_else(server):
    s = await open_session(server, n=2)
    screen = None
    try:
        await s.facilitator.command("lock", locked=True)
        issued = await s.facilitator.command("screen_ticket")
        ticket = issued["ticket"]
        assert issued["expires"] > s.facilitator.server_now()

        async def refusal(**how: object) -> str:
            with pytest.raises(CommandError) as err:
                await KringClient(ws_url(server), reconnect=False).join(s.code, "Scherm", **how)
            assert err.value.frame.get("message_nl")
            return err.value.code

        assert await refusal(screen=True) == "room_locked"  # a screen without a ticket
        assert await refusal(ticket=ticket) == "not_allowed"  # a participant with one
        assert await refusal(screen=True, ticket="f" * 32) == "bad_ticket"
        screen = await KringClient(ws_url(server)).join(s.code, "Scherm", screen=True, ticket=ticket)
        assert screen.me["role"] == "screen" and screen.state["locked"] is True
        assert await refusal(screen=True, ticket=ticket) == "bad_ticket"  # used up
        await s.facilitator.wait_until(lambda c: any(p["role"] == "screen" for p in c.state["participants"]))
        # the room stayed locked all along, and the ticket went to no one but the facilitator
        for c in [*s.everyone, screen]:
            assert not any(f.get("t") == "locked" and f.get("locked") is False for f in c.frames)
            assert ticket not in json.dumps([f for f in c.frames if f.get("t") != "ack"])
        assert not any(ticket in json.dumps(f) for c in s.members for f in c.frames)
        # the screen resumes with its token, as anyone does, and the room is still shut to others
        await screen.close()
        screen = await KringClient(ws_url(server)).resume(screen.token or "")
        assert screen.me["role"] == "screen"
        assert await refusal() == "room_locked"
    finally:
        await s.close()
        if screen is not None:
            await screen.close()


async def test_duplicate_names_are_made_distinct(server):
    s = await open_session(server, n=2)
    try:
        twin = await KringClient(ws_url(server)).join(s.code, "anna")
        assert twin.me["name"] == "anna (2)"
        s.members.append(twin)
    finally:
        await s.close()


async def test_a_running_timer_advances_the_phase_once_when_auto_advance_is_on(server):
    on = await open_session(server, n=3, method_toml=short_method())
    off = await open_session(server, n=3, method_toml=short_method())
    try:
        for s in (on, off):
            await s.facilitator.command("advance")  # the opening
            for m in s.members:  # everyone confirms: the timer never moves on past one who has not
                await m.command("confirm")
            await s.settle()
        await on.facilitator.command("auto_advance", on=True)
        await on.settle()
        assert all(c.state["auto_advance"] for c in on.everyone)
        earlier = await start_short_timer(off.facilitator, 1)  # runs out first, but stays
        later = await start_short_timer(on.facilitator, 2)
        assert earlier < later
        await on.facilitator.wait_until(lambda c: bool(advanced_by_timer(c)), timeout=30)
        await on.facilitator.command("lock", locked=True)  # one more round trip after it
        await on.settle()
        for c in on.everyone:
            (ev,) = advanced_by_timer(c)  # once
            assert ev["phase"]["index"] == 2 and c.state["phase"]["index"] == 2
            assert c.state["timer"] == {"running": False, "deadline": None, "remaining": 0.0}
            seq, snap = await server_snapshot(server, c)
            assert (c.mirror.seq, c.state) == (seq, snap)
        # the room without auto-advance: its timer ran out before the other's, and it stayed
        await off.facilitator.command("lock", locked=True)
        await off.settle()
        for c in off.everyone:
            assert not advanced_by_timer(c) and c.state["phase"]["index"] == 1
            assert c.state["timer"]["running"] and c.state["timer"]["deadline"] == earlier
    finally:
        await on.close()
        await off.close()
