"""The knock of a latecomer at a locked room, in the pure engine: recorded for the
facilitators alone, bounded, expiring, replaced by the same name, answered by a
facilitator only, used once; the knocker holds a secret the room keeps only as a hash."""

from __future__ import annotations

import dataclasses
import json

import pytest

from protocol import errors, limits
from server.rooms import identity
from server.rooms.engine import decide_join
from server.rooms.events import RoomError
from server.rooms.state import LET_IN, PARTICIPANT, SCREEN, TURNED_AWAY

from .harness import Room, start


def locked_room(n: int = 1) -> Room:
    room, _ = start(n)
    room.run(room.facilitator, "lock", locked=True)
    return room


def knocked(room: Room, name: str, secret: str | None = None, *, now: float | None = None) -> tuple[str, str]:
    """A knock that must be recorded; returns the knocker's secret and the knock's id."""
    fresh, decision = room.knock(name, secret, now=now)
    (ev,) = decision.events
    assert ev.t == "knocked"
    return fresh, decision.result["knock"]


def asks_again(room: Room, name: str, secret: str, code: str, *, now: float | None = None) -> RoomError:
    """The knocker asks again and is refused with `code`, the room as it was."""
    before = room.state.clone()
    with pytest.raises(RoomError) as info:
        room.knock(name, secret, now=now)
    assert info.value.code == code, info.value
    assert room.state == before
    return info.value


def test_a_knock_is_recorded_for_the_facilitators_only() -> None:
    room = locked_room(1)
    anna = room.members["p2"]
    secret, decision = room.knock("Eva")
    (ev,) = decision.events
    kid = decision.result["knock"]
    record = {"id": kid, "name": "Eva", "at": room.now}
    assert ev.to == ("fac",) and ev.public == {}
    assert room.frames(room.facilitator, [ev]) == [{"t": "knocked", "seq": ev.seq, "knock": record, "drop": []}]
    assert room.frames(anna, [ev]) == [{"t": "knocked", "seq": ev.seq}]  # nothing that names anyone
    assert room.snapshot(room.facilitator)["knocks"] == [record]
    assert room.snapshot(anna)["knocks"] == []
    # the room keeps the secret's hash, never the secret
    assert room.state.knocks[kid].secret_hash == identity.knock_hash(secret)
    assert secret not in json.dumps(ev.to_dict()) and secret not in json.dumps(dataclasses.asdict(room.state))
    assert "Eva" not in json.dumps(room.snapshot(anna))
    assert not any(p.name == "Eva" for p in room.state.participants.values())  # not in yet


def test_an_open_room_needs_no_knock_and_a_refusal_without_a_secret_is_plain() -> None:
    room, _ = start(1)
    _, decision = room.knock("Eva")
    assert [e.t for e in decision.events] == ["joined"]  # unlocked: an ordinary join
    room.run(room.facilitator, "lock", locked=True)
    before = room.state.clone()
    with pytest.raises(RoomError) as info:  # a caller with no secret to hand out
        room.join("Bram")
    assert info.value.code == errors.ROOM_LOCKED and room.state == before


def test_while_the_knock_waits_asking_again_is_room_locked_without_a_new_knock() -> None:
    room = locked_room()
    secret, kid = knocked(room, "Eva")
    seq = room.state.seq
    err = asks_again(room, "Eva", secret, errors.ROOM_LOCKED)
    assert err.detail == "the room is locked"
    assert room.state.seq == seq and list(room.state.knocks) == [kid]


def test_let_in_admits_the_knocker_once_and_the_room_stays_locked() -> None:
    room = locked_room()
    secret, kid = knocked(room, "Eva")
    ev = room.one(room.facilitator, "let_in", knock=kid)
    assert (ev.t, ev.public, ev.private, ev.to) == ("let_in", {}, {"knock": kid}, ("fac",))
    assert room.state.knocks[kid].answer == LET_IN
    assert room.snapshot(room.facilitator)["knocks"] == []  # answered: no longer a request
    _, decision = room.knock("Eva", secret)
    (joined,) = decision.events
    assert joined.t == "joined" and joined.internal is not None and joined.internal["knock"] == kid
    eva = joined.public["participant"]
    assert (eva["name"], eva["role"]) == ("Eva", PARTICIPANT)
    assert room.state.locked and room.state.knocks == {}  # used up
    assert not any(e.t == "locked" for e in room.log[ev.seq :])
    # the same secret again is no way in: it knocks anew
    _, again = room.knock("Eva", secret)
    assert [e.t for e in again.events] == ["knocked"]


