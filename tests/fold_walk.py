"""Fold timelines from the pure engine: random but valid sessions, seen by every viewer.

A walk runs one room of one method through the engine harness (tests/harness.py: joins,
commands, presence, the timer's auto-advance), as the server would, with a seeded random
choice of who does what: mostly what the phase asks for, sometimes something else (a join, a screen
with its ticket, a co-facilitator, a hand-over, a take-over after the facilitator left, a
removal, a step back, a timer that runs out, the next case, the end). Refused commands
are skipped: the point is the events, as each viewer receives them.

Every member present is followed as a viewer, with a check every few steps (see
tests/fold_fixture.py for what a timeline holds); tests/fold_select.py keeps the few
cases that matter. A viewer whose own role changes gets a fresh snapshot on the wire (close
4011, then a resume without seq); so does the timeline: it ends before that decision and
a new one starts after it. A removed viewer's timeline ends.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from server.rooms import identity
from server.rooms.engine import FACILITATOR_CLAIM_AFTER, Decision, decide_auto_advance
from server.rooms.events import RoomError
from server.rooms.method import available
from server.rooms.state import FACILITATOR, PARTICIPANT, SCREEN, RoomState
from server.rooms.views import frame, sees_anew, snapshot, withheld

from .commands import Ids, well_formed
from .harness import NAMES, Room

PEOPLE = ["de collega", "de teamleider", "de klant", "mijn partner"]
RATINGS = ["warm", "lauw", "koud"]
#: the commands that give each input a phase accepts (Phase.accepts keys)
INPUTS = {
    "confirm": ["confirm"],
    "cases": ["propose_case", "vote", "vote", "withdraw_case"],
    "case_text": ["share_case"],
    "questions": ["ask", "ask", "upvote", "upvote", "withdraw_question", "mark_answered", "rate_question", "answering"],
    "essence": ["essence"],
    "perspectives": ["draw_card", "perspective", "perspective"],
    "advice": ["advice", "advice", "pass_turn"],
    "response": ["respond", "rate_advice"],
    "takeaway": ["takeaway", "summary", "summary_kept"],
    "evaluation": ["evaluate", "ready", "worth"],
    "notes": ["note", "note", "withdraw_note"],
}
#: facilitator commands that fit any phase, and how often each comes up
FACILITATING = ["timer"] * 4 + ["pass_turn", "hide_question", "deal_cards", "reveal", "close_vote", "choose_case"] * 2
FACILITATING += ["lock", "auto_advance", "screen_ticket", "back", "remove", "add_facilitator", "hand_over"]
FACILITATING += ["set_method"]
FACILITATING += ["give_floor", "take_floor", "online_first", "set_call_link"]
#: how many steps (frames and acks) a viewer gets between two checks: one fold case
WINDOW = (10, 40)
STEPS = 400  # at most, per walk: most end the meeting sooner
#: events after which a viewer needs a fresh snapshot (close 4011) or has no room left
ROLE_EVENTS = ("role_changed", "removed")


def wire(obj: Any) -> Any:
    """As a client receives it: through a codec, so no tuples and no shared objects."""
    return json.loads(json.dumps(obj))


@dataclass
class Viewer:
    """One member followed: the timeline being written, and when its next check is due."""

    pid: str
    line: dict[str, Any]
    due: int  # the length of the timeline at which its next check comes


class ViewedRoom(Room):
    """The engine harness's room (tests/harness.py), whose every decision also reaches the
    walk's viewers: frames to each, the ack to its author (`ack`, set by Walk.run)."""

    def __init__(self, walk: Walk, seed: int, **room: Any) -> None:
        super().__init__(seed=seed, **room)
        self.walk = walk
        self.ack: dict[str, Any] | None = None

    def commit(self, decision: Decision) -> Decision:
        self.walk.deliver(decision, lambda: super(ViewedRoom, self).commit(decision), self.ack)
        return decision


