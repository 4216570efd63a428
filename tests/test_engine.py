"""Unit tests of the pure room engine: every phase of the reference method and every
permission rule, driven through `decide` / `apply` with the memory backend's commit."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from protocol import errors, limits
from protocol.errors import ProtocolError
from protocol.messages import COMMANDS, Command, parse_command
from server.config import Settings
from server.rooms import identity
from server.rooms.engine import (
    SELF_ROLE,
    Decision,
    apply,
    decide,
    decide_auto_advance,
    decide_join,
    decide_presence,
    new_room,
)
from server.rooms.events import Actor, Event, RoomError
from server.rooms.method import DEFAULT_METHOD, load
from server.rooms.state import FACILITATOR, PARTICIPANT, SCREEN, RoomState
from server.rooms.views import frame, sees_private, snapshot

METHOD = load(DEFAULT_METHOD)
PHASES = [p.id for p in METHOD.phases]
NAMES = ["Anna", "Bram", "Chantal", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ilse", "Joost"]
PEOPLE = ["de collega", "de teamleider"]

FACILITATOR_COMMANDS = (
    "lock",
    "remove",
    "advance",
    "back",
    "close_vote",
    "choose_case",
    "hide_question",
    "deal_cards",
    "reveal",
    "end",
    "timer",
    "auto_advance",
    "add_facilitator",
    "hand_over",
    "set_method",
    "next_case",
)
#: participant commands bound to a phase, and the input (Phase.accepts key) they give
PHASE_INPUT = {
    "confirm": "confirm",
    "propose_case": "cases",
    "withdraw_case": "cases",
    "vote": "cases",
    "share_case": "case_text",
    "ask": "questions",
    "withdraw_question": "questions",
    "upvote": "questions",
    "mark_answered": "questions",
    "rate_question": "questions",
    "essence": "essence",
    "perspective": "perspectives",
    "advice": "advice",
    "respond": "response",
    "takeaway": "takeaway",
    "evaluate": "evaluation",
    "note": "notes",
    "withdraw_note": "notes",
}
OTHER_COMMANDS = ("pass_turn", "ready", "summary", "rate_advice", "list_me", "proof")


# --------------------------------------------------------------------------- harness


def command(t: str, cid: str, **fields: Any) -> Command:
    """A command as the server gets it: through the protocol's validation."""
    return parse_command({"t": t, "id": cid, **fields})


@dataclass(frozen=True)
class Member:
    pid: str
    name: str
    token: str
    role: str

    @property
    def actor(self) -> Actor:
        return Actor(self.pid, identity.anon_key(self.token))

    def secrets(self) -> tuple[str, ...]:
        """Strings that would identify this member if found inside an event."""
        return (self.token, identity.token_hash(self.token), self.actor.anon_key.hex())


class Room:
    """A room harness: the engine plus the commit of server/backends/memory.py."""

    def __init__(
        self,
        *,
        anonymous_questions: bool = True,
        language: str = "nl",
        seed: int = 0,
        facilitator_token: str = "facilitator-token",
        max_participants: int = limits.MAX_PARTICIPANTS,
    ) -> None:
        self.state: RoomState = new_room(
            "KRNG23",
            "epoch-1",
            identity.token_hash(facilitator_token),
            method_id=DEFAULT_METHOD,
            language=language,
            anonymous_questions=anonymous_questions,
            max_participants=max_participants,
        )
        self.rng = random.Random(seed)
        self.now = 1_700_000_000.0  # the server clock that ws.py would pass in
        self.log: list[Event] = []
        self.facilitator = Member("p1", self.state.participants["p1"].name, facilitator_token, FACILITATOR)
        self.members: dict[str, Member] = {"p1": self.facilitator}
        self._ids = itertools.count(1)

    def commit(self, decision: Decision) -> Decision:
        for ev in decision.events:
            ev.seq = self.state.seq + 1
            apply(self.state, ev)
            self.log.append(ev)
            if ev.t == "role_changed":  # the harness's members carry their current role
                pid = ev.public["participant"]
                self.members[pid] = dataclasses.replace(self.members[pid], role=ev.public["role"])
                if pid == self.facilitator.pid:
                    self.facilitator = self.members[pid]
        return decision

    def join(self, name: str, token: str | None = None, *, screen: bool = False) -> Member:
        token = token or f"token-{len(self.members) + 1}-{name}"
        role = SCREEN if screen else PARTICIPANT
        decision = self.commit(decide_join(self.state, name, identity.token_hash(token), role))
        pid = decision.result["participant"]
        member = Member(pid, self.state.participants[pid].name, token, role)
        self.members[pid] = member
        return member

    def run(self, who: Member, t: str, *, cid: str | None = None, now: float | None = None, **fields: Any) -> Decision:
        cmd = command(t, cid or f"cmd-{next(self._ids)}", **fields)
        return self.commit(decide(self.state, who.actor, cmd, self.rng, self.now if now is None else now))

    def refused(self, who: Member, t: str, code: str = errors.NOT_ALLOWED, **fields: Any) -> RoomError:
        """Run a command that must fail with `code` and leave the room as it was."""
        before = self.state.to_dict()
        with pytest.raises(RoomError) as info:
            self.run(who, t, **fields)
        assert info.value.code == code, f"{t} by {who.pid}: {info.value}"
        assert self.state.to_dict() == before
        return info.value

    def one(self, who: Member, t: str, **fields: Any) -> Event:
        """Run a command that must cause exactly one event."""
        events = self.run(who, t, **fields).events
        assert len(events) == 1, events
        return events[0]

    def frames(self, who: Member, events: Iterable[Event] | None = None) -> list[dict[str, Any]]:
        return [frame(ev, who.pid, who.role) for ev in (self.log if events is None else events)]

    def snapshot(self, who: Member) -> dict[str, Any]:
        return snapshot(self.state, who.actor)

    def goto(self, phase_id: str) -> None:
        target = PHASES.index(phase_id)
        while self.state.phase != target:
            self.run(self.facilitator, "advance" if self.state.phase < target else "back")

    @property
    def everyone(self) -> list[Member]:
        return list(self.members.values())


def start(n: int = 4, **room_args: Any) -> tuple[Room, list[Member]]:
    room = Room(**room_args)
    return room, [room.join(name) for name in NAMES[:n]]


def start_case(
    n: int = 4, phase: str = "casuskeuze", people: list[str] | None = None, **room_args: Any
) -> tuple[Room, Member, list[Member]]:
    """A room with n participants, the first one's case chosen and shared, in `phase`.

    Returns the room, the inbrenger and the group (the other participants).
    """
    room, members = start(n, **room_args)
    room.goto("casuskeuze")
    case = room.run(members[0], "propose_case", title="Lastige collega", question="Hoe zeg ik nee?").result["case"]
    room.run(room.facilitator, "choose_case", case=case)
    text = "Mijn collega vraagt steeds ..."
    room.run(members[0], "share_case", text=text, people=PEOPLE if people is None else people)
    room.goto(phase)
    return room, members[0], members[1:]


def leaves(obj: Any) -> Iterator[str]:
    """Every string (keys and values) inside a JSON-like value."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(k)
            yield from leaves(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from leaves(v)


def assert_no_trace(obj: Any, member: Member) -> None:
    """Neither the member's id, name, token nor anything derived from it is in obj."""
    strings = set(leaves(obj))
    assert member.pid not in strings
    assert member.name not in strings
    dumped = json.dumps(obj, default=repr)
    for secret in member.secrets():
        assert secret not in dumped


def sample_args(room: Room, t: str) -> dict[str, Any]:
    """Well-formed arguments for any command, naming real items where there are any."""
    s = room.state
    case = next(iter(s.cases), "c99")
    question = next(iter(s.questions), "q99")
    target = next((p.id for p in s.participants.values() if p.role == PARTICIPANT and not p.removed), "p99")
    return {
        "lock": {"locked": True},
        "remove": {"participant": target},
        "choose_case": {"case": case},
        "hide_question": {"question": question, "hidden": True},
        "propose_case": {"title": "Een casus", "question": "Wat doe ik?"},
        "withdraw_case": {"case": case},
        "vote": {"case": case},
        "share_case": {"text": "De casus", "people": ["iemand"]},
        "ask": {"text": "Wat gebeurde er?"},
        "withdraw_question": {"question": question},
        "upvote": {"question": question, "on": True},
        "mark_answered": {"question": question, "answered": True},
        "rate_question": {"question": question, "rating": "warm"},
        "essence": {"text": "Wat bleef hangen"},
        "perspective": {"feel": "Ik voel onrust", "think": "Ik denk na"},
        "advice": {"text": "Probeer dit"},
        "respond": {"text": "Dank je"},
        "takeaway": {"text": "Ik neem mee"},
        "evaluate": {"score": 4, "line": "Fijn"},
        "ready": {"ready": True},
        "timer": {"action": "start"},
        "add_facilitator": {"participant": target},
        "hand_over": {"participant": target},
        "set_method": {"method": "roddelmethode"},
        "list_me": {"listed": True},
        "auto_advance": {"on": True},
        "note": {"text": "Wat ik zou doen"},
        "withdraw_note": {"note": next(iter(s.notes), "n99")},
        "rate_advice": {"advice": next((a.id for a in s.advice), "a99"), "rating": "warm"},
    }.get(t, {})


