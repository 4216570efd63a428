"""'Was dit de tijd waard?' and 'Bleven we bij de vraag van de inbrenger?' in the room engine:
anonymous for real (no event, frame or stored state names who gave which answer), one
answer per person that they may change, totals for the group (issue 14)."""

from __future__ import annotations

import json

from protocol import errors
from server.rooms import identity
from server.rooms.rules.closing import worth_totals

from .harness import assert_no_trace, start_case


def test_each_answer_is_counted_once_and_may_be_changed():
    room, inb, group = start_case(4, phase="afsluiting")
    first = room.one(group[0], "worth", worth=4, process="ja")
    assert first.public == {"worth_count": 1} and first.private is None and first.fac is None
    assert room.run(group[0], "worth", worth=4, process="ja").events == []  # the same again: nothing new
    room.one(group[0], "worth", worth=2, process="nee")  # changed: still one answer
    room.one(inb, "worth", worth=5)
    room.one(room.facilitator, "worth", worth=3, process="grotendeels")
    assert worth_totals(room.state) == {"worth": [0, 1, 1, 0, 1], "process": {"ja": 0, "grotendeels": 1, "nee": 1}}
    assert room.snapshot(group[1])["worth_count"] == 3
    assert room.snapshot(group[0])["worth_mine"] == {"worth": 2, "process": "nee"}
    assert room.snapshot(group[1])["worth_mine"] is None


def test_nobody_can_tell_whose_answer_is_whose():
    room, inb, group = start_case(4, phase="afsluiting")
    answers = {m.pid: room.run(m, "worth", worth=1 + i, process="ja") for i, m in enumerate([inb, *group])}
    for m in [inb, *group]:
        events = answers[m.pid].events
        assert_no_trace([ev.to_dict() for ev in events], m)  # the log, internal part included
        # the frames are the same for everyone, the facilitator and the giver too
        seen = {json.dumps(room.frames(viewer, events)) for viewer in room.everyone}
        assert len(seen) == 1
    # the stored state holds the answers under tags nobody can compute without the tokens
    for m in room.everyone:
        assert_no_trace(room.state.worth, m)
    assert set(room.state.worth) == {identity.worth_tag(m.actor.anon_key) for m in [inb, *group]}
    fac = room.snapshot(room.facilitator)
    assert fac["worth_mine"] is None and "worth" not in json.dumps(fac["evaluations"])


def test_the_answer_survives_the_next_case_and_is_asked_in_the_closing_only():
    room, inb, group = start_case(3, phase="adviesronde")
    room.refused(group[0], "worth", worth=3)
    room.goto("afsluiting")
    room.one(group[0], "worth", worth=3)
    room.run(room.facilitator, "next_case")
    assert room.snapshot(group[0])["worth_count"] == 1  # the meeting's answer, not the case's
    assert room.snapshot(group[0])["worth_mine"] == {"worth": 3, "process": None}


def test_a_screen_cannot_answer():
    room, inb, group = start_case(3, phase="afsluiting")
    screen = room.join("Beamer", screen=True)
    room.refused(screen, "worth", errors.NOT_ALLOWED, worth=3)
