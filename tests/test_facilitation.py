"""The facilitator's tools over real websockets, on both backends: the shared phase timer,
the projector screen, co-facilitators and handing the role over."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from client import CommandError, KringClient
from protocol import errors
from protocol.messages import COMMANDS

from .commands import Ids, well_formed
from .session import Session, online, open_session, run_full_session, server_snapshot, session_at, settle, ws_url


async def _assert_mirrors_equal_server(base: str, clients: list[KringClient]) -> None:
    await settle(clients, reconnected=True)
    for c in clients:
        seq, snap = await server_snapshot(base, c)
        assert c.mirror.seq == seq
        assert c.state == snap, f"mirror of {c.me['name']} ({c.me['role']}) differs from the server's snapshot"


def _timer_frames(c: KringClient) -> list[dict[str, Any]]:
    """The timer events a client received: as frames, or in a welcome's missed events when
    its connection was dropped and resumed meanwhile (a busy machine can do that)."""
    received = [e for f in c.frames for e in (f.get("events", []) if f.get("t") == "welcome" else [f])]
    return [f for f in received if f.get("t") == "timer"]


async def _timer(s: Session, everyone: list[KringClient], **args: Any) -> dict[str, Any]:
    """Run a timer command; wait until everyone has its event; return the shared timer."""
    await s.facilitator.command("timer", **args)
    seq = s.facilitator.mirror.seq
    await settle(everyone, reconnected=True)
    frames = [next(f for f in _timer_frames(c) if f["seq"] == seq) for c in everyone]
    assert all(f == frames[0] for f in frames), "not everyone saw the same timer"
    assert all(c.state["timer"] == frames[0]["timer"] for c in everyone)
    return frames[0]["timer"]


# --------------------------------------------------------------------------- timer


async def test_the_phase_timer_is_shared_by_everyone(server):
    s = await open_session(server, n=3)
    screen = await KringClient(ws_url(server)).join(s.code, "Scherm", screen=True)
    everyone = [*s.everyone, screen]
    try:
        # the welcome tells the server's clock, so clients can count down to the same deadline
        welcome = s.members[0].frames[0]
        assert welcome["t"] == "welcome" and abs(welcome["now"] - time.time()) < 60
        assert abs(s.members[0].clock_offset) < 60
        lobby = s.facilitator.state["timer"]
        assert lobby == {"running": False, "deadline": None, "remaining": 300.0}

        before = time.time()
        started = await _timer(s, everyone, action="start")
        assert started["running"] and started["remaining"] == 300.0
        assert before + 300 - 60 < started["deadline"] < time.time() + 300 + 60
        assert (await s.facilitator.command("timer", action="start")) == {}  # running: no event

        extended = await _timer(s, everyone, action="extend", seconds=120)
        assert extended["running"] and extended["deadline"] == started["deadline"] + 120

        paused = await _timer(s, everyone, action="pause")
        assert not paused["running"] and paused["deadline"] is None
        assert 0 < paused["remaining"] <= 420
        seq = s.facilitator.mirror.seq
        assert (await s.facilitator.command("timer", action="pause")) == {}
        assert s.facilitator.mirror.seq == seq

        more = await _timer(s, everyone, action="extend")  # 60 s by default
        assert more == {"running": False, "deadline": None, "remaining": paused["remaining"] + 60}

        for c in (*s.members, screen):  # only facilitators run the timer
            with pytest.raises(CommandError) as err:
                await c.command("timer", action="start")
            assert err.value.code == errors.NOT_ALLOWED

        # a new phase starts with a fresh, stopped timer, carried by the phase event
        await _timer(s, everyone, action="start")
        await s.facilitator.command("advance")
        await settle(everyone, reconnected=True)
        for c in everyone:
            phase = [f for f in c.frames if f.get("t") == "phase"][-1]
            assert phase["timer"] == {"running": False, "deadline": None, "remaining": 300.0}
            assert c.state["timer"] == phase["timer"]
        await _assert_mirrors_equal_server(server, everyone)
    finally:
        await screen.close()
        await s.close()


# --------------------------------------------------------------------------- screen


async def test_a_screen_watches_the_public_room_and_can_do_nothing(server):
    s = await open_session(server, n=5)
    screen = await KringClient(ws_url(server)).join(s.code.lower(), "Scherm", screen=True)
    try:
        assert screen.me["role"] == "screen" and screen.me["name"] == "Scherm"
        # the group sees that a screen watches
        await s.facilitator.wait_until(
            lambda c: any(
                p["id"] == screen.me["id"] and p["role"] == "screen" and p["online"] for p in c.state["participants"]
            )
        )
        # every command it sends is refused
        refusals = []
        for t in sorted(COMMANDS):  # more commands than a connection's burst: wait for the bucket when told
            for _ in range(100):
                with pytest.raises(CommandError) as err:
                    await screen.command(t, **well_formed(t, Ids(participant="p2")))
                if err.value.code != errors.RATE_LIMITED:
                    break
                await asyncio.sleep(0.1)
            refusals.append(err.value.code)
        assert set(refusals) == {errors.NOT_ALLOWED}

        await run_full_session(s)  # (locks the room: the screen is already in)
        await settle([*s.everyone, screen], reconnected=True)
        state = screen.state
        assert state["phase"]["id"] == "afsluiting" and "script" not in state["phase"]
        assert state["questions"] and not any(q["hidden"] for q in state["questions"])
        deal = state["deals"]["associatieronde"]
        assert deal["perspectives"] and deal["mine"] is None and deal["my_texts"] is None
        assert state["confirmed"] == state["evaluations"] == state["own_questions"] == []
        assert state["confirmed_count"] == 5 and state["ready_count"] == 5

        # it never received anything private
        private_fields = {
            "card_drawn": "card",
            "perspective_written": "texts",
            "confirmed": "participant",
            "evaluated": "evaluation",
            "ready": "ready",
            "vote_cast": "case",
        }
        revealed = False
        for f in screen.frames:
            t = f.get("t")
            assert t != "welcome" or "script" not in json.dumps(f)
            if t in private_fields:
                assert private_fields[t] not in f, f
            if t == "phase":
                assert "script" not in f["phase"]
            if t == "question_hidden":
                assert isinstance(f["question"], str)
            if t == "perspectives_revealed":
                revealed = True
            if not revealed:  # no perspective text before the reveal
                assert "Ik voel me niet gehoord." not in json.dumps(f, ensure_ascii=False)
        assert revealed
        hidden = next(q for q in s.facilitator.state["questions"] if q["hidden"])
        assert hidden["id"] not in [q["id"] for q in state["questions"]]
        # it is not part of the group: no card, no turn, not counted for anonymity
        assert screen.me["id"] not in s.facilitator.state["turns"]["order"]
        assert s.facilitator.state["deals"]["associatieronde"]["taken"] == len(s.members) - 1

        await _assert_mirrors_equal_server(server, [*s.everyone, screen])
        # and the facilitator can send it away
        await s.facilitator.command("remove", participant=screen.me["id"])
        await screen.wait_until(lambda c: c.close_code is not None)
        assert screen.close_code == errors.CLOSE_REMOVED
    finally:
        await screen.close()
        await s.close()


async def test_a_screen_joins_by_code_only_and_only_as_a_screen(server):
    s = await open_session(server, n=1)
    try:
        with pytest.raises(CommandError) as err:
            client = KringClient(ws_url(server), reconnect=False)
            await client._open({"t": "hello", "code": s.code, "name": "Scherm", "as": "facilitator"})
        assert err.value.code == errors.INVALID_FIELD
        screen = await KringClient(ws_url(server)).join(s.code, "Scherm", screen=True)
        twin = await KringClient(ws_url(server)).join(s.code, "Scherm", screen=True)
        assert twin.me["name"] == "Scherm (2)" and twin.me["role"] == "screen"
        # it resumes with its token like anyone else
        back = await KringClient(ws_url(server)).resume(screen.token or "")
        assert back.me == screen.me
        for c in (screen, twin, back):
            await c.close()
        await s.facilitator.command("lock", locked=True)
        with pytest.raises(CommandError) as err:
            await KringClient(ws_url(server), reconnect=False).join(s.code, "Scherm", screen=True)
        assert err.value.code == errors.ROOM_LOCKED
    finally:
        await s.close()


# --------------------------------------------------------------------------- co-facilitator, hand-over


def _scripts(c: KringClient) -> list[bool]:
    """Per phase event received, whether it carried the facilitator's script."""
    return ["script" in f["phase"] for f in c.frames if f.get("t") == "phase"]