def test_command_tables_cover_the_protocol() -> None:
    assert set(COMMANDS) == set(FACILITATOR_COMMANDS) | set(PHASE_INPUT) | set(OTHER_COMMANDS)
    assert PHASES == ["lobby", "opening", "casuskeuze", "vragenronde", "associatieronde", "adviesronde", "afsluiting"]


# --------------------------------------------------------------------------- join, lock, remove


def test_new_room_starts_in_the_lobby_with_its_facilitator() -> None:
    room = Room()
    snap = room.snapshot(room.facilitator)
    assert snap["phase"]["id"] == "lobby"
    assert snap["participants"] == [{"id": "p1", "name": "Procesbegeleider", "role": FACILITATOR, "online": False}]
    assert room.state.seq == 0


def test_join_adds_a_participant_and_keeps_the_token_hash_internal() -> None:
    room = Room()
    anna = room.join("Anna", token="anna-token")
    ev = room.log[-1]
    assert ev.t == "joined" and ev.seq == 1
    assert ev.public == {"participant": {"id": anna.pid, "name": "Anna", "role": PARTICIPANT, "online": False}}
    assert ev.internal == {"token_hash": identity.token_hash("anna-token")}
    assert room.state.participants[anna.pid].token_hash == identity.token_hash("anna-token")
    for viewer in room.everyone:
        assert identity.token_hash("anna-token") not in json.dumps(room.frames(viewer))
        assert identity.token_hash("anna-token") not in json.dumps(room.snapshot(viewer))


def test_duplicate_display_names_are_made_distinct() -> None:
    room = Room()
    names = [room.join(n).name for n in ["Anna", "anna", "ANNA", "Anna (2)", "Bram", "Procesbegeleider"]]
    assert names == ["Anna", "anna (2)", "ANNA (3)", "Anna (2) (2)", "Bram", "Procesbegeleider (2)"]
    assert len({n.casefold() for n in names} | {"procesbegeleider"}) == len(names) + 1


def test_locked_room_refuses_joins_until_unlocked() -> None:
    room, (anna, *_) = start(1)
    room.refused(anna, "lock", locked=True)
    assert room.one(room.facilitator, "lock", locked=True).public == {"locked": True}
    assert room.run(room.facilitator, "lock", locked=True).events == []
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Bram", identity.token_hash("bram"))
    assert info.value.code == errors.ROOM_LOCKED
    room.one(room.facilitator, "lock", locked=False)
    assert room.join("Bram").name == "Bram"


def test_full_room_refuses_joins() -> None:
    room = Room()
    members = [room.join(f"Deelnemer {i}") for i in range(limits.MAX_PARTICIPANTS - 1)]
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Een te veel", identity.token_hash("x"))
    assert info.value.code == errors.ROOM_FULL
    room.run(room.facilitator, "remove", participant=members[0].pid)
    assert room.join("Een te veel").name == "Een te veel"


def test_the_server_sets_how_many_a_room_holds() -> None:
    room = Room(max_participants=3)
    room.join("Anna")
    room.join("Bram")
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Chris", identity.token_hash("chris"))
    assert (info.value.code, str(info.value)) == (errors.ROOM_FULL, "room_full: at most 3 participants")
    assert Settings.from_env({"KRING_MAX_PARTICIPANTS": "1000"}).max_participants == 1000
    assert Settings.from_env({}).max_participants == limits.MAX_PARTICIPANTS


def test_ended_room_refuses_joins() -> None:
    room, _ = start(1)
    room.run(room.facilitator, "end")
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Bram", identity.token_hash("bram"))
    assert info.value.code == errors.UNKNOWN_ROOM


def test_remove_by_facilitator_only_and_the_removed_cannot_act() -> None:
    room, (anna, bram, *_) = start(3)
    room.goto("opening")
    room.refused(anna, "remove", participant=bram.pid)
    assert room.one(room.facilitator, "remove", participant=bram.pid).public == {"participant": bram.pid}
    for t in ("confirm", "ready", "propose_case", "summary", "advance"):
        room.refused(bram, t, code=errors.BAD_TOKEN, **sample_args(room, t))
    assert bram.pid not in [p["id"] for p in room.snapshot(anna)["participants"]]
    room.refused(room.facilitator, "remove", code=errors.NOT_FOUND, participant=bram.pid)
    room.refused(room.facilitator, "remove", code=errors.NOT_FOUND, participant="p99")
    assert decide_presence(room.state, bram.pid, True).events == []


def test_facilitator_cannot_be_removed() -> None:
    room, (anna, *_) = start(2)
    room.refused(room.facilitator, "remove", participant=room.facilitator.pid)
    room.refused(anna, "remove", participant=room.facilitator.pid)
    assert not room.state.participants["p1"].removed


def test_presence_changes_only_when_it_changes() -> None:
    room, (anna, *_) = start(1)
    ev = room.commit(decide_presence(room.state, anna.pid, True)).events[0]
    assert (ev.t, ev.public) == ("presence", {"participant": anna.pid, "online": True})
    assert decide_presence(room.state, anna.pid, True).events == []
    assert decide_presence(room.state, "p99", True).events == []
    assert room.snapshot(anna)["participants"][1]["online"] is True


# --------------------------------------------------------------------------- phases


def test_facilitator_walks_through_every_phase() -> None:
    room, inbrenger, _ = start_case(4)
    room.goto("lobby")
    seen = []
    for index in range(1, len(PHASES)):
        ev = room.run(room.facilitator, "advance").events[0]
        assert ev.t == "phase"
        assert ev.public["phase"]["index"] == index
        seen.append(ev.public["phase"]["id"])
        assert room.snapshot(inbrenger)["phase"]["id"] == PHASES[index]
    assert seen == PHASES[1:]


def test_only_the_facilitator_advances_or_goes_back() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    for who in (inbrenger, *group):
        room.refused(who, "advance")
        room.refused(who, "back")
    room.one(room.facilitator, "back")
    assert room.state.current_phase.id == "casuskeuze"


def test_phase_bounds() -> None:
    room, _, _ = start_case(4, phase="lobby")
    room.refused(room.facilitator, "back")
    room.goto("afsluiting")
    room.refused(room.facilitator, "advance")
    assert room.state.current_phase.id == "afsluiting"


def test_cannot_pass_case_choice_without_an_inbrenger() -> None:
    room, (anna, *_) = start(3)
    room.goto("casuskeuze")
    room.refused(room.facilitator, "advance")
    case = room.run(anna, "propose_case", title="T", question="V").result["case"]
    room.refused(room.facilitator, "advance")
    room.run(room.facilitator, "choose_case", case=case)
    room.one(room.facilitator, "advance")
    assert room.state.current_phase.id == "vragenronde"


def test_removing_the_inbrenger_clears_the_choice_and_blocks_advancing() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(room.facilitator, "remove", participant=inbrenger.pid)
    assert room.state.inbrenger is None and room.state.chosen_case is None and room.state.case_text is None
    room.refused(room.facilitator, "advance")


def test_phase_change_resets_ready() -> None:
    room, (anna, bram, *_) = start(3)
    room.refused(anna, "ready", ready=True)  # not in the lobby
    room.goto("opening")
    room.run(anna, "ready", ready=True)
    room.run(bram, "ready", ready=True)
    assert room.snapshot(room.facilitator)["ready_count"] == 2
    room.run(room.facilitator, "advance")
    assert room.state.ready == []
    assert room.snapshot(anna)["ready_count"] == 0 and room.snapshot(anna)["ready"] is False


# --------------------------------------------------------------------------- opening


def test_confirm_count_is_public_and_who_confirmed_only_for_facilitators_and_self() -> None:
    room, (anna, bram, chantal) = start(3)
    room.refused(anna, "confirm")  # lobby
    room.goto("opening")
    ev = room.one(anna, "confirm")
    assert ev.public == {"confirmed_count": 1}
    assert frame(ev, bram.pid, PARTICIPANT) == {"t": "confirmed", "seq": ev.seq, "confirmed_count": 1}
    assert frame(ev, anna.pid, PARTICIPANT)["participant"] == anna.pid
    assert frame(ev, room.facilitator.pid, FACILITATOR)["participant"] == anna.pid
    assert room.run(anna, "confirm").events == []  # once per person
    assert room.one(bram, "confirm").public == {"confirmed_count": 2}
    room.refused(room.facilitator, "confirm")
    assert room.snapshot(room.facilitator)["confirmed"] == [anna.pid, bram.pid]
    assert room.snapshot(anna)["confirmed"] == [anna.pid]
    assert room.snapshot(chantal)["confirmed"] == []
    assert room.snapshot(chantal)["confirmed_count"] == 2
    for ev in room.log:
        if ev.t == "confirmed":
            assert anna.pid not in set(leaves(frame(ev, chantal.pid, PARTICIPANT)))


