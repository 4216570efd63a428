"""Commands -> events (`decide`) and events -> state (`apply`). Pure: no I/O, no clock.

Randomness (card dealing, reveal shuffle) and the time (the phase timer) come in as
arguments and their outcome is written into the events, so replaying a log always gives
the same state.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from protocol import errors, limits
from protocol.messages import TIMER_EXTEND_DEFAULT, Command

from . import identity
from .events import FACILITATORS, Actor, Event, RoomError
from .method import MethodError, Phase, available, from_toml, load
from .state import (
    APPLIED_MEMORY,
    FACILITATOR,
    PARTICIPANT,
    SCREEN,
    Advice,
    Case,
    Note,
    Participant,
    Question,
    RoomState,
)

MIN_ANONYMOUS_GROUP = 3  # with fewer askers, "anonymous" would name the author anyway

SELF_ROLE = {"nl": "De inbrenger zelf", "en": "The inbrenger themself"}


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler gets from outside the room: randomness, and the server clock."""

    rng: random.Random
    now: float = 0.0  # server unix time in seconds when the command arrived


@dataclass(slots=True)
class Decision:
    events: list[Event] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)  # goes back in the ack


def new_room(
    code: str,
    epoch: str,
    facilitator_token_hash: str,
    *,
    method_id: str,
    method_toml: str | None = None,
    language: str = "nl",
    anonymous_questions: bool = True,
    facilitator_name: str = "Procesbegeleider",
    max_participants: int = limits.MAX_PARTICIPANTS,
) -> RoomState:
    state = RoomState(
        code=code,
        epoch=epoch,
        method_id=method_id,
        method_toml=method_toml,
        language=language,
        anonymous_questions=anonymous_questions,
        max_participants=max_participants,
    )
    state.participants["p1"] = Participant("p1", facilitator_name, FACILITATOR, facilitator_token_hash)
    state.counter = 1
    _reset_timer(state)
    return state


def fresh_timer(phase: Phase) -> dict[str, Any]:
    """The timer of a phase just entered: stopped, with the phase's suggested duration."""
    return {"running": False, "deadline": None, "remaining": float(phase.minutes * 60)}


def _reset_timer(s: RoomState) -> None:
    t = fresh_timer(s.current_phase)
    s.timer_running, s.timer_deadline, s.timer_remaining = t["running"], t["deadline"], t["remaining"]


def dedup_key(actor: Actor, command_id: str) -> str:
    """Key under which a command's result is remembered; unlinkable to the actor."""
    return identity.tag(actor.anon_key, "cmd:" + command_id)


def find_participant(state: RoomState, token_hash: str) -> Participant | None:
    for p in state.participants.values():
        if p.token_hash == token_hash:
            return p
    return None


# --------------------------------------------------------------------------- system


def decide_join(state: RoomState, name: str, token_hash: str, role: str = PARTICIPANT) -> Decision:
    """A join by code; `role` is PARTICIPANT, or SCREEN for a read-only projector."""
    if role not in (PARTICIPANT, SCREEN):
        raise ValueError(role)
    if state.ended:
        raise RoomError(errors.UNKNOWN_ROOM, "this room has ended")
    if state.locked:
        raise RoomError(errors.ROOM_LOCKED, "the room is locked")
    if sum(1 for p in state.participants.values() if not p.removed) >= state.max_participants:
        raise RoomError(errors.ROOM_FULL, f"at most {state.max_participants} participants")
    taken = {p.name.casefold() for p in state.participants.values() if not p.removed}
    unique, n = name, 1
    while unique.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        unique = name[: limits.MAX_NAME - len(suffix)] + suffix
    pid = state.new_id("p")
    rec = Participant(pid, unique, role, token_hash).public()
    ev = Event("joined", {"participant": rec}, internal={"token_hash": token_hash})
    return Decision([ev], {"participant": pid})


def decide_presence(state: RoomState, pid: str, online: bool) -> Decision:
    p = state.active(pid)
    if p is None or p.online == online or state.ended:
        return Decision()
    return Decision([Event("presence", {"participant": pid, "online": online})])


def decide_auto_advance(state: RoomState, phase: int, now: float) -> Decision:
    """The phase timer of `phase` has run out (`now` is the server clock): advance as the
    facilitator's `advance` would, if they turned auto-advance on. Asked by the server
    itself at the deadline, by every process that holds the room and by any that loads it
    later, so it acts only while the room is still in `phase` with its timer running and
    past its deadline: at most once. Never out of the lobby: the facilitator starts."""
    s = state
    if s.ended or not s.auto_advance or s.phase != phase or phase == 0:
        return Decision()
    if not s.timer_running or s.timer_deadline is None or now < s.timer_deadline:
        return Decision()
    try:
        nxt = _next_phase(s)
    except RoomError:  # the last phase, or no inbrenger yet: the timer just overruns
        return Decision()
    return Decision(_phase_events(s, nxt, by="timer"))