async def _role_now(c: KringClient, role: str, changes: int) -> None:
    await c.wait_until(lambda c: c.role_changes == changes and c.connected.is_set() and c.me.get("role") == role)


async def test_add_facilitator_and_hand_over_change_what_each_connection_sees(server):
    s = await open_session(server, n=5)
    fac, (anna, bram, chris, dewi, eva) = s.facilitator, s.members
    try:
        await fac.command("advance")  # opening
        for m in (anna, bram, chris):
            await m.command("confirm")
        for m in (anna, bram, chris):  # each sees the room anew once confirmed (4011): the case is theirs now
            await _role_now(m, "participant", 1)
        await s.settle()
        assert len(fac.state["confirmed"]) == 3 and bram.state["confirmed"] == [bram.me["id"]]

        # Bram becomes co-facilitator: his connection closes with 4011 and resumes as one
        assert await fac.command("add_facilitator", participant=bram.me["id"]) == {}
        await _role_now(bram, "facilitator", 2)
        assert bram.close_code == errors.CLOSE_ROLE_CHANGED
        resumed = [f for f in bram.frames if f.get("t") == "welcome"][-1]
        assert "snapshot" in resumed and "events" not in resumed  # a fresh view for the new role
        assert "script" in bram.state["phase"] and len(bram.state["confirmed"]) == 3
        for c in s.everyone:
            await c.wait_until(
                lambda c: any(p["id"] == bram.me["id"] and p["role"] == "facilitator" for p in c.state["participants"])
            )
        with pytest.raises(CommandError) as err:  # a facilitator gives no input
            await bram.command("ready", ready=True)
        assert err.value.code == errors.NOT_ALLOWED
        with pytest.raises(CommandError) as err:
            await fac.command("remove", participant=bram.me["id"])
        assert err.value.code == errors.NOT_ALLOWED

        # the co-facilitator leads too: his phase events carry the script
        await bram.command("advance", anyway=True)  # case choice, though Dewi and Eva have not confirmed
        await s.settle()
        assert _scripts(bram)[-1] is True and _scripts(anna)[-1] is False
        case = (await anna.command("propose_case", title="Casus", question="Vraag?"))["case"]
        await bram.command("choose_case", case=case)

        # the inbrenger cannot lead, nor can someone lead twice
        for target, t in ((anna, "add_facilitator"), (anna, "hand_over"), (bram, "hand_over")):
            with pytest.raises(CommandError) as err:
                await fac.command(t, participant=target.me["id"])
            assert err.value.code == errors.NOT_ALLOWED

        # the first facilitator hands over to Chris: both change in one step
        await fac.command("hand_over", participant=chris.me["id"])
        await _role_now(fac, "participant", 1)
        await _role_now(chris, "facilitator", 2)
        assert fac.close_code == chris.close_code == errors.CLOSE_ROLE_CHANGED
        await s.settle()
        changes = [(f["participant"], f["role"]) for f in dewi.frames if f.get("t") == "role_changed"]
        assert changes == [
            (bram.me["id"], "facilitator"),
            (chris.me["id"], "facilitator"),
            (fac.me["id"], "participant"),
        ]
        # the former facilitator now sees the room as a participant: only its own confirmation
        # (and is bound by the agreement it led: a confirmation of its own, one more for the facilitators)
        assert "script" not in fac.state["phase"] and fac.state["confirmed"] == [fac.me["id"]]
        assert "script" in chris.state["phase"] and len(chris.state["confirmed"]) == 4
        with pytest.raises(CommandError) as err:
            await fac.command("advance")
        assert err.value.code == errors.NOT_ALLOWED

        await chris.command("advance")  # questions round
        await s.settle()
        assert _scripts(chris)[-1] is True and _scripts(fac)[-1] is False and _scripts(bram)[-1] is True
        # the former facilitator is in the group now (bound by the agreement they led), and may ask
        await fac.command("ask", text="Wat wil je precies bereiken?")
        assert fac.state["own_questions"]
        # a hidden question vanishes for the former facilitator and shows to the new one
        qid = fac.state["own_questions"][0]
        await chris.command("hide_question", question=qid, hidden=True)
        await s.settle()
        assert qid not in [q["id"] for q in fac.state["questions"]]
        assert qid in [q["id"] for q in chris.state["questions"]]
        assert qid in [q["id"] for q in bram.state["questions"]]

        await _assert_mirrors_equal_server(server, s.everyone)
        for c in (dewi, eva):  # the others kept their connection
            assert c.role_changes == 0
        assert anna.role_changes == 1  # (once, for her confirmation)
    finally:
        await s.close()