# --------------------------------------------------------------------------- case choice


def test_propose_and_withdraw_own_case_only() -> None:
    room, (anna, bram, _) = start(3)
    room.goto("opening")
    room.refused(anna, "propose_case", title="T", question="V")
    room.goto("casuskeuze")
    ev = room.one(anna, "propose_case", title="Lastige collega", question="Hoe zeg ik nee?")
    case = ev.public["case"]
    assert case == {"id": case["id"], "title": "Lastige collega", "question": "Hoe zeg ik nee?", "proposer": anna.pid}
    room.refused(room.facilitator, "propose_case", title="T", question="V")
    room.refused(bram, "withdraw_case", case=case["id"])
    room.refused(room.facilitator, "withdraw_case", case=case["id"])
    room.refused(anna, "withdraw_case", code=errors.NOT_FOUND, case="c99")
    assert room.one(anna, "withdraw_case", case=case["id"]).public == {"case": case["id"], "cast": 0}
    assert room.state.cases == {}


def test_votes_one_per_person_changeable_and_secret_until_close() -> None:
    room, (anna, bram, chantal) = start(3)
    room.goto("casuskeuze")
    c1 = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    c2 = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    room.refused(anna, "vote", code=errors.NOT_FOUND, case="c99")
    room.refused(room.facilitator, "vote", case=c1)

    ev = room.one(anna, "vote", case=c1)
    assert ev.public == {"cast": 1}
    assert ev.to == (anna.pid,)
    for viewer in (bram, chantal, room.facilitator):
        assert frame(ev, viewer.pid, viewer.role) == {"t": "vote_cast", "seq": ev.seq, "cast": 1}
    assert frame(ev, anna.pid, PARTICIPANT)["case"] == c1

    assert room.run(anna, "vote", case=c1).events == []  # the same vote again changes nothing
    assert room.one(anna, "vote", case=c2).public == {"cast": 1}  # changed, still one vote
    assert room.one(bram, "vote", case=c2).public == {"cast": 2}
    assert room.one(chantal, "vote", case=c1).public == {"cast": 3}
    for viewer in room.everyone:
        vote = room.snapshot(viewer)["vote"]
        assert vote["tally"] is None and vote["cast"] == 3 and vote["open"] is True
        assert vote["mine"] == {anna.pid: c2, bram.pid: c2, chantal.pid: c1}.get(viewer.pid)
        for f in room.frames(viewer):
            assert "tally" not in f

    room.refused(anna, "close_vote")
    assert room.one(room.facilitator, "close_vote").public == {"tally": {c1: 1, c2: 2}}
    for viewer in room.everyone:
        assert room.snapshot(viewer)["vote"]["tally"] == {c1: 1, c2: 2}
    room.refused(chantal, "vote", case=c2)
    room.refused(room.facilitator, "close_vote")


def test_withdrawn_case_takes_its_votes_with_it() -> None:
    room, (anna, bram, chantal) = start(3)
    room.goto("casuskeuze")
    c1 = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    c2 = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    room.run(bram, "vote", case=c1)
    room.run(chantal, "vote", case=c2)
    assert room.one(anna, "withdraw_case", case=c1).public == {"case": c1, "cast": 1}
    assert room.state.votes == {chantal.pid: c2}
    assert room.snapshot(bram)["vote"]["mine"] is None


def test_close_vote_and_choose_case_only_in_case_choice() -> None:
    room, inbrenger, _ = start_case(4, phase="vragenronde")
    room.refused(room.facilitator, "close_vote")
    room.refused(room.facilitator, "choose_case", case=room.state.chosen_case)


def test_chosen_proposer_becomes_the_only_inbrenger() -> None:
    room, (anna, bram, chantal) = start(3)
    room.goto("casuskeuze")
    c1 = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    c2 = room.run(bram, "propose_case", title="Twee", question="V2").result["case"]
    room.refused(anna, "choose_case", case=c1)
    room.refused(room.facilitator, "choose_case", code=errors.NOT_FOUND, case="c99")
    assert room.one(room.facilitator, "choose_case", case=c2).public == {"case": c2, "inbrenger": bram.pid}
    assert room.run(room.facilitator, "choose_case", case=c2).events == []
    for viewer in room.everyone:
        snap = room.snapshot(viewer)
        assert (snap["inbrenger"], snap["chosen_case"]) == (bram.pid, c2)
    room.one(room.facilitator, "choose_case", case=c1)  # the facilitator changes their mind
    assert room.state.inbrenger == anna.pid
    assert room.state.group() == [bram.pid, chantal.pid]
    room.refused(anna, "withdraw_case", case=c1)  # the chosen case stays


def test_case_of_a_removed_proposer_cannot_be_chosen() -> None:
    room, (anna, *_) = start(3)
    room.goto("casuskeuze")
    case = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    room.run(room.facilitator, "remove", participant=anna.pid)
    room.refused(room.facilitator, "choose_case", case=case)


def test_share_case_only_by_the_inbrenger() -> None:
    room, (anna, bram, _) = start(3)
    room.goto("casuskeuze")
    case = room.run(anna, "propose_case", title="Een", question="V1").result["case"]
    room.refused(anna, "share_case", text="Tekst", people=["x"])  # nobody is inbrenger yet
    room.run(room.facilitator, "choose_case", case=case)
    room.refused(bram, "share_case", text="Tekst", people=["x"])
    room.refused(room.facilitator, "share_case", text="Tekst", people=["x"])
    ev = room.one(anna, "share_case", text="Mijn casus", people=["de collega", " de baas ", "de collega"])
    assert ev.public == {"text": "Mijn casus", "people": ["de collega", "de baas"]}
    assert room.snapshot(bram)["case_text"] == "Mijn casus"
    room.run(room.facilitator, "advance")
    room.refused(anna, "share_case", text="Later", people=[])


# --------------------------------------------------------------------------- questions round


def test_the_inbrenger_and_the_facilitator_cannot_ask() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.refused(inbrenger, "ask", text="Mag ik?")
    room.refused(room.facilitator, "ask", text="Mag ik?")
    assert room.run(group[0], "ask", text="Wat deed je toen?").events[0].t == "question_asked"


def test_anonymous_question_holds_its_author_nowhere() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    author = group[1]
    decision = room.run(author, "ask", text="Wat wil je zelf?")
    qid = decision.result["question"]
    ev = decision.events[0]
    assert ev.public["question"]["author"] is None
    assert ev.private is None and ev.to == ()
    assert_no_trace(ev.to_dict(), author)
    assert_no_trace(decision.result, author)
    assert room.state.questions[qid].author is None
    for viewer in room.everyone:
        f = frame(ev, viewer.pid, viewer.role)
        assert f["question"]["author"] is None
        snap = room.snapshot(viewer)
        (q,) = snap["questions"]
        assert q["author"] is None
        assert_no_trace(q, author)
        assert snap["own_questions"] == ([qid] if viewer is author else [])
    # what happens to the question later carries no author either
    room.run(group[0], "upvote", question=qid, on=True)
    room.run(author, "upvote", question=qid, on=True)
    room.run(inbrenger, "mark_answered", question=qid, answered=True)
    room.run(room.facilitator, "hide_question", question=qid, hidden=True)
    room.run(room.facilitator, "hide_question", question=qid, hidden=False)
    room.run(author, "withdraw_question", question=qid)
    for later in room.log[room.log.index(ev) :]:
        assert_no_trace(later.to_dict(), author)


def test_questions_are_not_anonymous_in_a_small_group() -> None:
    room, inbrenger, group = start_case(3, phase="vragenronde")  # two askers
    ev = room.run(group[0], "ask", text="Wat deed je?").events[0]
    assert ev.public["question"]["author"] == group[0].pid


def test_questions_show_their_author_when_the_room_is_not_anonymous() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde", anonymous_questions=False)
    ev = room.run(group[2], "ask", text="Wat deed je?").events[0]
    assert ev.public["question"]["author"] == group[2].pid
    assert room.snapshot(inbrenger)["questions"][0]["author"] == group[2].pid


def test_withdraw_own_question_only() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Vraag").result["question"]
    for other in (group[1], group[2]):
        room.refused(other, "withdraw_question", question=qid)
    room.refused(inbrenger, "withdraw_question", question=qid)
    room.refused(room.facilitator, "withdraw_question", question=qid)
    # the same pid with another key (someone who does not hold the token) is not the author
    impostor = Member(group[0].pid, group[0].name, "not-the-token", PARTICIPANT)
    room.refused(impostor, "withdraw_question", question=qid)
    assert room.one(group[0], "withdraw_question", question=qid).public == {"question": qid}
    assert room.snapshot(group[1])["questions"] == []
    room.refused(group[0], "withdraw_question", code=errors.NOT_FOUND, question=qid)


