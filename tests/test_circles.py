"""Circles (server/rooms/rules/circles.py): splitting a group (sizes within 3-5 and as even
as can be, the people in the room and the people online kept together where the numbers
allow, a split by hand checked against the same rules), the facilitator's `split`, and
the room each circle is."""

from __future__ import annotations

import random

import pytest

from protocol import errors
from server.rooms import identity
from server.rooms.engine import circle_room, decide, decide_join, decide_presence
from server.rooms.events import RoomError
from server.rooms.rules.circles import (
    CircleError,
    announcement,
    check_split,
    circle_count,
    circle_progress,
    circle_summary,
    progress,
    split_evenly,
)

from .harness import command, start


def people(online: int, room: int, unknown: int = 0) -> list[tuple[str, str | None]]:
    places = ["online"] * online + ["room"] * room + [None] * unknown
    return [(f"p{i + 2}", place) for i, place in enumerate(places)]


@pytest.mark.parametrize(
    ("n", "size", "sizes"),
    [(9, 3, [3, 3, 3]), (10, 3, [4, 3, 3]), (7, 5, [4, 3]), (4, 3, [4]), (12, 4, [4, 4, 4]), (11, 5, [4, 4, 3])],
)
def test_circles_are_as_even_as_they_can_be(n: int, size: int, sizes: list[int]) -> None:
    circles = split_evenly(people(n, 0), size, random.Random(1))
    assert [len(c) for c in circles] == sizes
    assert sorted(pid for c in circles for pid in c) == sorted(pid for pid, _ in people(n, 0))


def test_troika_nine_makes_three_circles_of_three_with_places_kept_together() -> None:
    group = people(online=3, room=6)
    place = dict(group)
    for seed in range(20):
        circles = split_evenly(group, 3, random.Random(seed))
        assert [len(c) for c in circles] == [3, 3, 3]
        assert all(len({place[pid] for pid in c}) == 1 for c in circles), circles  # nobody across table and call


def test_a_mixed_circle_only_where_the_numbers_force_one() -> None:
    group = people(online=4, room=5)  # circles of 3: one of them must mix
    place = dict(group)
    mixed = [c for c in split_evenly(group, 3, random.Random(7)) if len({place[pid] for pid in c}) > 1]
    assert len(mixed) == 1


def test_the_split_is_random_but_follows_the_seed() -> None:
    group = people(online=0, room=9)
    assert split_evenly(group, 3, random.Random(3)) == split_evenly(group, 3, random.Random(3))
    assert len({str(split_evenly(group, 3, random.Random(s))) for s in range(10)}) > 1


def test_what_cannot_be_split() -> None:
    with pytest.raises(CircleError, match="at least 3"):
        circle_count(2, 3)
    with pytest.raises(CircleError, match="3 to 5"):
        circle_count(9, 6)
    group = ["p2", "p3", "p4", "p5", "p6", "p7"]
    check_split([["p2", "p3", "p4"], ["p5", "p6", "p7"]], group)
    for circles, why in [
        ([["p2", "p3", "p4"], ["p4", "p5", "p6", "p7"]], "two circles"),
        ([["p2", "p3", "p4"], ["p5", "p6"]], "in no circle: p7"),
        ([["p2", "p3", "p4"], ["p5", "p6", "p7", "p9"]], "not in the group: p9"),
        ([["p2", "p3"], ["p4", "p5", "p6", "p7"]], "3 to 5"),
    ]:
        with pytest.raises(CircleError, match=why):
            check_split(circles, group)


# --------------------------------------------------------------------------- split, and a circle's room


def test_the_facilitator_splits_the_group_into_circles_each_a_room_of_its_own() -> None:
    room, members = start(9)
    room.refused(members[0], "split", size=3)
    ev = room.one(room.facilitator, "split", size=3)
    circles = ev.public["circles"]
    assert [c["id"] for c in circles] == ["k1", "k2", "k3"]
    assert sorted(pid for c in circles for pid in c["members"]) == sorted(m.pid for m in members)
    assert len({c["code"] for c in circles}) == 3
    assert all(room.snapshot(m)["circles"] == circles for m in room.everyone)
    assert room.refused(room.facilitator, "split", size=3).detail == "the room is split into circles already"
    # each circle's room: the plenary's facilitator and the circle's members, same ids and names
    first = circles[0]
    state = circle_room(room.state, first, "epoch-k1")
    assert state.code == first["code"] and state.seq == 0
    assert list(state.participants) == [room.facilitator.pid, *first["members"]]
    plenary = room.state.participants
    for pid, p in state.participants.items():
        assert (p.name, p.role) == (plenary[pid].name, plenary[pid].role)
        assert p.token_hash == identity.circle_token_hash(plenary[pid].token_hash, first["code"])
        assert p.token_hash != plenary[pid].token_hash


def test_a_group_too_small_for_circles() -> None:
    room, _ = start(2)
    assert room.refused(room.facilitator, "split", size=3).detail == "a circle needs at least 3 people"