async def test_a_former_facilitator_gets_a_turn_in_the_next_in_turn_phase(server):
    s = await session_at(server, "associatieronde", n=4)  # the first member's case
    fac, (_, bram, chris, dewi) = s.facilitator, s.members
    try:
        await fac.command("hand_over", participant=bram.me["id"])
        await _role_now(bram, "facilitator", 2)  # (the first was for his confirmation)
        await _role_now(fac, "participant", 1)
        await bram.command("advance")  # advice round, in turns
        await s.settle()
        order = bram.state["turns"]["order"]
        assert order == [fac.me["id"], chris.me["id"], dewi.me["id"]]
        await fac.command("advice", text="Vraag het hem gewoon.")
        await fac.command("pass_turn")
        await _assert_mirrors_equal_server(server, s.everyone)
    finally:
        await s.close()


async def test_a_role_changed_while_away_gives_a_fresh_snapshot_on_resume(server):
    s = await open_session(server, n=3)
    fac, (anna, bram, _) = s.facilitator, s.members
    try:
        await fac.command("advance")  # opening
        await anna.command("confirm")
        await s.settle()
        away = KringClient(ws_url(server), reconnect=False)
        await away.resume(bram.token or "")
        await away.close()  # Bram's laptop (this one connection of his) sleeps ...
        await fac.command("add_facilitator", participant=bram.me["id"])  # ... and he becomes one
        await _role_now(bram, "facilitator", 1)  # (his other connection resumed at once)
        await away.resume(bram.token or "", epoch=away.epoch, seq=away.mirror.seq)
        welcome = [f for f in away.frames if f.get("t") == "welcome"][-1]
        assert "snapshot" in welcome and welcome["you"]["role"] == "facilitator"
        assert "script" in away.state["phase"] and away.state["confirmed"] == [anna.me["id"]]
        await _assert_mirrors_equal_server(server, [*s.everyone, away])
        await away.close()
    finally:
        await s.close()