def test_upvotes_are_counts_that_toggle_once_per_person() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Vraag").result["question"]

    def upvotes() -> int:
        return room.snapshot(inbrenger)["questions"][0]["upvotes"]

    ev = room.one(group[1], "upvote", question=qid, on=True)
    assert ev.public["question"]["upvotes"] == 1
    for member in group:
        assert_no_trace(ev.public, member)
        assert member.pid not in json.dumps(ev.to_dict())
    assert room.run(group[1], "upvote", question=qid, on=True).events == []
    room.run(group[2], "upvote", question=qid, on=True)
    room.run(group[0], "upvote", question=qid, on=True)
    assert upvotes() == 3
    room.run(group[1], "upvote", question=qid, on=False)
    assert upvotes() == 2
    assert room.run(group[1], "upvote", question=qid, on=False).events == []
    assert upvotes() == 2
    assert room.snapshot(group[1])["own_upvotes"] == []
    assert room.snapshot(group[2])["own_upvotes"] == [qid]
    room.refused(inbrenger, "upvote", question=qid, on=True)
    room.refused(room.facilitator, "upvote", question=qid, on=True)
    room.refused(group[1], "upvote", code=errors.NOT_FOUND, question="q99", on=True)


def test_inbrenger_marks_answered_and_rates_and_others_cannot() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Vraag").result["question"]
    for who in (group[0], group[1], room.facilitator):
        room.refused(who, "mark_answered", question=qid, answered=True)
        room.refused(who, "rate_question", question=qid, rating="warm")
    assert room.one(inbrenger, "mark_answered", question=qid, answered=True).public["question"]["answered"] is True
    assert room.run(inbrenger, "mark_answered", question=qid, answered=True).events == []
    for rating in ("warm", "lauw", "koud", None):
        ev = room.one(inbrenger, "rate_question", question=qid, rating=rating)
        assert ev.public["question"]["rating"] == rating
        assert room.snapshot(group[1])["questions"][0]["rating"] == rating
    with pytest.raises(ProtocolError) as info:
        command("rate_question", "x", question=qid, rating="heet")
    assert info.value.code == errors.INVALID_FIELD
    room.refused(inbrenger, "mark_answered", code=errors.NOT_FOUND, question="q99", answered=True)
    room.run(room.facilitator, "advance")
    room.refused(inbrenger, "mark_answered", question=qid, answered=False)
    room.refused(inbrenger, "rate_question", question=qid, rating="koud")


def test_hidden_question_vanishes_for_everyone_but_facilitators() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    qid = room.run(group[0], "ask", text="Verkapt advies?").result["question"]
    room.refused(group[1], "hide_question", question=qid, hidden=True)
    room.refused(inbrenger, "hide_question", question=qid, hidden=True)
    ev = room.one(room.facilitator, "hide_question", question=qid, hidden=True)
    assert ev.public == {"question": qid}
    assert frame(ev, room.facilitator.pid, FACILITATOR)["question"]["hidden"] is True
    for viewer in (inbrenger, *group):
        assert frame(ev, viewer.pid, viewer.role) == {"t": "question_hidden", "seq": ev.seq, "question": qid}
        snap = room.snapshot(viewer)
        assert snap["questions"] == []
        assert snap["own_questions"] in ([], [qid] if viewer is group[0] else [])  # an own id, never the text
        assert "Verkapt advies?" not in json.dumps(snap)
    assert room.snapshot(room.facilitator)["questions"][0]["hidden"] is True
    # nobody but a facilitator can reach a hidden question
    room.refused(group[1], "upvote", code=errors.NOT_FOUND, question=qid, on=True)
    room.refused(group[0], "withdraw_question", code=errors.NOT_FOUND, question=qid)
    room.refused(inbrenger, "mark_answered", code=errors.NOT_FOUND, question=qid, answered=True)
    assert room.run(room.facilitator, "hide_question", question=qid, hidden=True).events == []
    ev = room.one(room.facilitator, "hide_question", question=qid, hidden=False)
    assert ev.public["question"]["hidden"] is False
    assert [q["id"] for q in room.snapshot(group[1])["questions"]] == [qid]


def test_essence_only_by_the_inbrenger() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.refused(group[0], "essence", text="Essentie")
    room.refused(room.facilitator, "essence", text="Essentie")
    assert room.one(inbrenger, "essence", text="Ik wil erkenning").public == {"text": "Ik wil erkenning"}
    assert room.snapshot(group[0])["essence"] == "Ik wil erkenning"
    room.run(room.facilitator, "back")
    room.refused(inbrenger, "essence", text="Te vroeg")


# --------------------------------------------------------------------------- association round


def test_cards_are_dealt_by_the_facilitator_in_the_association_round() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.refused(room.facilitator, "deal_cards")
    room.run(room.facilitator, "advance")
    room.refused(group[0], "deal_cards")
    room.refused(inbrenger, "deal_cards")
    assert len(room.run(room.facilitator, "deal_cards").events) == len(group)
    room.refused(room.facilitator, "deal_cards")  # everyone already has one


def test_every_group_member_gets_exactly_one_card_that_only_they_see() -> None:
    room, inbrenger, group = start_case(6, phase="associatieronde")
    events = room.run(room.facilitator, "deal_cards").events
    holders = [ev.to for ev in events]
    assert sorted(holders) == sorted((m.pid,) for m in group)
    assert [ev.public for ev in events] == [{"cards_dealt": i} for i in range(1, len(group) + 1)]
    for ev in events:
        (holder,) = ev.to
        for viewer in room.everyone:
            mine = viewer.pid == holder
            assert sees_private(ev, viewer.pid, viewer.role) is mine
            f = frame(ev, viewer.pid, viewer.role)
            assert ("role" in f) is mine
            if mine:
                assert f["role"] == room.state.cards[holder]
    for viewer in room.everyone:
        snap = room.snapshot(viewer)
        assert snap["my_card"] == room.state.cards.get(viewer.pid)
        assert snap["cards_dealt"] == len(group)
    assert inbrenger.pid not in room.state.cards and room.facilitator.pid not in room.state.cards


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("n", "people"),
    [(3, []), (4, ["a"]), (5, ["a", "b"]), (6, ["a", "b"]), (8, ["a", "b", "c"]), (4, ["a", "b", "c", "d", "e"])],
)
def test_all_roles_are_covered_before_any_repeats(n: int, people: list[str], language: str) -> None:
    roles = [*people, SELF_ROLE[language]]
    for seed in range(15):
        room, _, group = start_case(n, phase="associatieronde", people=people, language=language, seed=seed)
        room.run(room.facilitator, "deal_cards")
        counts = Counter(room.state.cards.values())
        assert set(counts) <= set(roles)
        if len(group) >= len(roles):
            assert set(counts) == set(roles)
            assert max(counts.values()) - min(counts.values()) <= 1
        else:
            assert max(counts.values()) == 1


def test_a_late_joiner_gets_a_card_that_keeps_the_roles_balanced() -> None:
    room, _, group = start_case(4, phase="associatieronde", people=["a", "b"])
    room.run(room.facilitator, "deal_cards")
    assert sorted(room.state.cards.values()) == sorted(["a", "b", SELF_ROLE["nl"]])
    late = room.join("Laatkomer")
    room.refused(late, "perspective", feel="Ik voel", think="Ik denk")  # no card yet
    (ev,) = room.run(room.facilitator, "deal_cards").events
    assert ev.to == (late.pid,) and ev.public == {"cards_dealt": 4}
    assert Counter(room.state.cards.values()).most_common(1)[0][1] == 2


def test_perspectives_only_by_card_holders_and_hidden_until_reveal() -> None:
    room, inbrenger, group = start_case(5, phase="associatieronde")
    room.refused(group[0], "perspective", feel="Ik voel", think="Ik denk")  # no cards yet
    room.run(room.facilitator, "deal_cards")
    room.refused(inbrenger, "perspective", feel="Ik voel", think="Ik denk")
    room.refused(room.facilitator, "perspective", feel="Ik voel", think="Ik denk")
    texts = {}
    for i, member in enumerate(group[:3]):
        texts[member.pid] = (f"<voel-{i}>", f"<denk-{i}>")
        ev = room.one(member, "perspective", feel=texts[member.pid][0], think=texts[member.pid][1])
        assert ev.public == {"perspectives_written": i + 1}
        assert ev.to == (member.pid,)
    ev = room.one(group[0], "perspective", feel="<voel-0b>", think="<denk-0b>")  # rewritten, not added
    assert ev.public == {"perspectives_written": 3}
    texts[group[0].pid] = ("<voel-0b>", "<denk-0b>")
    secret = {"<voel-0>", "<denk-0>"} | {t for pair in texts.values() for t in pair}
    for viewer in room.everyone:
        own = set(texts.get(viewer.pid, ())) | ({"<voel-0>", "<denk-0>"} if viewer is group[0] else set())
        seen = json.dumps(room.frames(viewer)) + json.dumps(room.snapshot(viewer))
        for text in secret - own:
            assert text not in seen, (viewer.pid, text)
        snap = room.snapshot(viewer)
        assert snap["perspectives"] is None and snap["perspectives_written"] == 3
        mine = texts.get(viewer.pid)
        assert snap["my_perspective"] == ({"feel": mine[0], "think": mine[1]} if mine else None)


