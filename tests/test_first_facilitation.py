"""A member who leads their group for the first time (issue 14): the room marks them (a pure
engine flag, from the group's ledger), for themselves and the facilitators only; through
the real server, on SQLite and PostgreSQL, the rota's first-time facilitator is marked in
their own view and the begeleider's, and no longer once they have led a held meeting."""

from __future__ import annotations

import asyncio

from client import KringClient
from server.rooms import identity
from server.rooms.engine import Decision, decide_member_entry
from server.rooms.state import FACILITATOR, OBSERVER, SCREEN
from server.rooms.views import frame

from .conftest import Database
from .group_client import Member
from .harness import Member as RoomMember
from .harness import Room, sample_args, start_case
from .session import ws_url
from .test_groups_meetings import enter, meeting_ids, six, view


def test_the_flag_reaches_the_first_timer_and_the_facilitators_only():
    room = Room()
    anna = room.join("Anna")
    token = "token-ali"

    def entry(name: str, token: str, facilitator: bool) -> Decision:
        return decide_member_entry(
            room.state, name, identity.token_hash(token), facilitator=facilitator, cases=[], first_time=True
        )

    decision = room.commit(entry("Ali", token, True))
    ali = RoomMember(decision.result["participant"], "Ali", token, "facilitator")
    room.members[ali.pid] = ali
    assert room.state.first_timers == [ali.pid]
    (joined,) = decision.events
    assert frame(joined, room.facilitator.pid, "facilitator")["first_time"] is True
    assert "first_time" not in frame(joined, anna.pid, "participant")
    assert room.snapshot(ali)["first_timers"] == [ali.pid]
    assert room.snapshot(room.facilitator)["first_timers"] == [ali.pid]
    assert room.snapshot(anna)["first_timers"] == []
    # entering again changes nothing; a participant is never marked
    assert entry("Ali", token, True).events == []
    bo = entry("Bo", "token-bo", False)
    assert "first_time" not in (bo.events[0].internal or {}) and bo.events[0].fac is None


def _swap_to(bea: Member, meeting: int, member: Member) -> None:
    version = view(bea, meeting)["meeting"]["version"]
    body = {"version": version, "role": "facilitator", "with": member.id, "reason": "oefenen"}
    answer = bea.call("POST", f"/meetings/{meeting}/roles/swap", body)
    assert answer.status == 200, answer


async def _facilitates(bea: Member, ali: Member, meeting: int) -> tuple[list[str], list[str]]:
    """Ali starts the meeting as its facilitator, Bea joins: the first_timers each sees."""
    started = ali.call("POST", f"/meetings/{meeting}/start", {})
    assert started.status == 201, started
    mine, hers = enter(ali, meeting), enter(bea, meeting)
    assert mine["role"] == "facilitator" and hers["role"] == "participant"
    a = await KringClient(ws_url(ali.base)).resume(mine["token"])
    b = await KringClient(ws_url(bea.base)).resume(hers["token"])
    try:
        seen = list(a.state["first_timers"]), list(b.state["first_timers"])
        await a.command("end")
        return seen
    finally:
        await asyncio.gather(a.close(), b.close())


async def test_the_rotas_first_time_facilitator_is_coached_once(group_server: str, database: Database):
    bea, (ali, *_) = six(group_server)
    first, second, _third = meeting_ids(bea)
    _swap_to(bea, first, ali)
    mine, hers = await _facilitates(bea, ali, first)
    assert mine == ["p1"] and hers == []  # Ali started the room: p1; Bea is a participant here
    _swap_to(bea, second, ali)
    assert await _facilitates(bea, ali, second) == ([], [])  # Ali led a held meeting before


# --------------------------------------------------------------------------- the silent observer


def test_a_silent_observer_sees_the_public_room_and_gives_nothing():
    room, inb, group = start_case(4, phase="vragenronde")
    token = "token-bea"
    decision = room.commit(
        decide_member_entry(room.state, "Bea", identity.token_hash(token), facilitator=False, cases=[], observer=True)
    )
    bea = RoomMember(decision.result["participant"], "Bea", token, OBSERVER)
    room.members[bea.pid] = bea
    assert room.state.participants[bea.pid].role == OBSERVER
    assert bea.pid not in room.state.group()  # no turns, no votes, no ready count
    for t in ("ask", "ready", "worth", "confirm", "claim_facilitator"):
        err = room.refused(bea, t, **sample_args(room, t))
        assert err.detail == "a silent observer only watches the room"
    # what they see is what everyone sees: the public room
    asked = room.run(group[0], "ask", text="Wat maakt het lastig?").events
    assert room.frames(bea, asked) == room.frames(RoomMember("p99", "x", "x", SCREEN), asked)
    mine = room.snapshot(bea)
    assert mine["evaluations"] == [] and mine["ready_ids"] == [] and mine["first_timers"] == []
    assert "script" not in mine["phase"]
    # a facilitator can make them one, to step in
    room.run(room.facilitator, "add_facilitator", participant=bea.pid)
    assert room.state.participants[bea.pid].role == FACILITATOR


async def test_a_begeleider_may_watch_a_meeting_the_members_lead(group_server: str, database: Database):
    bea, (ali, bo, *_) = six(group_server)
    first = meeting_ids(bea)[0]
    _swap_to(bea, first, ali)
    assert ali.call("POST", f"/meetings/{first}/start", {}).status == 201
    refused = bo.call("POST", f"/meetings/{first}/enter", {"as": "observer"})
    assert (refused.status, refused.error) == (403, "not_allowed")
    assert refused.body["detail"] == "only a begeleider who does not facilitate this meeting may observe it"
    assert ali.call("POST", f"/meetings/{first}/enter", {"as": "observer"}).status == 403
    wrong = bea.call("POST", f"/meetings/{first}/enter", {"as": "guest"})
    assert (wrong.status, wrong.error) == (400, "invalid_field")
    watching = bea.call("POST", f"/meetings/{first}/enter", {"as": "observer"})
    assert watching.status == 200 and watching.body["role"] == "observer"
    lead = enter(ali, first)
    b = await KringClient(ws_url(bea.base)).resume(watching.body["token"])
    a = await KringClient(ws_url(ali.base)).resume(lead["token"])
    try:
        assert b.me["role"] == "observer"
        await a.command("end")
    finally:
        await asyncio.gather(a.close(), b.close())
    present = {p["name"]: p["role"] for p in view(bea, first)["attendance"]}
    assert present == {"Ali": "facilitator", "Bea": "observer"}