# --------------------------------------------------------------------------- commands


def _deny(detail: str) -> RoomError:
    return RoomError(errors.NOT_ALLOWED, detail)


def _missing(what: str) -> RoomError:
    return RoomError(errors.NOT_FOUND, f"no such {what}")


def _is_fac(state: RoomState, pid: str) -> bool:
    p = state.active(pid)
    return p is not None and p.role == FACILITATOR


def _require_fac(state: RoomState, actor: Actor) -> None:
    if not _is_fac(state, actor.pid):
        raise _deny("only the facilitator can do this")


def _require_input(state: RoomState, actor: Actor, what: str) -> Phase:
    """The generic rule: the phase must accept this input from the actor's part in it."""
    phase = state.current_phase
    who = phase.accepts.get(what)
    if who is None:
        raise _deny(f"{what.replace('_', ' ')} is not possible in the phase '{phase.id}'")
    p = state.active(actor.pid)
    if p is None or p.role != PARTICIPANT:
        raise _deny("only participants can do this")
    is_inbrenger = actor.pid == state.inbrenger
    if who == "inbrenger" and not is_inbrenger:
        raise _deny("only the inbrenger can do this")
    if who == "group" and is_inbrenger:
        raise _deny("the inbrenger listens in this part")
    if is_inbrenger and phase.inbrenger != "speaks":
        if what != "response":
            raise _deny(f"the inbrenger {phase.inbrenger} in this phase")
        if phase.in_turn and not _turns_done(state):
            raise _deny("the inbrenger listens and responds after the last turn")
    return phase


def _turns_done(state: RoomState) -> bool:
    return state.turn >= len(state.turn_order)


def _cmd_marker(events: list[Event], key: str, result: dict) -> None:
    first = events[0]
    first.internal = {**(first.internal or {}), "cmd": [key, result]}


def decide(state: RoomState, actor: Actor, cmd: Command, rng: random.Random, now: float = 0.0) -> Decision:
    """Check a command against role and phase; return the events it causes and its result.

    `now` is the server's unix time in seconds when the command arrived (the phase timer).
    """
    if state.ended:
        raise RoomError(errors.UNKNOWN_ROOM, "this room has ended")
    me = state.active(actor.pid)
    if me is None:
        raise RoomError(errors.BAD_TOKEN, "you are no longer in this room")
    key = dedup_key(actor, cmd.id)
    if key in state.applied:
        return Decision([], state.applied[key])
    if me.role == SCREEN:
        raise _deny("a screen only shows the room")
    handler = _HANDLERS[cmd.t]
    decision = handler(state, actor, cmd.args, Context(rng, now))
    if decision.events:
        _cmd_marker(decision.events, key, decision.result)
    return decision