def test_reveal_releases_every_perspective_at_once_without_authors() -> None:
    room, inbrenger, group = start_case(5, phase="associatieronde")
    room.refused(room.facilitator, "reveal")  # nothing to reveal yet
    room.run(room.facilitator, "deal_cards")
    room.refused(room.facilitator, "reveal")
    for i, member in enumerate(group):
        room.run(member, "perspective", feel=f"<voel-{i}>", think=f"<denk-{i}>")
    room.refused(group[0], "reveal")
    room.refused(inbrenger, "reveal")
    ev = room.one(room.facilitator, "reveal")
    items = ev.public["perspectives"]
    assert ev.private is None
    assert all(set(item) == {"role", "feel", "think"} for item in items)
    expected = {(room.state.cards[m.pid], f"<voel-{i}>", f"<denk-{i}>") for i, m in enumerate(group)}
    assert {(x["role"], x["feel"], x["think"]) for x in items} == expected
    for member in group:
        assert_no_trace(ev.to_dict(), member)
    for viewer in room.everyone:
        assert room.snapshot(viewer)["perspectives"] == items
    room.refused(group[0], "perspective", feel="Te laat", think="Te laat")
    room.refused(room.facilitator, "reveal")
    room.refused(room.facilitator, "deal_cards")


def test_deal_and_reveal_outside_the_association_round_are_refused() -> None:
    room, _, group = start_case(4, phase="associatieronde")
    room.run(room.facilitator, "deal_cards")
    room.run(group[0], "perspective", feel="Ik voel", think="Ik denk")
    room.run(room.facilitator, "advance")
    room.refused(room.facilitator, "reveal")
    room.refused(room.facilitator, "deal_cards")
    room.refused(group[1], "perspective", feel="Ik voel", think="Ik denk")


# --------------------------------------------------------------------------- advice round


def test_turn_order_is_the_group_without_the_inbrenger() -> None:
    room, inbrenger, group = start_case(5, phase="associatieronde")
    ev = room.run(room.facilitator, "advance").events[-1]
    assert ev.t == "turns"
    assert ev.public == {"order": [m.pid for m in group], "current": 0}
    assert inbrenger.pid not in room.snapshot(inbrenger)["turns"]["order"]


def test_only_the_current_speaker_gives_advice() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    order = room.state.turn_order
    speaker, other = room.members[order[0]], room.members[order[1]]
    room.refused(other, "advice", text="Mijn advies")
    room.refused(inbrenger, "advice", text="Mijn advies")
    room.refused(room.facilitator, "advice", text="Mijn advies")
    ev = room.one(speaker, "advice", text="Praat met je baas")
    assert ev.public["advice"]["author"] == speaker.pid and ev.public["advice"]["text"] == "Praat met je baas"
    assert room.snapshot(inbrenger)["advice"] == [ev.public["advice"]]


def test_pass_turn_by_the_speaker_or_the_facilitator() -> None:
    room, inbrenger, group = start_case(5, phase="adviesronde")
    order = [room.members[pid] for pid in room.state.turn_order]
    room.refused(order[1], "pass_turn")
    room.refused(inbrenger, "pass_turn")
    assert room.one(order[0], "pass_turn").public == {"order": [m.pid for m in order], "current": 1}
    room.refused(order[0], "advice", text="Te laat")
    room.run(order[1], "advice", text="Advies")
    assert room.one(room.facilitator, "pass_turn").public["current"] == 2
    room.run(order[2], "pass_turn")
    room.run(room.facilitator, "pass_turn")
    assert room.state.turn == len(order)
    room.refused(room.facilitator, "pass_turn")
    room.refused(order[0], "advice", text="Nog eentje")


def test_the_inbrenger_listens_until_every_turn_is_done_then_responds() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    for pid in room.state.turn_order:
        room.refused(inbrenger, "respond", text="Ja maar")
        room.refused(inbrenger, "advice", text="Ja maar")
        room.run(room.members[pid], "advice", text=f"Advies van {pid}")
        room.run(room.members[pid], "pass_turn")
    room.refused(group[0], "respond", text="Namens de inbrenger")
    room.refused(room.facilitator, "respond", text="Namens de inbrenger")
    room.refused(inbrenger, "advice", text="Nu wel?")
    assert room.one(inbrenger, "respond", text="Het tweede advies raakt me").public == {
        "text": "Het tweede advies raakt me"
    }
    assert room.snapshot(group[1])["response"] == "Het tweede advies raakt me"


def test_pass_turn_outside_the_advice_round_is_refused() -> None:
    room, inbrenger, group = start_case(4, phase="associatieronde")
    room.refused(room.facilitator, "pass_turn")
    room.refused(group[0], "pass_turn")


def test_a_newly_chosen_inbrenger_is_not_in_the_turn_order() -> None:
    """The facilitator goes back to the case choice and picks another case (a next case):
    the advice round that follows must again leave the (new) inbrenger out of the turns."""
    room, first, group = start_case(4, phase="adviesronde")
    room.goto("casuskeuze")
    case = room.run(group[0], "propose_case", title="Tweede casus", question="En nu?").result["case"]
    room.run(room.facilitator, "choose_case", case=case)
    room.run(group[0], "share_case", text="Mijn casus", people=["de klant"])
    room.goto("adviesronde")
    assert room.state.inbrenger == group[0].pid
    assert group[0].pid not in room.state.turn_order
    assert room.state.turn_order[room.state.turn] != group[0].pid


# --------------------------------------------------------------------------- closing


def test_takeaway_only_by_the_inbrenger() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    room.refused(inbrenger, "takeaway", text="Te vroeg")
    room.run(room.facilitator, "advance")
    room.refused(group[0], "takeaway", text="Meegenomen")
    room.refused(room.facilitator, "takeaway", text="Meegenomen")
    assert room.one(inbrenger, "takeaway", text="Ik ga het gesprek aan").public == {"text": "Ik ga het gesprek aan"}


def test_evaluations_are_seen_by_facilitators_and_their_author_only() -> None:
    room, inbrenger, group = start_case(4, phase="adviesronde")
    room.refused(group[0], "evaluate", score=4, line="Te vroeg")
    room.run(room.facilitator, "advance")
    room.refused(room.facilitator, "evaluate", score=5, line="Ik evalueer niet mee")
    ev = room.one(group[0], "evaluate", score=4, line="<fijne sessie>")
    assert ev.public == {"evaluations_count": 1}
    assert frame(ev, room.facilitator.pid, FACILITATOR)["evaluation"] == {
        "participant": group[0].pid,
        "score": 4,
        "line": "<fijne sessie>",
    }
    assert frame(ev, group[0].pid, PARTICIPANT)["evaluation"]["score"] == 4
    for viewer in (inbrenger, group[1], group[2]):
        assert frame(ev, viewer.pid, viewer.role) == {"t": "evaluated", "seq": ev.seq, "evaluations_count": 1}
        snap = room.snapshot(viewer)
        assert snap["evaluations"] == [] and snap["evaluations_count"] == 1
        assert "<fijne sessie>" not in json.dumps(snap)
    room.run(inbrenger, "evaluate", score=5)
    assert room.one(group[0], "evaluate", score=3, line="Toch").public == {"evaluations_count": 2}
    fac_view = room.snapshot(room.facilitator)["evaluations"]
    assert fac_view == [
        {"participant": group[0].pid, "score": 3, "line": "Toch"},
        {"participant": inbrenger.pid, "score": 5, "line": ""},
    ]
    assert room.snapshot(inbrenger)["evaluations"] == [{"participant": inbrenger.pid, "score": 5, "line": ""}]


@pytest.mark.parametrize("score", [0, 6, -1, True, "4", 4.0])
def test_evaluation_scores_outside_one_to_five_are_invalid(score: Any) -> None:
    with pytest.raises(ProtocolError) as info:
        command("evaluate", "e1", score=score, line="x")
    assert info.value.code == errors.INVALID_FIELD


def test_ready_shows_a_count_never_names() -> None:
    room, inbrenger, group = start_case(4, phase="afsluiting")
    events = [room.one(m, "ready", ready=True) for m in group[:2]]
    assert [ev.public for ev in events] == [{"ready_count": 1}, {"ready_count": 2}]
    assert room.run(group[0], "ready", ready=True).events == []
    for viewer in room.everyone:
        for ev in events:
            f = frame(ev, viewer.pid, viewer.role)
            if viewer.pid not in ev.to:
                assert f == {"t": "ready", "seq": ev.seq, "ready_count": ev.public["ready_count"]}
        snap = room.snapshot(viewer)
        assert snap["ready_count"] == 2 and snap["ready"] is (viewer in group[:2])
    assert room.one(group[0], "ready", ready=False).public == {"ready_count": 1}
    room.refused(room.facilitator, "ready", ready=True)


