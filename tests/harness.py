"""The pure-engine room harness: the room engine driven through `decide` / `apply` with the
memory backend's commit, and the members who send it commands; `start_case` brings such a
room to any phase in one call (by tests/route.py). Shared by the engine's unit tests, its
property test, the backend tests and the protocol document's tests, so that each builds
rooms the same way."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from protocol import errors, limits
from protocol.messages import Command, parse_command
from server.rooms import identity
from server.rooms.engine import Decision, apply, decide, decide_join, decide_presence, new_room
from server.rooms.events import Actor, Event, RoomError
from server.rooms.method import DEFAULT_METHOD, load
from server.rooms.state import FACILITATOR, PARTICIPANT, SCREEN, RoomState
from server.rooms.views import frame, snapshot

from .commands import Ids, well_formed
from .route import CASE, Case, Route, Step, follow, route
from .route import EVERYONE as BY_EVERYONE
from .route import FACILITATOR as BY_FACILITATOR
from .walk import strings

METHOD = load(DEFAULT_METHOD)
PHASES = [p.id for p in METHOD.phases]
NAMES = ["Anna", "Bram", "Chantal", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Ilse", "Joost"]
PEOPLE = list(CASE.people)


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
        terugblik: bool = False,
    ) -> None:
        self.state: RoomState = new_room(
            "KRNG23",
            "epoch-1",
            identity.token_hash(facilitator_token),
            method_id=DEFAULT_METHOD,
            language=language,
            anonymous_questions=anonymous_questions,
            max_participants=max_participants,
            terugblik=terugblik,
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

    def presence(self, who: Member, online: bool, at: float | None = None) -> list[Event]:
        """A first connection opened or a last one closed, at server time `at`."""
        return self.commit(decide_presence(self.state, who.pid, online, self.now if at is None else at)).events

    def join(
        self, name: str, token: str | None = None, *, screen: bool = False, ticket: str | None = None,
        knock: str | None = None, now: float | None = None,
    ) -> Member:  # fmt: skip
        token = token or f"token-{len(self.members) + 1}-{name}"
        role = SCREEN if screen else PARTICIPANT
        at = self.now if now is None else now
        join = decide_join(self.state, name, identity.token_hash(token), role, ticket=ticket, knock=knock, now=at)
        decision = self.commit(join)
        pid = decision.result["participant"]
        member = Member(pid, self.state.participants[pid].name, token, role)
        self.members[pid] = member
        return member

    def knock(self, name: str, secret: str | None = None, *, now: float | None = None) -> tuple[str, Decision]:
        """A latecomer at the locked room, as ws.py hands them in: with a fresh secret to
        knock with, and `secret` (of an earlier knock) to ask again. Returns the fresh
        secret and the decision: a `knocked` event, or the join once they were let in."""
        fresh = identity.new_knock_secret()
        at = self.now if now is None else now
        token = f"token-{len(self.members) + 1}-{name}"
        join = decide_join(
            self.state, name, identity.token_hash(token), knock=secret, new_knock=identity.knock_hash(fresh), now=at
        )
        decision = self.commit(join)
        if "participant" in decision.result:
            pid = decision.result["participant"]
            self.members[pid] = Member(pid, self.state.participants[pid].name, token, PARTICIPANT)
        return fresh, decision

    def run(self, who: Member, t: str, *, cid: str | None = None, now: float | None = None, **fields: Any) -> Decision:
        cmd = command(t, cid or f"cmd-{next(self._ids)}", **fields)
        return self.commit(decide(self.state, who.actor, cmd, self.rng, self.now if now is None else now))

    def refused(self, who: Member, t: str, code: str = errors.NOT_ALLOWED, **fields: Any) -> RoomError:
        """Run a command that must fail with `code` and leave the room as it was."""
        before = self.state.clone()
        with pytest.raises(RoomError) as info:
            self.run(who, t, **fields)
        assert info.value.code == code, f"{t} by {who.pid}: {info.value}"
        assert self.state == before
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
        """To `phase_id` and nothing else: advancing or going back one phase at a time."""
        self.follow(route(self.state.method, self.state.phase, phase_id, None), self.facilitator)

    def follow(self, steps: Route, inbrenger: Member) -> None:
        """Run a route (tests/route.py): the facilitator's steps, the inbrenger's, and the
        confirmation of every participant who has not yet confirmed."""

        def run(s: Step) -> dict[str, Any]:
            if s.by == BY_EVERYONE:
                for m in self.everyone:
                    p = self.state.active(m.pid)
                    if p is not None and p.role == PARTICIPANT and m.pid not in self.state.confirmed:
                        self.run(m, s.t, **s.args)
                return {}
            return self.run(self.facilitator if s.by == BY_FACILITATOR else inbrenger, s.t, **s.args).result

        follow(steps, run)

    @property
    def everyone(self) -> list[Member]:
        return list(self.members.values())


def turn_order(room: Room) -> list[str]:
    return room.state.current_turns().order


def cards(room: Room, phase: str = "associatieronde") -> dict[str, str]:
    """Who holds which card: by participant id, whether the deal was public or private
    (then worked out from each member's own tag, as only their connection could)."""
    deal = room.state.deals[phase]
    if deal.public:
        return dict(deal.holders)
    tags = {identity.card_tag(m.actor.anon_key, phase): m.pid for m in room.everyone}
    return {tags[key]: card for key, card in deal.holders.items()}


def role_name(room: Room, card_id: str, phase: str = "associatieronde") -> str:
    return room.state.deals[phase].card(card_id)["name"][room.state.language]


def draw(room: Room, members: Iterable[Member]) -> dict[str, str]:
    """Each member takes their private card; returns pid -> card id, from the acks."""
    return {m.pid: room.run(m, "draw_card").result["card"] for m in members}


def start(n: int = 4, **room_args: Any) -> tuple[Room, list[Member]]:
    room = Room(**room_args)
    return room, [room.join(name) for name in NAMES[:n]]


def start_case(
    n: int = 4,
    phase: str = "casuskeuze",
    people: list[str] | None = None,
    method: str | None = None,
    *,
    method_toml: str | None = None,
    case: Case | None = None,
    **room_args: Any,
) -> tuple[Room, Member, list[Member]]:
    """A room with n participants, the first one's case chosen and shared, in `phase` (of
    `method`, or of the facilitator's own `method_toml`; drie-rondes unless named): the
    engine's room at any phase in one call. `case`: another case than tests/route.py's.

    Returns the room, the inbrenger and the group (the other participants).
    """
    room, members = start(n, **room_args)
    if method is not None or method_toml is not None:
        own = {"method": method} if method_toml is None else {"method_toml": method_toml}
        room.run(room.facilitator, "set_method", **own)
    if case is None:
        case = CASE if people is None else dataclasses.replace(CASE, people=tuple(people))
    room.follow(route(room.state.method, room.state.phase, phase, case), members[0])
    return room, members[0], members[1:]


def assert_no_trace(obj: Any, member: Member) -> None:
    """Neither the member's id, name, token nor anything derived from it is in obj."""
    found = set(strings(obj))
    assert member.pid not in found
    assert member.name not in found
    dumped = json.dumps(obj, default=repr)
    for secret in member.secrets():
        assert secret not in dumped


def sample_args(room: Room, t: str) -> dict[str, Any]:
    """Well-formed arguments for any command, naming real items where there are any."""
    s, none = room.state, Ids()
    target = next((p.id for p in s.participants.values() if p.role == PARTICIPANT and not p.removed), none.participant)
    ids = Ids(
        case=next(iter(s.cases), none.case),
        question=next(iter(s.questions), none.question),
        participant=target,
        note=next(iter(s.notes), none.note),
        advice=next((a.id for a in s.advice), none.advice),
        knock=next(iter(s.knocks), none.knock),
    )
    return well_formed(t, ids)