def test_a_line_to_every_circle_and_back_together_with_each_summary_for_its_inbrenger_alone() -> None:
    room, members = start(9)
    fac = room.facilitator
    assert room.refused(fac, "announce", text="Nog tien minuten").detail == "the room is not split into circles"
    assert room.refused(fac, "rejoin").detail == "the room is not split into circles"
    room.run(fac, "advance")  # the agreement on confidentiality, in the room
    for m in members:
        room.run(m, "confirm")
    room.run(fac, "split", size=3)
    circle = room.state.circles[0]
    assert room.one(fac, "announce", text="Nog tien minuten").public == {"text": "Nog tien minuten"}
    assert room.snapshot(members[0])["announcement"] == "Nog tien minuten"
    # in a circle's own room the line is an event of its own, not a command of anyone there
    state = circle_room(room.state, circle, "epoch-k1")
    (line,) = announcement(state, "Nog tien minuten").events
    assert (line.t, line.public) == ("announced", {"text": "Nog tien minuten"})
    codes = [c["code"] for c in room.state.circles]
    assert room.one(fac, "rejoin").public == {"circles": codes}
    assert room.state.circles == []
    inbrenger = circle["members"][0]
    (kept,) = room.commit(circle_summary(room.state, inbrenger, {"title": "Een lastig gesprek"})).events
    assert kept.public == {"participant": inbrenger} and "summary" not in kept.public
    assert kept.private == {"participant": inbrenger, "summaries_unsaved": [inbrenger]}
    for m in room.everyone:  # only the inbrenger has a summary, and only the facilitators hear whose is unsaved
        snap = room.snapshot(m)
        assert snap["has_summary"] == (m.pid == inbrenger)
        assert snap["summaries_unsaved"] == ([inbrenger] if m.pid == fac.pid else [])
        assert "Een lastig gesprek" not in str(room.frames(m, [kept]))
    assert room.run(room.members[inbrenger], "summary").result["earlier"] == [{"title": "Een lastig gesprek"}]
    room.refused(members[8] if members[8].pid != inbrenger else members[7], "summary")


def test_troika_runs_as_circles_of_three_each_with_its_own_trio() -> None:
    room, _ = start(9)
    fac = room.facilitator
    assert room.refused(fac, "split", errors.INVALID_FIELD, size=3, method="onbekend").detail.startswith(
        "method must be one of"
    )
    room.run(fac, "split", size=3, method="troika")
    for circle in room.state.circles:
        state = circle_room(room.state, circle, "e")
        assert state.method_id == "troika" and len(state.group()) == 3
    assert room.state.method_id == "drie-rondes"  # the room itself runs its own


def test_the_facilitator_splits_by_hand() -> None:
    room, members = start(7)
    fac, ids = room.facilitator, [m.pid for m in members]
    by_hand = [" ".join(ids[:3]), " ".join(ids[3:])]
    for circles, detail in [
        ([" ".join(ids[:3]), " ".join(ids[3:6])], f"circles: in no circle: {ids[6]}"),
        ([" ".join(ids[:2]), " ".join(ids[2:])], "circles: a circle holds 3 to 5 people"),
        ([" ".join(ids[:4]), " ".join(ids[3:])], "circles: someone is in two circles"),
        ([" ".join([fac.pid, *ids[:2]]), " ".join(ids[2:])], f"circles: not in the group: {fac.pid}"),
    ]:
        assert room.refused(fac, "split", errors.INVALID_FIELD, circles=circles).detail == detail
    room.refused(fac, "split", errors.INVALID_FIELD, size=3, circles=by_hand)
    ev = room.one(fac, "split", circles=by_hand)
    assert [c["members"] for c in ev.public["circles"]] == [ids[:3], ids[3:]]


def test_a_circles_progress_in_its_room_newest_report_wins() -> None:
    room, _ = start(6)
    fac = room.facilitator
    room.run(fac, "split", size=3)
    code = room.state.circles[0]["code"]
    circle = circle_room(room.state, room.state.circles[0], "e")
    rec = progress(circle)
    assert rec["phase"]["id"] == "lobby" and rec["turn"] is None and rec["inbrenger"] is None
    assert rec["phases"] == len(circle.method.phases) and rec["seq"] == 0
    (ev,) = room.commit(circle_progress(room.state, code, {**rec, "seq": 5})).events
    assert ev.public == {"circle": code, "progress": {**rec, "seq": 5}}
    assert circle_progress(room.state, code, {**rec, "seq": 4}).events == []  # older: dropped
    assert circle_progress(room.state, "ZZZZZZ", {**rec, "seq": 9}).events == []  # no such circle
    assert room.snapshot(fac)["circles"][0]["progress"]["seq"] == 5


def test_a_circle_leads_itself_and_is_entered_from_its_room_only() -> None:
    room, members = start(6)
    room.run(room.facilitator, "split", size=3, method="troika")
    circle = circle_room(room.state, room.state.circles[0], "e")
    with pytest.raises(RoomError) as stranger:
        decide_join(circle, "Vreemde", identity.token_hash("vreemde-token"))
    assert (stranger.value.code, stranger.value.detail) == (errors.UNKNOWN_ROOM, "a circle is entered from its room")
    member = room.members[circle.group()[0]]
    for pid in [room.facilitator.pid, *room.state.circles[0]["members"]]:  # everyone comes in
        for ev in decide_presence(circle, pid, True, 1.0).events:
            assert "facilitator_away" not in ev.public  # nobody waits there for a facilitator
            circle.participants[pid].online = True
    # the room's facilitator is in: the circle's members leave the lead to them
    with pytest.raises(RoomError):
        decide(circle, member.actor, command("advance", "c1"), random.Random(1), 2.0)
    for ev in decide_presence(circle, room.facilitator.pid, False, 3.0).events:
        assert "facilitator_away" not in ev.public
        circle.participants[ev.public["participant"]].online = False
    # and lead it themselves once the facilitator has gone on to the next circle
    (ev,) = decide(circle, member.actor, command("advance", "c2"), random.Random(1), 4.0).events
    assert ev.t == "phase" and ev.public["phase"]["index"] == 1
    with pytest.raises(RoomError):  # what is the facilitator's alone stays theirs
        decide(circle, member.actor, command("lock", "c3", locked=True), random.Random(1), 5.0)