def test_summary_goes_to_the_inbrenger_only_and_holds_the_whole_case() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    q1 = room.run(group[0], "ask", text="<vraag-1>").result["question"]
    q2 = room.run(group[1], "ask", text="<vraag-verborgen>").result["question"]
    room.run(inbrenger, "rate_question", question=q1, rating="warm")
    room.run(inbrenger, "mark_answered", question=q1, answered=True)
    room.run(room.facilitator, "hide_question", question=q2, hidden=True)
    room.run(inbrenger, "essence", text="<essentie>")
    room.goto("associatieronde")
    room.run(room.facilitator, "deal_cards")
    room.run(group[2], "perspective", feel="<voel>", think="<denk>")
    room.run(room.facilitator, "reveal")
    room.goto("adviesronde")
    room.run(room.members[room.state.turn_order[0]], "advice", text="<advies>")
    for _ in room.state.turn_order:
        room.run(room.facilitator, "pass_turn")
    room.run(inbrenger, "respond", text="<reactie>")
    room.goto("afsluiting")
    room.run(inbrenger, "takeaway", text="<meenemen>")
    for who in (*group, room.facilitator):
        room.refused(who, "summary")
    decision = room.run(inbrenger, "summary")
    assert decision.events == []
    summary = decision.result["summary"]
    assert summary["title"] == "Lastige collega" and summary["question"] == "Hoe zeg ik nee?"
    assert summary["case_text"] == "Mijn collega vraagt steeds ..."
    assert summary["people"] == PEOPLE
    assert summary["essence"] == "<essentie>"
    assert summary["questions"] == [{"text": "<vraag-1>", "rating": "warm", "answered": True}]
    assert [(p["feel"], p["think"]) for p in summary["perspectives"]] == [("<voel>", "<denk>")]
    assert [a["text"] for a in summary["advice"]] == ["<advies>"]
    assert summary["response"] == "<reactie>"
    assert summary["takeaway"] == "<meenemen>"
    assert "<vraag-verborgen>" not in json.dumps(summary)


def test_end_ends_the_room_and_then_every_command_fails() -> None:
    room, inbrenger, group = start_case(4, phase="afsluiting")
    room.refused(group[0], "end")
    room.refused(inbrenger, "end")
    assert room.one(room.facilitator, "end").t == "ended"
    assert room.state.ended
    for t in COMMANDS:
        for who in (room.facilitator, inbrenger, group[0]):
            room.refused(who, t, code=errors.UNKNOWN_ROOM, **sample_args(room, t))
    assert decide_presence(room.state, group[1].pid, True).events == []


# --------------------------------------------------------------------------- dedup


def test_a_resent_command_is_applied_once_and_returns_its_first_result() -> None:
    room, (anna, bram, _) = start(3)
    room.goto("casuskeuze")
    first = room.run(anna, "propose_case", cid="dup-1", title="Een", question="V")
    seq = room.state.seq
    again = room.run(anna, "propose_case", cid="dup-1", title="Een", question="V")
    assert again.events == [] and again.result == first.result
    assert room.state.seq == seq and len(room.state.cases) == 1
    # the same id from someone else is another command
    other = room.run(bram, "propose_case", cid="dup-1", title="Een", question="V")
    assert len(other.events) == 1 and other.result != first.result
    assert len(room.state.cases) == 2


def test_a_command_resent_after_a_phase_change_still_returns_its_result() -> None:
    room, (anna, *_) = start(3)
    room.goto("opening")
    room.run(anna, "confirm", cid="c-1")
    room.run(room.facilitator, "advance")
    assert room.run(anna, "confirm", cid="c-1").events == []  # not a not_allowed: it was applied
    room.refused(anna, "confirm", cid="c-2")
    assert room.state.confirmed == [anna.pid]


def test_a_resent_anonymous_question_is_asked_once() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    first = room.run(group[0], "ask", cid="ask-1", text="Vraag")
    assert room.run(group[0], "ask", cid="ask-1", text="Vraag").result == first.result
    assert len(room.state.questions) == 1
    assert room.run(group[1], "ask", cid="ask-1", text="Vraag").result != first.result
    assert len(room.state.questions) == 2
    for ev in room.log:
        if ev.t == "question_asked":
            assert_no_trace(ev.to_dict(), group[0])
            assert_no_trace(ev.to_dict(), group[1])


# --------------------------------------------------------------------------- role and phase checks


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("t", FACILITATOR_COMMANDS)
def test_participants_get_not_allowed_for_every_facilitator_command(phase: str, t: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    room.goto(phase)
    for who in (inbrenger, group[0]):
        room.refused(who, t, **sample_args(room, t))


@pytest.mark.parametrize(
    ("phase", "t"),
    [
        (phase.id, t)
        for phase in METHOD.phases
        for t in [*PHASE_INPUT, "pass_turn"]
        if (t == "pass_turn" and not phase.in_turn) or (t != "pass_turn" and PHASE_INPUT[t] not in phase.accepts)
    ],
)
def test_inputs_outside_their_phase_get_not_allowed(phase: str, t: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    room.goto(phase)
    for who in (inbrenger, *group, room.facilitator):
        room.refused(who, t, **sample_args(room, t))


@pytest.mark.parametrize(
    ("phase", "t"),
    [(phase.id, t) for phase in METHOD.phases for t in PHASE_INPUT if PHASE_INPUT[t] in phase.accepts],
)
def test_inputs_from_the_wrong_part_of_the_room_get_not_allowed(phase: str, t: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    room.goto(phase)
    who = METHOD.phases[PHASES.index(phase)].accepts[PHASE_INPUT[t]]
    if t in ("mark_answered", "rate_question"):  # the inbrenger's side of the questions round
        who = "inbrenger"
    wrong = [room.facilitator]
    if who == "group":
        wrong.append(inbrenger)
    elif who == "inbrenger":
        wrong.extend(group)
    for member in wrong:
        room.refused(member, t, **sample_args(room, t))


# --------------------------------------------------------------------------- phase timer


def _timer(room: Room, who: Member | None = None, **fields: Any) -> dict[str, Any] | None:
    """Run a timer command; the timer it publishes, or None when it caused no event."""
    events = room.run(who or room.facilitator, "timer", **fields).events
    assert len(events) <= 1
    if not events:
        return None
    assert events[0].t == "timer" and events[0].private is None  # the same for everyone
    return events[0].public["timer"]


def test_a_new_room_has_a_stopped_timer_of_the_lobby() -> None:
    room, (anna,) = start(1)
    minutes = METHOD.phases[0].minutes
    expected = {"running": False, "deadline": None, "remaining": float(minutes * 60)}
    assert room.state.timer() == expected
    for viewer in room.everyone:
        assert room.snapshot(viewer)["timer"] == expected


def test_timer_start_pause_and_extend() -> None:
    room, _ = start(2)
    room.now = 1000.0
    assert _timer(room, action="start") == {"running": True, "deadline": 1300.0, "remaining": 300.0}
    assert _timer(room, action="start") is None  # already running: no event, still an ack
    room.now = 1100.0
    running = _timer(room, action="extend", seconds=30)
    assert running == {"running": True, "deadline": 1330.0, "remaining": 230.0}
    room.now = 1130.0
    assert _timer(room, action="pause") == {"running": False, "deadline": None, "remaining": 200.0}
    assert _timer(room, action="pause") is None  # paused already
    assert _timer(room, action="extend") == {"running": False, "deadline": None, "remaining": 260.0}  # 60 by default
    room.now = 2000.0
    assert _timer(room, action="start") == {"running": True, "deadline": 2260.0, "remaining": 260.0}
    for viewer in room.everyone:
        assert room.snapshot(viewer)["timer"] == room.state.timer()


def test_pausing_after_the_deadline_keeps_the_overrun() -> None:
    room, _ = start(1)
    room.now = 1000.0
    _timer(room, action="start")
    room.now = 1345.5
    assert _timer(room, action="pause") == {"running": False, "deadline": None, "remaining": -45.5}
    assert _timer(room, action="extend", seconds=100) == {"running": False, "deadline": None, "remaining": 54.5}


def test_every_phase_change_resets_the_timer_and_the_phase_event_carries_it() -> None:
    room, inbrenger, group = start_case(4, phase="casuskeuze")
    _timer(room, action="start")
    _timer(room, action="extend", seconds=600)
    events = room.run(room.facilitator, "advance").events
    phase = METHOD.phases[PHASES.index("vragenronde")]
    fresh = {"running": False, "deadline": None, "remaining": float(phase.minutes * 60)}
    assert events[0].public["timer"] == events[0].private["timer"] == fresh
    assert room.state.timer() == fresh
    for viewer in room.everyone:
        assert room.frames(viewer, events[:1])[0]["timer"] == fresh
        assert room.snapshot(viewer)["timer"] == fresh
    _timer(room, action="start")
    back = room.run(room.facilitator, "back").events[0]
    assert back.public["timer"]["remaining"] == METHOD.phases[PHASES.index("casuskeuze")].minutes * 60
    assert not room.state.timer_running


def test_only_facilitators_run_the_timer() -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    screen = room.join("Scherm", screen=True)
    for who in (inbrenger, group[0], screen):
        for action in ("start", "pause", "extend"):
            room.refused(who, "timer", action=action)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"action": "stop"},
        {"action": "START"},
        {"action": 1},
        {"action": "extend", "seconds": 0},
        {"action": "extend", "seconds": 3601},
        {"action": "extend", "seconds": 1.5},
        {"action": "extend", "seconds": True},
        {"action": "extend", "seconds": "60"},
        {"action": "start", "deadline": 5},
    ],
)
def test_timer_arguments_are_validated(fields: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError) as info:
        command("timer", "t-1", **fields)
    assert info.value.code == errors.INVALID_FIELD
    assert info.value.command_id == "t-1"


