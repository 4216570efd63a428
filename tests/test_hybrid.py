"""A hybrid meeting in the pure engine (server/rooms/rules/hybrid.py): where each person
takes part from, the speaking queue of the rounds without a fixed order, and the call link."""

from __future__ import annotations

from protocol import errors
from server.rooms.rules.hybrid import TIE

from .harness import Member, Room, start, start_case


def queue(room: Room, viewer: Member | None = None) -> list[str]:
    """The queue as `viewer` (the facilitator if none) sees it in the snapshot."""
    hands = room.snapshot(viewer or room.facilitator)["hands"]
    return [h["participant"] for h in hands["queue"]]


def raise_at(room: Room, who: Member, at: float) -> None:
    room.run(who, "raise_hand", now=at)


def test_the_queue_is_the_order_hands_went_up_and_everyone_sees_the_same():
    room, inbrenger, group = start_case(5, "vragenronde")
    t = room.now
    for i, who in enumerate([group[2], inbrenger, group[0]]):
        raise_at(room, who, t + i * (TIE + 1))
    expected = [group[2].pid, inbrenger.pid, group[0].pid]
    assert all(queue(room, viewer) == expected for viewer in room.everyone)
    assert room.run(group[2], "raise_hand").events == []  # up already: stays where it is
    room.run(inbrenger, "lower_hand")
    assert queue(room) == [group[2].pid, group[0].pid]


def test_hands_raised_together_go_to_who_has_spoken_less():
    room, inbrenger, group = start_case(5, "vragenronde")
    fac, t = room.facilitator, room.now
    room.run(fac, "give_floor", participant=group[0].pid)  # group[0] has spoken once
    room.run(fac, "take_floor")
    raise_at(room, group[0], t)
    raise_at(room, group[1], t + TIE / 2)  # together with group[0]: has not spoken, goes first
    raise_at(room, group[2], t + TIE + 1)  # later: after them
    assert queue(room) == [group[1].pid, group[0].pid, group[2].pid]
    assert room.snapshot(fac)["hands"]["spoken"] == {group[0].pid: 1}


def test_online_first_puts_the_online_peoples_hands_first_and_a_move_takes_the_hand_along():
    room, inbrenger, group = start_case(5, "vragenronde")
    fac, t = room.facilitator, room.now
    for who, place in [(group[0], "room"), (group[1], "online"), (group[2], "room"), (inbrenger, "online")]:
        room.run(who, "set_place", place=place)
    for i, who in enumerate([group[0], group[1], group[2], inbrenger]):
        raise_at(room, who, t + i * (TIE + 1))
    in_order = [group[0].pid, group[1].pid, group[2].pid, inbrenger.pid]
    assert queue(room) == in_order
    room.run(fac, "online_first", on=True)
    assert queue(room) == [group[1].pid, inbrenger.pid, group[0].pid, group[2].pid]
    events = room.run(fac, "set_place", place="online", participant=group[2].pid).events  # the facilitator corrects it
    assert [ev.t for ev in events] == ["place", "hands"]
    assert queue(room) == [group[1].pid, group[2].pid, inbrenger.pid, group[0].pid]
    room.run(fac, "online_first", on=False)
    assert queue(room) == in_order


def test_only_the_facilitator_gives_and_takes_the_floor():
    room, inbrenger, group = start_case(5, "vragenronde")
    fac = room.facilitator
    raise_at(room, group[0], room.now)
    raise_at(room, group[1], room.now + TIE + 1)
    room.refused(group[1], "give_floor", participant=group[1].pid)
    room.refused(group[0], "take_floor")
    room.refused(group[0], "lower_hand", participant=group[1].pid)
    ev = room.one(fac, "give_floor", participant=group[1].pid)  # not the first in line: the facilitator decides
    assert ev.t == "hands" and ev.public["speaker"] == group[1].pid
    assert queue(room) == [group[0].pid]  # their hand came down
    assert room.refused(group[1], "raise_hand").detail == "you have the floor"
    room.refused(fac, "give_floor", participant=fac.pid)  # the floor goes to a participant
    room.refused(fac, "give_floor", errors.NOT_FOUND, participant="p99")
    assert room.one(fac, "take_floor").public["speaker"] is None
    assert room.run(fac, "take_floor").events == []
    room.run(fac, "lower_hand", participant=group[0].pid)
    assert queue(room) == []
    assert room.snapshot(inbrenger)["hands"]["spoken"] == {group[1].pid: 1}


def test_a_round_in_turn_keeps_its_order_and_a_new_round_starts_without_hands():
    room, inbrenger, group = start_case(5, "vragenronde")
    fac = room.facilitator
    raise_at(room, group[0], room.now)
    room.run(fac, "give_floor", participant=group[1].pid)
    room.run(fac, "online_first", on=True)
    room.goto("adviesronde")  # given in turn
    assert room.state.current_phase.in_turn
    hands = room.snapshot(group[0])["hands"]
    assert hands == {"queue": [], "speaker": None, "spoken": {group[1].pid: 1}, "online_first": True}
    assert room.refused(group[0], "raise_hand").detail == "this round goes in turn"
    assert room.refused(fac, "give_floor", participant=group[0].pid).detail == "this round goes in turn"
    room.goto("afsluiting")
    raise_at(room, group[0], room.now)
    assert queue(room) == [group[0].pid]


def test_where_each_person_is():
    room, members = start(3)
    fac, anna, bram = room.facilitator, members[0], members[1]
    assert room.snapshot(anna)["participants"][1]["place"] is None
    ev = room.one(anna, "set_place", place="online")
    assert ev.public == {"participant": anna.pid, "place": "online"}
    assert room.run(anna, "set_place", place="online").events == []
    room.refused(bram, "set_place", place="room", participant=anna.pid)
    room.run(fac, "set_place", place="room", participant=anna.pid)
    room.run(fac, "set_place", place="online")  # the facilitator's own
    places = {p["id"]: p["place"] for p in room.snapshot(bram)["participants"]}
    assert places == {fac.pid: "online", anna.pid: "room", bram.pid: None, members[2].pid: None}
    screen = room.join("Scherm", screen=True)
    assert room.refused(fac, "set_place", place="room", participant=screen.pid).detail == "a screen has no place"
    room.run(members[2], "raise_hand")  # in the lobby too: any round without a fixed order
    assert queue(room) == [members[2].pid]


def test_the_call_link_is_an_https_address_set_by_the_facilitator():
    room, members = start(2)
    fac = room.facilitator
    url = "https://meet.jit.si/ons-intervisieteam"
    room.refused(members[0], "set_call_link", url=url)
    for bad, detail in [
        ("http://meet.example.org/x", "the call link must start with https://"),
        ("javascript:alert(1)", "the call link must start with https://"),
        ("https://user:geheim@meet.example.org/x", "the call link may not hold a user name or password"),
        ("https:///pad", "the call link needs a host name"),
        ("https://meet.example.org/een kamer", "a link has no spaces"),
        ("https://meet.example.org:poort/x", "this is not a web address"),
    ]:
        assert room.refused(fac, "set_call_link", errors.INVALID_FIELD, url=bad).detail == detail
    assert room.one(fac, "set_call_link", url=url).public == {"url": url}
    assert room.snapshot(members[1])["call_link"] == url
    assert room.run(fac, "set_call_link", url=url).events == []
    room.run(fac, "set_call_link", url=None)
    assert room.snapshot(members[0])["call_link"] is None