# --------------------------------------------------------------------------- a facilitator away


async def test_a_facilitator_whose_connection_drops_leads_again_after_the_resume(server):
    s = await open_session(server, n=3)
    fac, anna = s.facilitator, s.members[0]
    try:
        await fac.command("advance")  # opening
        await fac.drop()  # the laptop sleeps; the client library resumes by itself
        await fac.wait_until(lambda c: c.connected.is_set() and c.close_code is not None)
        assert fac.me["role"] == "facilitator" and fac.role_changes == 0
        assert "script" in fac.state["phase"]
        await fac.command("advance", anyway=True)  # and it still leads (nobody confirmed: it says so)
        await s.settle()
        assert anna.state["phase"]["id"] == "casuskeuze"
        await anna.wait_until(lambda c: online(c, fac.me["id"]) and c.state["facilitator_away"] is None)
        await _assert_mirrors_equal_server(server, s.everyone)
    finally:
        await s.close()


async def test_while_the_facilitator_is_away_the_room_counts_down_to_a_take_over(server):
    """No facilitator online: everyone sees since when, and from when a participant may take
    over (the take-over itself is tested in the engine, where time can be moved on); the
    facilitator who comes back in time simply leads on."""
    s = await open_session(server, n=3)
    fac, anna = s.facilitator, s.members[0]
    back: KringClient | None = None
    try:
        await fac.command("advance")
        await s.settle()
        assert anna.state["facilitator_away"] is None
        with pytest.raises(CommandError) as err:
            await anna.command("claim_facilitator")
        assert err.value.code == errors.NOT_ALLOWED and "hand the role over" in str(err.value)
        before = time.time()
        await fac.close()  # gone, and not coming back by itself
        await anna.wait_until(lambda c: c.state["facilitator_away"] is not None)
        away = anna.state["facilitator_away"]
        assert before - 60 < away["since"] < time.time() + 60
        assert away["claim_at"] == away["since"] + 5 * 60
        # the others get the same event a moment later: wait until they are where Anna is
        seq = anna.mirror.seq
        await asyncio.gather(*(m.wait_until(lambda c: c.mirror.seq >= seq) for m in s.members))
        assert all(m.state["facilitator_away"] == away for m in s.members)
        with pytest.raises(CommandError) as err:
            await anna.command("claim_facilitator")
        assert err.value.code == errors.NOT_ALLOWED and "5 minutes" in str(err.value)
        back = await KringClient(ws_url(server)).resume(fac.token or "")
        assert back.me["role"] == "facilitator" and "script" in back.state["phase"]
        await anna.wait_until(lambda c: c.state["facilitator_away"] is None)
        await back.command("advance", anyway=True)
        await _assert_mirrors_equal_server(server, [*s.members, back])
    finally:
        if back is not None:
            await back.close()
        await s.close()


async def test_removing_the_inbrenger_takes_them_off_the_unsaved_summaries_in_every_mirror(server):
    """The end confirmation names who has not saved their summary; once the inbrenger of the
    case under way is removed they have none to save. The facilitator's mirror follows the
    server (the `removed` event's facilitators' form), not an old list."""
    s = await session_at(server, "vragenronde", n=3)
    fac, inbrenger = s.facilitator, s.inbrenger
    assert inbrenger is not None
    try:
        await s.settle()
        assert fac.state["summaries_unsaved"] == [inbrenger.me["id"]]
        await fac.command("remove", participant=inbrenger.me["id"])
        others = [c for c in s.everyone if c is not inbrenger]
        await settle(others)
        assert fac.state["summaries_unsaved"] == []
        for c in others:
            assert (c.mirror.seq, c.state) == await server_snapshot(server, c), c.me["name"]
    finally:
        await s.close()