def test_turned_away_gets_not_let_in() -> None:
    room = locked_room()
    secret, kid = knocked(room, "Eva")
    ev = room.one(room.facilitator, "turn_away", knock=kid)
    assert (ev.t, ev.public, ev.private) == ("turned_away", {}, {"knock": kid})
    assert room.state.knocks[kid].answer == TURNED_AWAY
    assert room.snapshot(room.facilitator)["knocks"] == []
    err = asks_again(room, "Eva", secret, errors.NOT_LET_IN)
    assert err.detail == "the facilitator did not let you in"
    asks_again(room, "Eva", secret, errors.NOT_LET_IN)  # as often as they ask, until it expires


def test_only_a_facilitator_answers_a_knock_and_only_once() -> None:
    room = locked_room(2)
    anna = room.members["p2"]
    _, kid = knocked(room, "Eva")
    for t in ("let_in", "turn_away"):
        err = room.refused(anna, t, knock=kid)
        assert err.detail == "only the facilitator can do this"
    room.refused(room.facilitator, "let_in", errors.NOT_FOUND, knock="k99")
    room.run(room.facilitator, "add_facilitator", participant=anna.pid)
    room.run(room.members[anna.pid], "let_in", knock=kid)  # a co-facilitator may
    for t in ("let_in", "turn_away"):
        err = room.refused(room.facilitator, t, knock=kid)
        assert err.detail == "this knock has been answered already"


def test_a_participant_never_sees_a_knock() -> None:
    room = locked_room(2)
    anna, bram = room.members["p2"], room.members["p3"]
    secret, kid = knocked(room, "Eva")
    _, other = knocked(room, "Fleur")
    room.run(room.facilitator, "let_in", knock=kid)
    room.run(room.facilitator, "turn_away", knock=other)
    room.knock("Eva", secret)
    for viewer in (anna, bram):
        seen = json.dumps(room.frames(viewer)) + json.dumps(room.snapshot(viewer))
        assert "Fleur" not in seen and json.dumps(kid) not in seen and json.dumps(other) not in seen
        assert room.snapshot(viewer)["knocks"] == []
    # Eva is in now, like anyone who joined: that much everyone sees
    assert any(p["name"] == "Eva" for p in room.snapshot(anna)["participants"])


def test_the_same_name_knocking_again_replaces_its_knock() -> None:
    room = locked_room()
    first, old = knocked(room, "Eva")
    _, fleur = knocked(room, "Fleur")
    _, decision = room.knock("eva")  # another page, the same person
    (ev,) = decision.events
    new = decision.result["knock"]
    assert ev.private is not None and ev.private["drop"] == [old]
    assert [k["id"] for k in room.snapshot(room.facilitator)["knocks"]] == [fleur, new]
    _, again = room.knock("Eva", first)  # the replaced knock's secret counts for nothing
    assert [e.t for e in again.events] == ["knocked"]


def test_knocks_are_bounded_the_oldest_pushed_out() -> None:
    room = locked_room()
    ids = [knocked(room, f"Laat {i}", now=room.now + i)[1] for i in range(limits.MAX_KNOCKS + 2)]
    assert list(room.state.knocks) == ids[2:]
    assert len(room.snapshot(room.facilitator)["knocks"]) == limits.MAX_KNOCKS


def test_a_knock_expires() -> None:
    room = locked_room()
    secret, kid = knocked(room, "Eva")
    late = room.now + limits.KNOCK_TTL
    room.refused(room.facilitator, "let_in", errors.NOT_FOUND, knock=kid, now=late)
    room.run(room.facilitator, "let_in", knock=kid, now=late - 1)
    # let in, but the knocker asks only after the knock expired: they knock anew
    _, decision = room.knock("Eva", secret, now=late)
    (ev,) = decision.events
    assert ev.t == "knocked" and ev.private is not None and ev.private["drop"] == [kid]
    eva = decision.result["knock"]
    # the expired knocks go with the next one, whoever knocks
    _, bram = knocked(room, "Bram", now=late + 1)
    _, decision = room.knock("Chantal", now=late + 1 + limits.KNOCK_TTL)
    (ev,) = decision.events
    assert ev.private is not None and ev.private["drop"] == [eva, bram]
    assert list(room.state.knocks) == [decision.result["knock"]]


def test_unlocking_lets_every_knocker_in_as_an_ordinary_join() -> None:
    room = locked_room()
    secret, _ = knocked(room, "Eva")
    _, away = knocked(room, "Fleur")
    room.run(room.facilitator, "turn_away", knock=away)
    room.run(room.facilitator, "lock", locked=False)
    assert room.state.knocks == {} and room.snapshot(room.facilitator)["knocks"] == []
    _, decision = room.knock("Eva", secret)
    assert [e.t for e in decision.events] == ["joined"]


def test_a_screen_does_not_knock() -> None:
    room = locked_room()
    before = room.state.clone()
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Scherm", identity.token_hash("s"), SCREEN, new_knock=identity.knock_hash("x"))
    assert info.value.code == errors.ROOM_LOCKED and room.state == before