@dataclass
class Walk:
    """One room of one method, walked by a seeded random choice; a timeline per viewer."""

    method: str
    seed: int
    room: ViewedRoom = field(init=False)
    viewers: dict[str, Viewer] = field(default_factory=dict)
    timelines: list[dict[str, Any]] = field(default_factory=list)
    ids: int = 0
    knocks: dict[str, str] = field(default_factory=dict)  # a latecomer's name -> the secret of their knock
    done_in_phase: int = 0
    proof: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        seed = zlib.crc32(f"{self.method}/{self.seed}".encode())  # the room's randomness and the walk's
        self.room = ViewedRoom(self, seed, anonymous_questions=seed % 10 < 7, language=("nl", "en")[seed // 10 % 2])
        self.follow("p1")

    @property
    def state(self) -> RoomState:
        return self.room.state

    @property
    def rng(self) -> Any:
        return self.room.rng

    # ------------------------------------------------------------------ viewers

    def role(self, pid: str) -> str:
        return self.state.participants[pid].role

    def follow(self, pid: str) -> None:
        kind = "inbrenger" if pid == self.state.inbrenger else self.role(pid)
        name = f"{self.method} walk {self.seed}: {pid} as {kind} from seq {self.state.seq}"
        line = {"name": name, "me": pid, "seq": self.state.seq, "snapshot": self._snapshot(pid), "steps": []}
        self.viewers[pid] = Viewer(pid, line, self.rng.randint(*WINDOW))

    def _snapshot(self, pid: str) -> dict[str, Any]:
        return wire(snapshot(self.state, self.room.members[pid].actor))

    def check(self, v: Viewer) -> None:
        rec = {"seq": self.state.seq, "snapshot": self._snapshot(v.pid)}
        if self.state.ended:
            rec |= {"ended": True, "proof": self.proof}
        v.line["steps"].append({"check": rec})
        v.due = len(v.line["steps"]) + self.rng.randint(*WINDOW)

    def unfollow(self, pid: str) -> None:
        v = self.viewers.pop(pid)
        if v.line["steps"] and "check" not in v.line["steps"][-1]:
            self.check(v)
        if any("check" in s for s in v.line["steps"]):
            self.timelines.append(v.line)

    # ------------------------------------------------------------------ the room

    def deliver(self, decision: Decision, commit: Any, ack: dict[str, Any] | None) -> None:
        """Apply the decision (`commit`) and hand each viewer its frames, and its author the
        ack: mostly after the events, sometimes before them (on a server with Redis the
        events come back through pub/sub, the ack goes straight out)."""
        touched = {ev.public["participant"] for ev in decision.events if ev.t in ROLE_EVENTS}
        held = {pid: withheld(self.state, pid) for pid in self.viewers}
        touched |= {  # who confirmed the agreement, or whom a method change shows the room anew
            pid for ev in decision.events for pid in self.viewers if sees_anew(ev, pid, self.role(pid), held[pid])
        }
        unfollowed = touched & set(self.viewers)
        for pid in sorted(unfollowed):
            self.unfollow(pid)
        author = self.viewers.get(ack["by"]) if ack else None  # not one whose role changed: a new snapshot says it
        step = {"ack": {k: v for k, v in ack.items() if k != "by"} | {"result": wire(decision.result)}} if ack else {}
        early = author is not None and self.rng.random() < 0.25
        if author is not None and early:
            author.line["steps"].append(step)
        for i, ev in enumerate(decision.events):
            ev.seq = self.state.seq + 1 + i
            for v in self.viewers.values():
                v.line["steps"].append({"event": wire(frame(ev, v.pid, self.role(v.pid), held[v.pid]))})
            if ev.t == "ended":
                self.proof = wire(ev.public.get("proof"))
        commit()
        if author is not None and not early:
            author.line["steps"].append(step)
        for pid in sorted(unfollowed):
            if self.state.active(pid) is not None:
                self.follow(pid)
        for v in self.viewers.values():
            if self.state.ended or len(v.line["steps"]) >= v.due:
                self.check(v)

    def run(self, pid: str, t: str, args: dict[str, Any] | None = None) -> Decision | None:
        """Send a command as `pid`; None if the room refuses it."""
        if args is None:
            args = self.args(pid, t)
        self.room.now += self.rng.choice([3.0, 7.25, 30.0])
        self.room.ack = {"by": pid, "command": t, "args": wire(args)}
        phase = self.state.phase
        try:
            decision = self.room.run(self.room.members[pid], t, **args)
        except RoomError:
            return None
        finally:
            self.room.ack = None
        if self.state.phase != phase:
            self.done_in_phase = 0
        return decision

    def join(self, screen: bool = False, ticket: str | None = None) -> None:
        name = "Scherm" if screen else self.rng.choice(NAMES[:8])
        if self.state.locked and not screen:
            return self.knock(name)
        try:
            member = self.room.join(name, screen=screen, ticket=ticket)
        except RoomError:
            return
        self.follow(member.pid)

    def knock(self, name: str) -> None:
        """A latecomer at the locked room knocks (or asks again with an earlier knock); a
        facilitator mostly lets them in, sometimes turns them away or leaves them waiting;
        then they ask again, as their page does."""
        for _ in range(2):
            try:
                secret, decision = self.room.knock(name, self.knocks.get(name))
            except RoomError:  # still waiting, or turned away
                return
            if "participant" in decision.result:
                self.knocks.pop(name, None)
                return self.follow(decision.result["participant"])
            self.knocks[name] = secret
            roll, kid = self.rng.random(), decision.result["knock"]
            if roll < 0.6:
                self.run(self.leader(), "let_in", {"knock": kid})
            elif roll < 0.8:
                self.run(self.leader(), "turn_away", {"knock": kid})

    # ------------------------------------------------------------------ choices

    def active(self, role: str | None = None) -> list[str]:
        return [p.id for p in self.state.participants.values() if not p.removed and role in (None, p.role)]

    def leader(self) -> str:
        return self.rng.choice(self.active(FACILITATOR))

    def args(self, pid: str, t: str) -> dict[str, Any]:
        """Well-formed arguments (tests/commands.py), naming real items mostly, with texts
        of their own and the choices a command offers drawn at random."""
        s, rng = self.state, self.rng
        pick = lambda items, missing: rng.choice(list(items)) if items and rng.random() < 0.9 else missing  # noqa: E731
        people = self.active(PARTICIPANT)
        ids = Ids(
            case=pick(s.cases, "c99"), question=pick(s.questions, "q99"), note=pick(s.notes, "n99"),
            advice=pick([a.id for a in s.advice], "a99"), knock=pick(s.knocks, "k99"),
            participant=pick(people + self.active(SCREEN) if t == "remove" else people, "p99"),
        )  # fmt: skip
        args = well_formed(t, ids)
        self.ids += 1
        text = f"<{t}-{self.ids}>"
        yes = rng.random() < 0.8
        return args | {
            "lock": {"locked": not s.locked},
            "auto_advance": {"on": not s.auto_advance},
            "online_first": {"on": not s.hands.online_first},
            "set_place": {"place": rng.choice(["room", "online"])},
            "set_call_link": {"url": rng.choice(["https://meet.example.org/kring", None])},
            "hide_question": {"hidden": rng.random() < 0.6},
            "upvote": {"on": yes},
            "mark_answered": {"answered": yes},
            "ready": {"ready": yes},
            "list_me": {"listed": yes},
            "rate_question": {"rating": rng.choice([*RATINGS, None])},
            "rate_advice": {"rating": rng.choice([*RATINGS, None])},
            "timer": {"action": rng.choice(["start", "start", "pause", "extend"])},
            "set_method": {"method": rng.choice(available())},
            "evaluate": {"score": rng.randint(1, 5), "line": text},
            # from the count, not the rng: the walks of the other commands stay as they were
            "worth": {"worth": 1 + self.ids % 5, "process": ["ja", "grotendeels", "nee", None][self.ids % 4]},
            "propose_case": {"title": text, "question": text + "?"},
            "share_case": {"text": text, "people": rng.sample(PEOPLE, rng.randint(1, 4))},
            "perspective": {"texts": [f"{text}-{i}" for i in range(self._fields(pid))]},
        }.get(t, {"text": text} if "text" in args else {})

    def _fields(self, pid: str) -> int:
        """How many texts the card `pid` holds in this phase asks for (2 if none)."""
        phase = self.state.current_phase
        deal = self.state.deals.get(phase.id)
        if deal is None:
            return 2
        key = pid if deal.public else identity.card_tag(self.room.members[pid].actor.anon_key, phase.id)
        card = deal.holders.get(key)
        return len(deal.card(card)["fields"]) if card else 2

    def input_step(self) -> None:
        """Someone gives what the phase asks for: mostly the right person, sometimes not."""
        s = self.state
        accepts = s.current_phase.accepts
        if not accepts:
            return
        what = self.rng.choice(list(accepts))
        t = self.rng.choice(INPUTS[what])
        phase = s.current_phase
        if phase.deck and (phase.id not in s.deals or self.rng.random() < 0.1):
            self.run(self.leader(), "deal_cards")  # a late joiner's card, if public
        elif phase.hidden_until_reveal and self.rng.random() < 0.1:
            self.run(self.leader(), "reveal")
        turns = s.current_turns()
        people = s.group() if accepts[what] == "group" else self.active(PARTICIPANT)
        if not people:
            return
        if phase.in_turn and not turns.done and self.rng.random() < 0.8:
            pid = turns.order[turns.current]
        elif (accepts[what] == "inbrenger" or t in ("mark_answered", "rate_question", "answering")) and s.inbrenger:
            pid = s.inbrenger
        else:
            pid = self.rng.choice(people)
        if self.run(pid, t) is not None:
            self.done_in_phase += 1

    def system_step(self) -> None:
        """What happens around the commands: comings and goings, a timer that runs out."""
        s, roll = self.state, self.rng.random()
        if roll < 0.25 and len(self.active()) < 8:
            self.join(screen=self.rng.random() < 0.25)
        elif roll < 0.35:
            decision = self.run(self.leader(), "screen_ticket")
            if decision is not None:
                self.join(screen=True, ticket=decision.result["ticket"])
        elif roll < 0.75:
            pid = self.rng.choice(self.active())
            self.room.presence(self.room.members[pid], not s.participants[pid].online)
        elif roll < 0.8:
            self.take_over()
        else:  # the timer of a phase with auto-advance on runs out
            fac = self.leader()
            if s.phase == 0 or (not s.auto_advance and self.run(fac, "auto_advance", {"on": True}) is None):
                return
            if not s.timer_running:
                self.run(fac, "timer", {"action": "start"})
            if s.timer_deadline is not None:
                self.room.now = max(self.room.now, s.timer_deadline + 1)
                phase = s.phase
                self.room.commit(decide_auto_advance(s, phase, self.room.now))
                if s.phase != phase:
                    self.done_in_phase = 0

    def take_over(self) -> None:
        """Every facilitator goes; after a while a participant takes the lead."""
        s = self.state
        for pid in self.active(FACILITATOR):
            self.room.presence(self.room.members[pid], False)
        self.room.now += FACILITATOR_CLAIM_AFTER + 1
        others = [p for p in self.active(PARTICIPANT) if p != s.inbrenger]
        if others:
            self.run(self.rng.choice(others), "claim_facilitator")

    def unblock(self) -> None:
        """The room cannot move on without a case: propose one, choose one, share it."""
        s = self.state
        people = [p for p in self.active(PARTICIPANT) if p != s.inbrenger]
        if s.inbrenger is None:
            cases = [c.id for c in s.cases.values() if c.proposer in people]
            if cases:
                self.run(self.leader(), "choose_case", {"case": self.rng.choice(cases)})
            elif people:
                self.run(self.rng.choice(people), "propose_case")
        elif s.case_text is None:
            self.run(s.inbrenger, "share_case")

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.6 and self.done_in_phase < self.rng.randint(8, 20):
            self.input_step()
        elif roll < 0.63 or self.done_in_phase >= 8 and roll < 0.65:
            if self.run(self.leader(), "advance") is None:
                self.unblock()
        elif roll < 0.82:
            self.run(self.leader(), self.rng.choice(FACILITATING))
        elif roll < 0.9:
            self.system_step()
        else:
            pid = self.rng.choice(self.active())
            everyone = ["list_me", "ready", "proof", "summary", "summary_kept", "rate_advice"]
            everyone += ["raise_hand", "set_place", "raise_hand", "lower_hand"]  # any round (rules/hybrid.py)
            self.run(pid, self.rng.choice(everyone))

    def walk(self, steps: int) -> list[dict[str, Any]]:
        """Play up to `steps` steps, through one case or two, end the meeting, and return
        the timelines."""
        for _ in range(self.rng.randint(3, 5)):
            self.join()
        if self.rng.random() < 0.5:
            self.join(screen=True)
        if self.method != self.state.method_id:
            self.run("p1", "set_method", {"method": self.method})
        for _ in range(steps):
            self.step()
            s = self.state
            if s.phase == len(s.method.phases) - 1 and self.done_in_phase > 10:
                if s.cases_done or self.run(self.leader(), "next_case") is None:
                    break  # a second case, or the end
        while not self.state.ended:
            self.run(self.leader(), "end")
        for pid in list(self.viewers):
            self.unfollow(pid)
        return self.timelines


def walks(seeds: range) -> list[dict[str, Any]]:
    """The timelines of every member, in walks through every shipped method."""
    return [line for seed in seeds for method in available() for line in Walk(method, seed).walk(STEPS)]