def test_timer_extend_accepts_one_second_to_an_hour() -> None:
    assert command("timer", "t", action="extend", seconds=1).args == {"action": "extend", "seconds": 1}
    assert command("timer", "t", action="extend", seconds=3600).args["seconds"] == 3600
    assert command("timer", "t", action="pause").args == {"action": "pause"}


# --------------------------------------------------------------------------- projector screen


def test_hello_may_join_as_a_screen_and_nothing_else() -> None:
    from protocol.messages import parse_hello

    assert parse_hello({"t": "hello", "code": "abc", "name": "Scherm", "as": "screen"}).as_ == "screen"
    assert parse_hello({"t": "hello", "code": "abc", "name": "Anna"}).as_ is None
    for bad in ("facilitator", "participant", "", "SCREEN", 1, None, True):
        with pytest.raises(ProtocolError) as info:
            parse_hello({"t": "hello", "code": "abc", "name": "Scherm", "as": bad})
        assert info.value.code == errors.INVALID_FIELD, bad
    with pytest.raises(ProtocolError) as info:  # a resume has its role already
        parse_hello({"t": "hello", "token": "ABC.x", "as": "screen"})
    assert info.value.code == errors.INVALID_FIELD


def test_a_screen_joins_like_a_participant_with_its_own_role_and_name() -> None:
    room, (anna,) = start(1)
    screen = room.join("Scherm", screen=True)
    ev = room.log[-1]
    assert ev.public == {"participant": {"id": screen.pid, "name": "Scherm", "role": SCREEN, "online": False}}
    assert room.join("scherm", screen=True).name == "scherm (2)"
    assert room.join("Anna", screen=True).name == "Anna (2)"
    for viewer in room.everyone:
        roles = {p["id"]: p["role"] for p in room.snapshot(viewer)["participants"]}
        assert roles[screen.pid] == SCREEN
    room.commit(decide_presence(room.state, screen.pid, True))
    assert room.snapshot(anna)["participants"][2]["online"] is True


def test_a_screen_obeys_the_lock_and_the_room_size() -> None:
    room, _ = start(1)
    room.run(room.facilitator, "lock", locked=True)
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Scherm", identity.token_hash("s"), SCREEN)
    assert info.value.code == errors.ROOM_LOCKED
    room.run(room.facilitator, "lock", locked=False)
    for i in range(limits.MAX_PARTICIPANTS - 3):
        room.join(f"Deelnemer {i}")
    room.join("Scherm", screen=True)  # the 30th person: screens count
    with pytest.raises(RoomError) as info:
        decide_join(room.state, "Scherm", identity.token_hash("s2"), SCREEN)
    assert info.value.code == errors.ROOM_FULL


@pytest.mark.parametrize("phase", PHASES)
def test_every_command_from_a_screen_is_refused(phase: str) -> None:
    room, inbrenger, group = start_case(4, phase="vragenronde")
    room.run(group[0], "ask", text="Vraag")
    screen = room.join("Scherm", screen=True)
    room.goto(phase)
    if phase == "associatieronde":
        room.run(room.facilitator, "deal_cards")
    for t in COMMANDS:
        err = room.refused(screen, t, **sample_args(room, t))
        assert err.detail == "a screen only shows the room"


def test_a_screen_is_not_part_of_the_group() -> None:
    # two askers and a screen: still too few for anonymity
    room, inbrenger, group = start_case(3, phase="casuskeuze")
    screen = room.join("Scherm", screen=True)
    assert screen.pid not in room.state.group()
    room.goto("vragenronde")
    q = room.one(group[0], "ask", text="Wie weet ervan?").public["question"]
    assert q["author"] == group[0].pid
    room.goto("associatieronde")
    holders = [ev.to for ev in room.run(room.facilitator, "deal_cards").events]
    assert sorted(holders) == sorted((m.pid,) for m in group)
    room.goto("adviesronde")
    assert room.state.turn_order == [m.pid for m in group]
    # no card, no turn, no ready, and the vote and case choice are not for it
    assert room.snapshot(screen)["my_card"] is None


def test_a_screen_sees_the_public_room_only() -> None:
    room, inbrenger, group = start_case(5, phase="opening")
    screen = room.join("Scherm", screen=True)
    room.run(group[0], "confirm")
    room.goto("vragenronde")
    qid = room.run(group[0], "ask", text="<zichtbaar>").result["question"]
    hidden = room.run(group[1], "ask", text="<verborgen>").result["question"]
    room.run(room.facilitator, "hide_question", question=hidden, hidden=True)
    room.goto("associatieronde")
    room.run(room.facilitator, "deal_cards")
    room.run(group[0], "perspective", feel="<voel>", think="<denk>")
    for ev in room.log:
        assert not sees_private(ev, screen.pid, SCREEN)
        assert room.frames(screen, [ev])[0] == {"t": ev.t, "seq": ev.seq, **ev.public}
    seen = json.dumps(room.frames(screen))
    snap = room.snapshot(screen)
    dumped = json.dumps(snap)
    for secret in ("<voel>", "<denk>", '"script"'):
        assert secret not in seen and secret not in dumped, secret
    assert not any("role" in f for f in room.frames(screen) if f["t"] == "card_dealt")
    assert "<verborgen>" not in dumped  # (its question_asked frame went out before it was hidden)
    assert [q["id"] for q in snap["questions"]] == [qid]
    assert snap["own_questions"] == snap["own_upvotes"] == snap["confirmed"] == snap["evaluations"] == []
    assert snap["my_card"] is None and snap["my_perspective"] is None and snap["perspectives"] is None
    assert snap["confirmed_count"] == 1 and snap["cards_dealt"] == 4 and snap["perspectives_written"] == 1
    room.run(room.facilitator, "reveal")
    assert room.snapshot(screen)["perspectives"] == room.state.revealed


def test_the_facilitator_can_remove_a_screen() -> None:
    room, (anna,) = start(1)
    screen = room.join("Scherm", screen=True)
    room.refused(anna, "remove", participant=screen.pid)
    assert room.one(room.facilitator, "remove", participant=screen.pid).public == {"participant": screen.pid}
    assert screen.pid not in [p["id"] for p in room.snapshot(anna)["participants"]]
    room.refused(screen, "ready", code=errors.BAD_TOKEN, ready=True)


# --------------------------------------------------------------------------- co-facilitators


def test_add_facilitator_makes_a_participant_a_co_facilitator() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde")
    hidden = room.run(group[0], "ask", text="<verborgen>").result["question"]
    room.run(room.facilitator, "hide_question", question=hidden, hidden=True)
    co = group[1]
    assert "script" not in room.snapshot(co)["phase"]
    ev = room.one(room.facilitator, "add_facilitator", participant=co.pid)
    assert (ev.t, ev.public, ev.private) == ("role_changed", {"participant": co.pid, "role": FACILITATOR}, None)
    co = room.members[co.pid]
    assert co.role == FACILITATOR and room.state.participants[co.pid].role == FACILITATOR
    assert room.facilitator.role == FACILITATOR  # the first one stays
    # the new facilitator sees and does what facilitators do, and no longer gives input
    snap = room.snapshot(co)
    assert "script" in snap["phase"] and hidden in [q["id"] for q in snap["questions"]]
    assert co.pid not in room.state.group()
    room.refused(co, "ask", text="Nog een vraag")
    room.one(co, "hide_question", question=hidden, hidden=False)
    phase = room.run(co, "advance").events[0]
    assert "script" in room.frames(co, [phase])[0]["phase"]
    for viewer in room.everyone:
        roles = {p["id"]: p["role"] for p in room.snapshot(viewer)["participants"]}
        assert roles[co.pid] == FACILITATOR


def test_add_facilitator_refusals() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde")
    screen = room.join("Scherm", screen=True)
    fac = room.facilitator
    room.refused(group[0], "add_facilitator", participant=group[1].pid)  # only facilitators
    room.refused(inbrenger, "add_facilitator", participant=group[1].pid)
    err = room.refused(fac, "add_facilitator", participant=inbrenger.pid)
    assert err.detail == "the inbrenger cannot be a facilitator"
    err = room.refused(fac, "add_facilitator", participant=screen.pid)
    assert err.detail == "a screen cannot be a facilitator"
    err = room.refused(fac, "add_facilitator", participant=fac.pid)
    assert err.detail == "this person is a facilitator already"
    room.run(fac, "add_facilitator", participant=group[0].pid)
    room.refused(fac, "add_facilitator", participant=group[0].pid)
    room.run(fac, "remove", participant=group[2].pid)
    room.refused(fac, "add_facilitator", code=errors.NOT_FOUND, participant=group[2].pid)
    room.refused(fac, "add_facilitator", code=errors.NOT_FOUND, participant="p99")