def _lock(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if s.locked == args["locked"]:
        return Decision()
    return Decision([Event("locked", {"locked": args["locked"]})])


def _remove(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    target = s.active(args["participant"])
    if target is None:
        raise _missing("participant")
    if target.role == FACILITATOR:
        raise _deny("a facilitator cannot be removed")
    return Decision([Event("removed", {"participant": target.id})])


def _phase_events(s: RoomState, index: int, by: str = "facilitator") -> list[Event]:
    """`by`: who moved the room, the facilitator or the timer (auto-advance)."""
    phase = s.method.phases[index]
    public = phase.public(index)
    script = {**public, "script": dict(phase.script)}  # what to say and watch for: facilitators only
    timer = fresh_timer(phase)  # so that clients need not know the method to reset it
    hidden = sum(1 for n in s.notes.values() if n.hidden and n.phase == phase.id)  # back to a phase: its count
    events = [
        Event(
            "phase",
            {"phase": public, "timer": timer, "notes_hidden": hidden, "by": by},
            {"phase": script, "timer": dict(timer), "notes_hidden": hidden, "by": by},
            (FACILITATORS,),
        )
    ]
    if phase.in_turn:
        # keep the order (and progress) the group already has; drop who left, append late joiners
        group = s.group()
        order = [p for p in s.turn_order if p in group] + [p for p in group if p not in s.turn_order]
        if order != s.turn_order:
            current = min(s.turn, len(order)) if s.turn_order else 0
            events.append(Event("turns", {"order": order, "current": current}))
    return events


def _first_case_phase(s: RoomState) -> int | None:
    for i, p in enumerate(s.method.phases):
        if "cases" in p.accepts:
            return i
    return None


def _next_phase(s: RoomState) -> int:
    """The phase an advance goes to; the rules of advancing, by hand or by the timer."""
    nxt = s.phase + 1
    if nxt >= len(s.method.phases):
        raise _deny("this is the last phase")
    choice = _first_case_phase(s)
    if choice is not None and nxt > choice and s.inbrenger is None:
        raise _deny("choose a case first: the next phase needs an inbrenger")
    return nxt


def _advance(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    events = _phase_events(s, _next_phase(s))
    if s.started_at is None and ctx.now:
        events[0].internal = {"at": ctx.now}  # the meeting starts: for the proof of participation
    return Decision(events)


def _next_case(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Close this case and go back to the case choice for the next one. The inbrenger's
    summary is kept for them alone; the questions, cards and advice of this case go."""
    _require_fac(s, a)
    choice = _first_case_phase(s)
    if choice is None or s.inbrenger is None or s.phase <= choice:
        raise _deny("there is no case under way to close")
    phase = s.method.phases[choice]
    timer = fresh_timer(phase)
    public = {"phase": phase.public(choice), "timer": timer, "notes_hidden": 0, "case": s.chosen_case}
    private = {**public, "phase": {**phase.public(choice), "script": dict(phase.script)}}
    internal = {"inbrenger": s.inbrenger, "summary": summary(s)}
    return Decision([Event("next_case", public, private, (FACILITATORS,), internal)])


def _listed(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    p = s.active(a.pid)
    if p is None or p.role == SCREEN:
        raise _deny("only people in the room can be listed")
    if (a.pid in s.listed) == args["listed"]:
        return Decision()
    return Decision([Event("listed", {"participant": a.pid, "listed": args["listed"]})])


def _proof(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Proof of participation for professions that log intervisie hours: date, duration,
    method and the names of those who agreed to be listed. No case content at all."""
    p = s.active(a.pid)
    if p is None or p.role == SCREEN:
        raise _deny("only people in the room can ask for a proof of participation")
    if s.started_at is None:
        raise _deny("the meeting has not started yet")
    names = [s.participants[pid].name for pid in s.listed if s.active(pid)]
    minutes = max(1, round((ctx.now - s.started_at) / 60)) if ctx.now else 0
    proof = {
        "started_at": s.started_at,
        "minutes": minutes,
        "method": dict(s.method.name),
        "cases": s.cases_done + (1 if s.inbrenger else 0),
        "participants": names,
        "facilitators": [x.name for x in s.participants.values() if not x.removed and x.role == FACILITATOR],
    }
    return Decision([], {"proof": proof})


def _back(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if s.phase == 0:
        raise _deny("this is the first phase")
    return Decision(_phase_events(s, s.phase - 1))


def _confirm(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "confirm")
    if a.pid in s.confirmed:
        return Decision()
    n = len(s.confirmed) + 1
    return Decision(
        [
            Event(
                "confirmed", {"confirmed_count": n}, {"confirmed_count": n, "participant": a.pid}, (FACILITATORS, a.pid)
            )
        ]
    )


def _propose(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "cases")
    if len(s.cases) >= limits.MAX_CASES:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_CASES} cases")
    case = Case(s.new_id("c"), args["title"], args["question"], a.pid)
    return Decision([Event("case_proposed", {"case": case.public()})], {"case": case.id})


def _withdraw_case(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "cases")
    case = s.cases.get(args["case"])
    if case is None:
        raise _missing("case")
    if case.proposer != a.pid:
        raise _deny("only the proposer can withdraw a case")
    if s.chosen_case == case.id:
        raise _deny("this case has been chosen")
    cast = sum(1 for c in s.votes.values() if c != case.id)
    return Decision([Event("case_withdrawn", {"case": case.id, "cast": cast})])


def _vote(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "cases")
    if not s.vote_open:
        raise _deny("the vote is closed")
    if args["case"] not in s.cases:
        raise _missing("case")
    if s.votes.get(a.pid) == args["case"]:
        return Decision()
    cast = len(s.votes) + (a.pid not in s.votes)
    return Decision([Event("vote_cast", {"cast": cast}, {"cast": cast, "case": args["case"]}, (a.pid,))])


def _close_vote(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if "cases" not in s.current_phase.accepts:
        raise _deny("there is no vote in this phase")
    if not s.vote_open:
        raise _deny("the vote is already closed")
    tally = {cid: 0 for cid in s.cases}
    for cid in s.votes.values():
        if cid in tally:
            tally[cid] += 1
    return Decision([Event("vote_closed", {"tally": tally})])


def _choose(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if "cases" not in s.current_phase.accepts:
        raise _deny("a case is chosen in the case choice phase")
    case = s.cases.get(args["case"])
    if case is None:
        raise _missing("case")
    proposer = s.active(case.proposer)
    if proposer is None:
        raise _deny("the proposer of this case has left")
    if proposer.role != PARTICIPANT:
        raise _deny("the proposer of this case is a facilitator now")
    if s.chosen_case == case.id:
        return Decision()
    return Decision([Event("case_chosen", {"case": case.id, "inbrenger": case.proposer})])


def _share(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "case_text")
    people = list(dict.fromkeys(args["people"]))  # keep order, drop repeats
    return Decision([Event("case_shared", {"text": args["text"], "people": people})])


def _ask(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    phase = _require_input(s, a, "questions")
    if len(s.questions) >= limits.MAX_QUESTIONS:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_QUESTIONS} questions")
    qid = s.new_id("q")
    anonymous = s.anonymous_questions and phase.anonymous and len(s.group()) >= MIN_ANONYMOUS_GROUP
    q = Question(qid, args["text"], identity.tag(a.anon_key, qid), None if anonymous else a.pid)
    return Decision([Event("question_asked", {"question": q.public()}, internal={"tag": q.tag})], {"question": qid})


def _question(s: RoomState, a: Actor, qid: str) -> Question:
    q = s.questions.get(qid)
    if q is None or (q.hidden and not _is_fac(s, a.pid)):
        raise _missing("question")
    return q


def _updated(q: Question, **internal: Any) -> Event:
    rec = q.public()
    if q.hidden:  # only facilitators see hidden questions, and their updates
        return Event("question_updated", {}, {"question": rec}, (FACILITATORS,), internal or None)
    return Event("question_updated", {"question": rec}, internal=internal or None)


def _withdraw_question(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "questions")
    q = _question(s, a, args["question"])
    if identity.tag(a.anon_key, q.id) != q.tag:
        raise _deny("you can only withdraw your own questions")
    return Decision([Event("question_withdrawn", {"question": q.id})])


def _upvote(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "questions")
    q = _question(s, a, args["question"])
    mark = identity.tag(a.anon_key, "up:" + q.id)
    if (mark in q.upvoters) == args["on"]:
        return Decision()
    upvoters = [*q.upvoters, mark] if args["on"] else [m for m in q.upvoters if m != mark]
    preview = Question(q.id, q.text, q.tag, q.author, upvoters, q.answered, q.rating, q.hidden)
    return Decision([_updated(preview, upvoter=mark, on=args["on"])])


def _inbrenger_on_question(s: RoomState, a: Actor, qid: str) -> Question:
    if "questions" not in s.current_phase.accepts:
        raise _deny("questions are handled in the questions round")
    if a.pid != s.inbrenger:
        raise _deny("only the inbrenger can do this")
    return _question(s, a, qid)


def _mark(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    q = _inbrenger_on_question(s, a, args["question"])
    if q.answered == args["answered"]:
        return Decision()
    preview = Question(q.id, q.text, q.tag, q.author, q.upvoters, args["answered"], q.rating, q.hidden)
    return Decision([_updated(preview)])


def _rate(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    q = _inbrenger_on_question(s, a, args["question"])
    if q.rating == args["rating"]:
        return Decision()
    preview = Question(q.id, q.text, q.tag, q.author, q.upvoters, q.answered, args["rating"], q.hidden)
    return Decision([_updated(preview)])


def _hide(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    q = _question(s, a, args["question"])
    if q.hidden == args["hidden"]:
        return Decision()
    preview = Question(q.id, q.text, q.tag, q.author, q.upvoters, q.answered, q.rating, args["hidden"])
    if args["hidden"]:
        ev = Event("question_hidden", {"question": q.id}, {"question": preview.public()}, (FACILITATORS,))
    else:
        ev = Event("question_updated", {"question": preview.public()})
    return Decision([ev])


def _essence(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "essence")
    return Decision([Event("essence", {"text": args["text"]})])


def _deal(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if "perspectives" not in s.current_phase.accepts:
        raise _deny("role cards are dealt in the association round")
    if s.revealed is not None:
        raise _deny("the perspectives have been revealed")
    roles = [*s.people, SELF_ROLE.get(s.language, SELF_ROLE["nl"])]
    holders = [pid for pid in s.group() if pid not in s.cards]
    if not holders:
        raise _deny("everyone in the group already has a card")
    ctx.rng.shuffle(holders)
    used = {r: 0 for r in roles}
    for role in s.cards.values():
        if role in used:
            used[role] += 1
    events, dealt = [], len(s.cards)
    for holder in holders:
        # the least used role next, so every role is covered before any repeats
        least = min(used.values())
        role = ctx.rng.choice([r for r in roles if used[r] == least])
        used[role] += 1
        dealt += 1
        events.append(Event("card_dealt", {"cards_dealt": dealt}, {"cards_dealt": dealt, "role": role}, (holder,)))
    return Decision(events)


def _perspective(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "perspectives")
    if a.pid not in s.cards:
        raise _deny("you have no role card yet")
    if s.revealed is not None:
        raise _deny("the perspectives have been revealed")
    n = len(s.perspectives) + (a.pid not in s.perspectives)
    private = {"perspectives_written": n, "feel": args["feel"], "think": args["think"]}
    return Decision([Event("perspective_written", {"perspectives_written": n}, private, (a.pid,))])


def _note(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    phase = _require_input(s, a, "notes")
    if len(s.notes) >= limits.MAX_NOTES:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_NOTES} notes")
    nid = s.new_id("n")
    anonymous = s.anonymous_questions and phase.anonymous and len(s.group()) >= MIN_ANONYMOUS_GROUP
    hidden = phase.hidden_until_reveal and phase.id not in s.notes_revealed
    note = Note(nid, phase.id, args["text"], identity.tag(a.anon_key, nid), None if anonymous else a.pid, hidden)
    internal = {"tag": note.tag, "hidden": hidden}
    if hidden:  # nobody but the writer sees it before the reveal; the others see a count
        n = sum(1 for x in s.notes.values() if x.phase == phase.id and x.hidden) + 1
        ev = Event("note_written", {"notes_hidden": n}, {"notes_hidden": n, "note": note.public()}, (a.pid,), internal)
    else:
        ev = Event("note_written", {"note": note.public()}, internal=internal)
    return Decision([ev], {"note": nid})


def _withdraw_note(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "notes")
    note = s.notes.get(args["note"])
    if note is None or identity.tag(a.anon_key, note.id) != note.tag:
        raise _missing("note of yours")
    if note.hidden:
        n = sum(1 for x in s.notes.values() if x.phase == note.phase and x.hidden) - 1
        return Decision([Event("note_withdrawn", {"notes_hidden": n}, {"notes_hidden": n, "note": note.id}, (a.pid,))])
    return Decision([Event("note_withdrawn", {"note": note.id})])


def _reveal_notes(s: RoomState, ctx: Context) -> Decision:
    phase = s.current_phase
    if phase.id in s.notes_revealed:
        raise _deny("already revealed")
    items = [n.public() for n in s.notes.values() if n.phase == phase.id and n.hidden]
    if not items:
        raise _deny("nobody has written anything yet")
    ctx.rng.shuffle(items)  # arrival order must not give anyone away
    return Decision([Event("notes_revealed", {"phase": phase.id, "notes": items})])


def _rate_advice(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    if a.pid != s.inbrenger:
        raise _deny("only the inbrenger can do this")
    if not {"advice", "response"} & set(s.current_phase.accepts):
        raise _deny("advice is rated in the advice round")
    item = next((x for x in s.advice if x.id == args["advice"]), None)
    if item is None:
        raise _missing("advice")
    if item.rating == args["rating"]:
        return Decision()
    return Decision([Event("advice_rated", {"advice": item.id, "rating": args["rating"]})])


def _reveal(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if "notes" in s.current_phase.accepts and s.current_phase.hidden_until_reveal:
        return _reveal_notes(s, ctx)
    if "perspectives" not in s.current_phase.accepts:
        raise _deny("there is nothing hidden to reveal in this phase")
    if s.revealed is not None:
        raise _deny("already revealed")
    if not s.perspectives:
        raise _deny("nobody has written a perspective yet")
    items = [{"role": s.cards[pid], "feel": f, "think": t} for pid, (f, t) in s.perspectives.items()]
    ctx.rng.shuffle(items)  # arrival order must not give anyone away
    return Decision([Event("perspectives_revealed", {"perspectives": items})])


def _pass_turn(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    if not s.current_phase.in_turn:
        raise _deny("there are no turns in this phase")
    if _turns_done(s):
        raise _deny("everyone has had their turn")
    if not _is_fac(s, a.pid) and s.turn_order[s.turn] != a.pid:
        raise _deny("only the current speaker or the facilitator can pass the turn")
    return Decision([Event("turns", {"order": s.turn_order, "current": s.turn + 1})])


def _advice(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    phase = _require_input(s, a, "advice")
    if phase.in_turn and (_turns_done(s) or s.turn_order[s.turn] != a.pid):
        raise _deny("wait for your turn")
    if phase.in_turn and s.turn_advice == s.turn:
        raise _deny("one advice per turn; pass the turn to the next person")
    if len(s.advice) >= limits.MAX_ADVICE:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_ADVICE} advice items")
    item = Advice(s.new_id("a"), a.pid, args["text"])
    return Decision([Event("advice_given", {"advice": item.public()})], {"advice": item.id})


def _text_event(kind: str) -> Callable[[RoomState, Actor, dict, Context], Decision]:
    def handler(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
        _require_input(s, a, kind)
        return Decision([Event(kind, {"text": args["text"]})])

    return handler


def _evaluate(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_input(s, a, "evaluation")
    n = len(s.evaluations) + (a.pid not in s.evaluations)
    ev = {"participant": a.pid, "score": args["score"], "line": args.get("line", "")}
    return Decision(
        [
            Event(
                "evaluated", {"evaluations_count": n}, {"evaluations_count": n, "evaluation": ev}, (FACILITATORS, a.pid)
            )
        ]
    )


def _ready(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    p = s.active(a.pid)
    if p is None or p.role != PARTICIPANT or s.phase == 0:
        raise _deny("only participants can mark themselves ready, after the lobby")
    if (a.pid in s.ready) == args["ready"]:
        return Decision()
    n = len(s.ready) + (1 if args["ready"] else -1)
    return Decision([Event("ready", {"ready_count": n}, {"ready_count": n, "ready": args["ready"]}, (a.pid,))])


def _summary(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Your summary: of the case under way if you are its inbrenger, else of your last
    earlier case in this meeting; `earlier` holds all your earlier ones."""
    earlier = s.summaries.get(a.pid, [])
    if a.pid != s.inbrenger and not earlier:
        raise _deny("the summary goes to the inbrenger only")
    current = summary(s) if a.pid == s.inbrenger else earlier[-1]
    return Decision([], {"summary": current, "earlier": list(earlier)})


def _timer(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    action = args["action"]
    running, deadline, remaining = s.timer_running, s.timer_deadline, s.timer_remaining
    if action == "start":
        if running:
            return Decision()
        running, deadline = True, ctx.now + remaining
    elif action == "pause":
        if not running or deadline is None:
            return Decision()
        running, deadline, remaining = False, None, deadline - ctx.now  # negative: overrun
    else:  # extend
        seconds = float(args.get("seconds", TIMER_EXTEND_DEFAULT))
        if running and deadline is not None:
            deadline += seconds
            remaining = deadline - ctx.now
        else:
            remaining += seconds
    return Decision([Event("timer", {"timer": {"running": running, "deadline": deadline, "remaining": remaining}})])


def _auto_advance(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if s.auto_advance == args["on"]:
        return Decision()
    return Decision([Event("auto_advance", {"on": args["on"]})])


def _new_facilitator(s: RoomState, a: Actor, pid: str) -> Participant:
    """The checks shared by add_facilitator and hand_over; returns the target."""
    _require_fac(s, a)
    target = s.active(pid)
    if target is None:
        raise _missing("participant")
    if target.role == FACILITATOR:
        raise _deny("this person is a facilitator already")
    if target.role == SCREEN:
        raise _deny("a screen cannot be a facilitator")
    if target.id == s.inbrenger:
        raise _deny("the inbrenger cannot be a facilitator")
    return target


def _add_facilitator(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    target = _new_facilitator(s, a, args["participant"])
    return Decision([Event("role_changed", {"participant": target.id, "role": FACILITATOR})])


def _hand_over(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    target = _new_facilitator(s, a, args["participant"])
    # one decision: the room is never without a facilitator, and never has one too many
    return Decision(
        [
            Event("role_changed", {"participant": target.id, "role": FACILITATOR}),
            Event("role_changed", {"participant": a.pid, "role": PARTICIPANT}),
        ]
    )


def _set_method(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Choose another method (a shipped one, or the facilitator's own file) in the lobby."""
    _require_fac(s, a)
    if s.phase != 0:
        raise _deny("the method can only be changed in the lobby")
    if ("method" in args) == ("method_toml" in args):
        raise RoomError(errors.INVALID_FIELD, "give either 'method' or 'method_toml'")
    try:
        if "method" in args:
            if args["method"] not in available():
                raise RoomError(errors.INVALID_FIELD, f"method must be one of {', '.join(available())}")
            m, internal = load(args["method"]), {"method_id": args["method"], "method_toml": None}
        else:
            m, internal = from_toml(args["method_toml"]), {"method_id": "", "method_toml": args["method_toml"]}
            internal["method_id"] = m.id
    except MethodError as err:
        raise RoomError(errors.INVALID_FIELD, f"method file: {err}") from None
    lobby = m.phases[0]
    public = {"method": m.view(), "phase": lobby.public(0), "timer": fresh_timer(lobby)}
    private = {**public, "phase": {**lobby.public(0), "script": dict(lobby.script)}}
    return Decision([Event("method_set", public, private, (FACILITATORS,), internal)], {"method": m.id})


def _end(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    return Decision([Event("ended", {})])


_HANDLERS: dict[str, Callable[[RoomState, Actor, dict, Context], Decision]] = {
    "lock": _lock,
    "remove": _remove,
    "advance": _advance,
    "back": _back,
    "close_vote": _close_vote,
    "choose_case": _choose,
    "hide_question": _hide,
    "deal_cards": _deal,
    "reveal": _reveal,
    "end": _end,
    "set_method": _set_method,
    "next_case": _next_case,
    "list_me": _listed,
    "proof": _proof,
    "note": _note,
    "withdraw_note": _withdraw_note,
    "rate_advice": _rate_advice,
    "timer": _timer,
    "auto_advance": _auto_advance,
    "add_facilitator": _add_facilitator,
    "hand_over": _hand_over,
    "confirm": _confirm,
    "propose_case": _propose,
    "withdraw_case": _withdraw_case,
    "vote": _vote,
    "share_case": _share,
    "ask": _ask,
    "withdraw_question": _withdraw_question,
    "upvote": _upvote,
    "mark_answered": _mark,
    "rate_question": _rate,
    "essence": _essence,
    "perspective": _perspective,
    "pass_turn": _pass_turn,
    "advice": _advice,
    "respond": _text_event("response"),
    "takeaway": _text_event("takeaway"),
    "evaluate": _evaluate,
    "ready": _ready,
    "summary": _summary,
}


def summary(s: RoomState) -> dict[str, Any]:
    """What the inbrenger takes home: the case and everything the group gave."""
    case = s.cases.get(s.chosen_case or "")
    names = {p.id: p.name for p in s.participants.values()}
    return {
        "title": case.title if case else None,
        "question": case.question if case else None,
        "case_text": s.case_text,
        "people": list(s.people),
        "essence": s.essence,
        "questions": [
            {"text": q.text, "rating": q.rating, "answered": q.answered} for q in s.questions.values() if not q.hidden
        ],
        "perspectives": list(s.revealed or []),
        "advice": [{"author": names.get(x.author), "text": x.text, "rating": x.rating} for x in s.advice],
        "notes": [
            {"phase": n.phase, "text": n.text, "author": names.get(n.author or "")}
            for n in s.notes.values()
            if not n.hidden
        ],
        "response": s.response,
        "takeaway": s.takeaway,
    }


# --------------------------------------------------------------------------- apply


def apply(s: RoomState, ev: Event) -> RoomState:
    """Fold one event into the state (in place) and return it."""
    s.seq = ev.seq
    pub, prv = ev.public, ev.private or {}
    internal = ev.internal or {}
    t = ev.t
    if t == "joined":
        rec = pub["participant"]
        s.participants[rec["id"]] = Participant(rec["id"], rec["name"], rec["role"], internal["token_hash"])
        s.counter += 1
    elif t == "presence":
        s.participants[pub["participant"]].online = pub["online"]
    elif t == "removed":
        pid = pub["participant"]
        p = s.participants[pid]
        p.removed, p.online = True, False
        if s.inbrenger == pid:
            s.inbrenger = s.chosen_case = s.case_text = None
            s.people = []
    elif t == "locked":
        s.locked = pub["locked"]
    elif t == "phase":
        if "at" in internal and s.started_at is None:
            s.started_at = internal["at"]
        s.phase = pub["phase"]["index"]
        s.ready = []
        _reset_timer(s)
    elif t == "note_written":
        rec = pub.get("note") or prv["note"]
        s.notes[rec["id"]] = Note(
            rec["id"], rec["phase"], rec["text"], internal["tag"], rec["author"], internal["hidden"]
        )
        s.counter += 1
    elif t == "note_withdrawn":
        del s.notes[pub.get("note") or prv["note"]]
    elif t == "notes_revealed":
        s.notes_revealed.append(pub["phase"])
        for rec in pub["notes"]:
            s.notes[rec["id"]].hidden = False
    elif t == "advice_rated":
        next(x for x in s.advice if x.id == pub["advice"]).rating = pub["rating"]
    elif t == "next_case":
        s.summaries.setdefault(internal["inbrenger"], []).append(internal["summary"])
        s.cases_done += 1
        s.cases.pop(pub["case"], None)
        s.votes, s.vote_open, s.tally = {}, True, None
        s.inbrenger = s.chosen_case = s.case_text = s.essence = s.response = s.takeaway = None
        s.people, s.questions, s.cards, s.perspectives, s.revealed = [], {}, {}, {}, None
        s.turn_order, s.turn, s.turn_advice, s.advice = [], 0, -1, []
        s.notes, s.notes_revealed, s.evaluations, s.ready = {}, [], {}, []
        s.phase = pub["phase"]["index"]
        _reset_timer(s)
    elif t == "listed":
        pid = pub["participant"]
        s.listed = [x for x in s.listed if x != pid] + ([pid] if pub["listed"] else [])
    elif t == "method_set":
        s.method_id, s.method_toml = internal["method_id"], internal["method_toml"]
        s.phase = 0
        _reset_timer(s)
    elif t == "timer":
        timer = pub["timer"]
        s.timer_running, s.timer_deadline, s.timer_remaining = timer["running"], timer["deadline"], timer["remaining"]
    elif t == "auto_advance":
        s.auto_advance = pub["on"]
    elif t == "role_changed":
        s.participants[pub["participant"]].role = pub["role"]
    elif t == "confirmed":
        s.confirmed.append(prv["participant"])
    elif t == "case_proposed":
        c = pub["case"]
        s.cases[c["id"]] = Case(c["id"], c["title"], c["question"], c["proposer"])
        s.counter += 1
    elif t == "case_withdrawn":
        del s.cases[pub["case"]]
        s.votes = {v: c for v, c in s.votes.items() if c != pub["case"]}
        if s.tally is not None:
            s.tally.pop(pub["case"], None)
    elif t == "vote_cast":
        s.votes[ev.to[0]] = prv["case"]
    elif t == "vote_closed":
        s.vote_open, s.tally = False, dict(pub["tally"])
    elif t == "case_chosen":
        s.chosen_case, s.inbrenger = pub["case"], pub["inbrenger"]
        s.case_text, s.people = None, []
        s.turn_order, s.turn, s.turn_advice = [], 0, -1  # a new inbrenger: a new speaking order
    elif t == "case_shared":
        s.case_text, s.people = pub["text"], list(pub["people"])
    elif t == "question_asked":
        q = pub["question"]
        s.questions[q["id"]] = Question(q["id"], q["text"], internal["tag"], q["author"])
        s.counter += 1
    elif t in ("question_updated", "question_hidden"):
        rec = pub.get("question") if isinstance(pub.get("question"), dict) else prv["question"]
        q = s.questions[rec["id"]]
        q.answered, q.rating, q.hidden = rec["answered"], rec["rating"], rec["hidden"]
        if "upvoter" in internal:
            mark = internal["upvoter"]
            q.upvoters = [*q.upvoters, mark] if internal["on"] else [m for m in q.upvoters if m != mark]
    elif t == "question_withdrawn":
        del s.questions[pub["question"]]
    elif t == "essence":
        s.essence = pub["text"]
    elif t == "card_dealt":
        s.cards[ev.to[0]] = prv["role"]
    elif t == "perspective_written":
        s.perspectives[ev.to[0]] = [prv["feel"], prv["think"]]
    elif t == "perspectives_revealed":
        s.revealed = [dict(p) for p in pub["perspectives"]]
    elif t == "turns":
        if list(pub["order"]) != s.turn_order:
            s.turn_advice = -1
        s.turn_order, s.turn = list(pub["order"]), pub["current"]
    elif t == "advice_given":
        x = pub["advice"]
        s.advice.append(Advice(x["id"], x["author"], x["text"]))
        s.counter += 1
        s.turn_advice = s.turn
    elif t == "response":
        s.response = pub["text"]
    elif t == "takeaway":
        s.takeaway = pub["text"]
    elif t == "evaluated":
        e = prv["evaluation"]
        s.evaluations[e["participant"]] = [e["score"], e["line"]]
    elif t == "ready":
        pid = ev.to[0]
        s.ready = [r for r in s.ready if r != pid] + ([pid] if prv["ready"] else [])
    elif t == "ended":
        s.ended = True
    else:  # pragma: no cover - a log written by a newer version
        raise ValueError(f"unknown event {t!r}")
    if "cmd" in internal:
        key, result = internal["cmd"]
        s.applied[key] = result
        while len(s.applied) > APPLIED_MEMORY:
            s.applied.popitem(last=False)
    return s
