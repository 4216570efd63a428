"""The terugblik round in the pure engine: a group's meeting after an earlier one opens with
it right after the agreement on confidentiality, whatever the werkvorm; in it each member
may share a named line (a note everyone sees at once) or say they tell it aloud (ready);
what was shared there is the group's, so it is not in the inbrenger's summary."""

from __future__ import annotations

import dataclasses

import pytest

from server.rooms import method
from server.rooms.engine import new_room
from server.rooms.state import RoomState

from .harness import Room
from .route import CASE, route


@pytest.mark.parametrize("method_id", method.available())
def test_it_comes_right_after_the_agreement_in_every_werkvorm(method_id: str) -> None:
    plain = new_room("KRNG23", "e", "h", method_id=method_id).method
    looked_back = new_room("KRNG23", "e", "h", method_id=method_id, terugblik=True).method
    ids = [p.id for p in looked_back.phases]
    assert "terugblik" not in [p.id for p in plain.phases]
    at = (plain.agreement if plain.agreement is not None else 0) + 1
    assert ids == [*(p.id for p in plain.phases[:at]), "terugblik", *(p.id for p in plain.phases[at:])]
    assert looked_back.agreement == plain.agreement  # the agreement still comes first
    phase = looked_back.phases[at]
    assert phase.accepts == {"notes": "everyone"} and not phase.anonymous and not phase.hidden_until_reveal
    assert phase.name["nl"] == "Terugblik" and phase.instruction["en"]


def test_members_share_a_line_or_tell_it_aloud_and_everyone_sees_who() -> None:
    room = Room(terugblik=True)
    ali, bo = room.join("Ali"), room.join("Bo")
    room.goto("terugblik")
    assert room.state.current_phase.id == "terugblik"
    line = "Het gesprek is gevoerd."
    written = room.one(ali, "note", text=line)
    note = written.public["note"]
    assert (note["text"], note["author"], note["phase"]) == (line, ali.pid, "terugblik")
    seen = room.frames(bo, [written])[0]
    assert seen["note"]["text"] == line and seen["note"]["author"] == ali.pid
    ready = room.one(bo, "ready", ready=True)
    assert room.state.ready == [bo.pid]
    assert ready.fac["participant"] == bo.pid  # the facilitator sees who told it aloud
    room.refused(room.facilitator, "note", text="de begeleider vertelt het hardop")


def test_a_line_from_the_terugblik_is_not_in_the_inbrengers_summary() -> None:
    room = Room(terugblik=True)
    ali, bo = room.join("Ali"), room.join("Bo")
    room.join("Cas")
    room.goto("terugblik")
    room.run(bo, "note", text="Gedaan, en het werkte.")
    room.follow(route(room.state.method, room.state.phase, "afsluiting", CASE), ali)
    summary = room.run(ali, "summary").result["summary"]
    assert all(n["phase"] != "terugblik" for n in summary["notes"])


def test_the_method_chosen_in_the_lobby_keeps_the_terugblik() -> None:
    room = Room(terugblik=True)
    event = room.one(room.facilitator, "set_method", method="incidentmethode")
    phases = [p["id"] for p in event.public["method"]["phases"]]
    assert phases[:3] == ["lobby", "opening", "terugblik"]
    assert [p.id for p in room.state.method.phases] == phases


def test_the_flag_survives_the_backends_plain_copy() -> None:
    state = new_room("KRNG23", "e", "h", method_id="troika", terugblik=True)
    plain = dataclasses.asdict(state)
    plain["applied"] = []
    again = RoomState.from_dict(plain)
    assert again.terugblik and [p.id for p in again.method.phases] == [p.id for p in state.method.phases]
    assert state.clone().terugblik