def test_facilitators_cannot_remove_each_other() -> None:
    room, (anna, bram) = start(2)
    room.run(room.facilitator, "add_facilitator", participant=anna.pid)
    anna = room.members[anna.pid]
    room.refused(anna, "remove", participant=room.facilitator.pid)
    room.refused(room.facilitator, "remove", participant=anna.pid)
    room.one(anna, "remove", participant=bram.pid)


def test_hand_over_swaps_the_roles_in_one_decision() -> None:
    room, inbrenger, group = start_case(5, phase="vragenronde")
    old, new = room.facilitator, group[0]
    decision = room.run(old, "hand_over", cid="h-1", participant=new.pid)
    assert [(ev.t, ev.public) for ev in decision.events] == [
        ("role_changed", {"participant": new.pid, "role": FACILITATOR}),
        ("role_changed", {"participant": old.pid, "role": PARTICIPANT}),
    ]
    assert decision.result == {}
    old, new = room.members[old.pid], room.members[new.pid]
    assert (old.role, new.role) == (PARTICIPANT, FACILITATOR)
    assert [p.id for p in room.state.participants.values() if p.role == FACILITATOR] == [new.pid]
    # re-sent after a reconnect (now as a participant): applied once, the same result
    again = room.run(old, "hand_over", cid="h-1", participant=new.pid)
    assert again.events == [] and again.result == {}
    # the former facilitator is an ordinary participant now
    room.refused(old, "advance")
    room.refused(old, "hand_over", participant=group[1].pid)
    assert old.pid in room.state.group()
    room.one(old, "ask", text="Mag ik ook iets vragen?")
    assert "script" not in room.snapshot(old)["phase"] and "script" in room.snapshot(new)["phase"]
    phase = room.run(new, "advance").events[0]
    assert "script" not in room.frames(old, [phase])[0]["phase"]
    assert "script" in room.frames(new, [phase])[0]["phase"]


def test_hand_over_refusals_leave_the_room_as_it_was() -> None:
    room, inbrenger, group = start_case(4, phase="casuskeuze")
    screen = room.join("Scherm", screen=True)
    fac = room.facilitator
    room.refused(group[0], "hand_over", participant=group[1].pid)
    room.refused(fac, "hand_over", participant=inbrenger.pid)
    room.refused(fac, "hand_over", participant=screen.pid)
    room.refused(fac, "hand_over", participant=fac.pid)
    room.refused(fac, "hand_over", code=errors.NOT_FOUND, participant="p99")
    room.run(fac, "add_facilitator", participant=group[0].pid)
    room.refused(fac, "hand_over", participant=group[0].pid)  # a facilitator already
    room.run(fac, "remove", participant=group[1].pid)
    room.refused(fac, "hand_over", code=errors.NOT_FOUND, participant=group[1].pid)
    assert room.state.participants[fac.pid].role == FACILITATOR


def test_the_former_facilitator_joins_the_turn_order_of_the_next_in_turn_phase() -> None:
    room, inbrenger, group = start_case(4, phase="associatieronde")
    room.run(room.facilitator, "hand_over", participant=group[0].pid)
    order = room.run(room.members[group[0].pid], "advance").events[1]
    assert order.t == "turns"
    # the group in join order: the former facilitator (p1) first, the new one left out
    assert order.public["order"] == ["p1", *(m.pid for m in group[1:])]


def test_a_case_of_someone_who_became_facilitator_cannot_be_chosen() -> None:
    room, (anna, bram, chris) = start(3)
    room.goto("casuskeuze")
    case = room.run(anna, "propose_case", title="T", question="V").result["case"]
    room.run(room.facilitator, "add_facilitator", participant=anna.pid)
    err = room.refused(room.facilitator, "choose_case", case=case)
    assert err.detail == "the proposer of this case is a facilitator now"


def test_the_reveal_shuffles_the_perspectives_with_the_rooms_randomness() -> None:
    """The reveal releases what was written in an order drawn from the engine's rng, so the
    order of writing gives no one away: every reveal is a permutation of what was written,
    and over many seeds the orders differ from the writing order and from each other."""
    orders = []
    for seed in range(30):
        room, _, group = start_case(7, phase="associatieronde", seed=seed)
        room.run(room.facilitator, "deal_cards")
        written = []
        for i, member in enumerate(group):
            room.run(member, "perspective", feel=f"voel-{i}", think=f"denk-{i}")
            written.append(f"voel-{i}")
        revealed = [p["feel"] for p in room.one(room.facilitator, "reveal").public["perspectives"]]
        assert sorted(revealed) == sorted(written) and len(revealed) == len(written)
        orders.append(tuple(revealed))
    assert sum(order != tuple(written) for order in orders) >= 25  # 6! orders: rarely the same
    assert len(set(orders)) >= 20


# --------------------------------------------------------------------------- auto-advance


def _running_timer(room: Room, seconds: float = 60) -> float:
    """Start the phase timer so that it runs out `seconds` from now; returns the deadline."""
    room.state.timer_remaining = 0.0  # (the harness's shortcut to a short timer)
    room.run(room.facilitator, "timer", action="extend", seconds=int(seconds))
    room.run(room.facilitator, "timer", action="start")
    assert room.state.timer_deadline == room.now + seconds
    return room.state.timer_deadline


def test_auto_advance_is_a_facilitator_setting_seen_by_everyone() -> None:
    room, (anna, *_) = start(3)
    assert all(room.snapshot(m)["auto_advance"] is False for m in room.everyone)
    room.refused(anna, "auto_advance", on=True)
    ev = room.one(room.facilitator, "auto_advance", on=True)
    assert (ev.t, ev.public, ev.private) == ("auto_advance", {"on": True}, None)
    assert room.run(room.facilitator, "auto_advance", on=True).events == []  # on already
    assert all(room.snapshot(m)["auto_advance"] is True for m in room.everyone)
    room.goto("opening")
    assert room.state.auto_advance  # a room setting: it stays on from phase to phase


def test_a_timer_that_runs_out_advances_once_when_auto_advance_is_on() -> None:
    room, (anna, *_) = start(3)
    room.goto("opening")
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, 1, deadline + 5).events == []  # auto-advance is off
    room.run(room.facilitator, "auto_advance", on=True)
    assert decide_auto_advance(room.state, 1, deadline - 0.001).events == []  # not yet
    assert decide_auto_advance(room.state, 2, deadline + 5).events == []  # asked for another phase
    (ev,) = room.commit(decide_auto_advance(room.state, 1, deadline)).events
    assert ev.t == "phase" and ev.public["by"] == ev.private["by"] == "timer"
    assert ev.public["phase"]["index"] == 2 and "script" in ev.private["phase"]
    assert room.state.phase == 2 and not room.state.timer_running
    # every other process that asks for the same deadline, now or after a restart: nothing
    assert decide_auto_advance(room.state, 1, deadline + 1).events == []
    assert decide_auto_advance(room.state, 2, deadline + 3600).events == []  # the new timer is not running
    by_hand = room.run(room.facilitator, "back").events[0]
    assert by_hand.public["by"] == "facilitator"


def test_auto_advance_keeps_the_rules_of_advancing_and_needs_a_running_timer() -> None:
    room, (anna, *_) = start(3)
    room.run(room.facilitator, "auto_advance", on=True)
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, 0, deadline + 1).events == []  # never out of the lobby
    room.goto("casuskeuze")
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, 2, deadline + 1).events == []  # no inbrenger yet
    room.run(room.facilitator, "timer", action="pause")
    case = room.run(anna, "propose_case", title="T", question="V").result["case"]
    room.run(room.facilitator, "choose_case", case=case)
    assert decide_auto_advance(room.state, 2, deadline + 3600).events == []  # paused
    room.run(room.facilitator, "timer", action="start")
    assert [e.t for e in decide_auto_advance(room.state, 2, room.now + 3600).events] == ["phase"]
    room.goto("afsluiting")
    deadline = _running_timer(room)
    assert decide_auto_advance(room.state, room.state.phase, deadline + 1).events == []  # the last phase
    room.run(room.facilitator, "end")
    assert decide_auto_advance(room.state, room.state.phase, deadline + 1).events == []


def test_an_extended_timer_is_not_advanced_at_its_old_deadline() -> None:
    room, _ = start(3)
    room.goto("opening")
    room.run(room.facilitator, "auto_advance", on=True)
    old = _running_timer(room)
    room.run(room.facilitator, "timer", action="extend", seconds=120)
    assert decide_auto_advance(room.state, 1, old + 1).events == []
    assert len(decide_auto_advance(room.state, 1, old + 120).events) == 1
