"""Commands -> events (`decide`) and events -> state (`apply`). Pure: no I/O, no clock.

Randomness (card dealing, reveal shuffle) and the time (the phase timer) come in as
arguments and their outcome is written into the events, so replaying a log always gives
the same state.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from protocol import errors, limits
from protocol.messages import TIMER_EXTEND_DEFAULT, Command

from . import identity
from .events import FACILITATORS, Actor, Event, RoomError
from .method import MethodError, Phase, choose
from .state import (
    FACILITATOR,
    PARTICIPANT,
    SCREEN,
    Advice,
    Case,
    Deal,
    Note,
    Participant,
    Question,
    RoomState,
    Turns,
    remember,
)

MIN_ANONYMOUS_GROUP = 3  # with fewer askers, "anonymous" would name the author anyway
#: seconds without any facilitator online after which a participant may take the role over
FACILITATOR_CLAIM_AFTER = 5 * 60


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler gets from outside the room: randomness, and the server clock."""

    rng: random.Random
    now: float = 0.0  # server unix time in seconds when the command arrived
    command_id: str = ""  # the id the client gave the command (a screen ticket derives from it)


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


def decide_join(
    state: RoomState,
    name: str,
    token_hash: str,
    role: str = PARTICIPANT,
    *,
    ticket: str | None = None,
    now: float = 0.0,
) -> Decision:
    """A join by code; `role` is PARTICIPANT, or SCREEN for a read-only projector.

    A screen that brings a facilitator's `ticket` (see `_screen_ticket`) comes in even when
    the room is locked, so the room never has to open for it; the ticket is used up by the
    join. `now` is the server clock, against which the ticket's expiry is checked.
    """
    if role not in (PARTICIPANT, SCREEN):
        raise ValueError(role)
    if state.ended:
        raise RoomError(errors.UNKNOWN_ROOM, "this room has ended")
    internal: dict[str, Any] = {"token_hash": token_hash}
    if ticket is not None:
        if role != SCREEN:
            raise _deny("a screen ticket lets in a projector screen only")
        key = identity.ticket_hash(ticket)
        expires = state.screen_tickets.get(key)
        if expires is None or now >= expires:
            raise RoomError(errors.BAD_TICKET, "this screen ticket is unknown, expired or used")
        internal["ticket"] = key  # used up with the join
    elif state.locked:
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
    ev = Event("joined", {"participant": rec}, internal=internal)
    return Decision([ev], {"participant": pid})


def decide_presence(state: RoomState, pid: str, online: bool, now: float = 0.0) -> Decision:
    """Someone's first connection opened or last one closed. `now` (server unix time) dates
    the moment the last facilitator went away, from which a participant may take over."""
    p = state.active(pid)
    if p is None or p.online == online or state.ended:
        return Decision()
    events = [Event("presence", {"participant": pid, "online": online})]
    return Decision(_with_away(state, events, now, online={pid: online}))


def away_record(since: float | None) -> dict[str, float] | None:
    """Since when no facilitator has been online, and from when a participant may take over."""
    return None if since is None else {"since": since, "claim_at": since + FACILITATOR_CLAIM_AFTER}


def _with_away(
    s: RoomState,
    events: list[Event],
    now: float,
    roles: dict[str, str] | None = None,
    online: dict[str, bool] | None = None,
) -> list[Event]:
    """If these events change whether any facilitator is online, the last one says so
    (`facilitator_away`), with the time: the engine reads no clock, so it keeps the moment."""
    roles, online = roles or {}, online or {}
    present = any(
        roles.get(p.id, p.role) == FACILITATOR and online.get(p.id, p.online)
        for p in s.participants.values()
        if not p.removed
    )
    since = None if present else (s.fac_away_since if s.fac_away_since is not None else (now or None))
    if since != s.fac_away_since:
        events[-1].public["facilitator_away"] = away_record(since)
    return events


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
        if phase.in_turn and not state.current_turns().done:
            raise _deny("the inbrenger listens and responds after the last turn")
    return phase


def _require_turn(state: RoomState, actor: Actor, phase: Phase) -> None:
    """In a phase given in turn, only the current speaker gives input."""
    if phase.in_turn:
        turns = state.current_turns()
        if turns.done or turns.order[turns.current] != actor.pid:
            raise _deny("wait for your turn")


def _inbrenger_may_speak(state: RoomState) -> bool:
    """Whether the inbrenger may react now: where they listen or have left, only once they
    may give their response (after the last turn, if the phase has turns)."""
    phase = state.current_phase
    if phase.inbrenger == "speaks":
        return True
    return "response" in phase.accepts and not (phase.in_turn and not state.current_turns().done)


def _turn_order(s: RoomState, phase: Phase, deal: Deal | None = None) -> list[str]:
    """Who speaks in turn: the group in join order; in a phase with public cards, the card
    holders in the deck's card order (seat order within a card), observers left out."""
    group = s.group()
    if phase.deck is None:
        return group
    deal = deal or s.deals.get(phase.id)
    if deal is None or not deal.public:
        return []
    rank = {c["id"]: i for i, c in enumerate(deal.cards)}
    speakers = [pid for pid, card in deal.holders.items() if pid in group and not deal.card(card)["observer"]]
    return sorted(speakers, key=lambda pid: rank[deal.holders[pid]])


def _turns_of(s: RoomState, phase: Phase, deal: Deal | None = None) -> dict[str, Any]:
    """The phase's speaking order, as far as it got: kept as it was, with who left dropped
    and who came added at the end."""
    if not phase.in_turn:
        return {"order": [], "current": 0}
    fresh = _turn_order(s, phase, deal)
    old = s.turns.get(phase.id)
    if old is None:
        return {"order": fresh, "current": 0}
    order = [p for p in old.order if p in fresh] + [p for p in fresh if p not in old.order]
    return {"order": order, "current": min(old.current, len(order))}


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
        return Decision([], _with_secret(actor, cmd, state.applied[key]))
    if me.role == SCREEN:
        raise _deny("a screen only shows the room")
    handler = _HANDLERS[cmd.t]
    decision = handler(state, actor, cmd.args, Context(rng, now, cmd.id))
    if decision.events:
        _cmd_marker(decision.events, key, decision.result)
    # after the marker: what the room remembers of the result holds no secret
    return Decision(decision.events, _with_secret(actor, cmd, decision.result))


def _with_secret(actor: Actor, cmd: Command, result: dict[str, Any]) -> dict[str, Any]:
    """The ack's result with what the room must not store: a screen ticket, computed
    again from the facilitator's key, so that a re-sent command gets the same one."""
    if cmd.t != "screen_ticket" or "expires" not in result:
        return result
    return {**result, "ticket": identity.screen_ticket(actor.anon_key, cmd.id, result["expires"])}


def _lock(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    if s.locked == args["locked"]:
        return Decision()
    return Decision([Event("locked", {"locked": args["locked"]})])


def _screen_ticket(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """A one-time ticket for a projector screen, good for SCREEN_TICKET_TTL seconds: with it
    a screen joins a locked room (as a screen only), so the room never opens for anyone
    else. The room keeps the ticket's hash; the ticket itself goes back in the ack only
    (see `_with_secret`). Tickets that expired, and the oldest beyond MAX_SCREEN_TICKETS,
    are dropped with this one."""
    _require_fac(s, a)
    expires = ctx.now + limits.SCREEN_TICKET_TTL
    live = sorted((until, h) for h, until in s.screen_tickets.items() if until > ctx.now)
    drop = [h for h, until in s.screen_tickets.items() if until <= ctx.now]
    drop += [h for _, h in live[: max(0, len(live) + 1 - limits.MAX_SCREEN_TICKETS)]]
    ticket = identity.screen_ticket(a.anon_key, ctx.command_id, expires)
    internal = {"ticket": identity.ticket_hash(ticket), "expires": expires, "drop": drop}
    ev = Event("screen_ticket", {}, {"expires": expires}, (FACILITATORS,), internal)
    return Decision([ev], {"expires": expires})


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
    turns = _turns_of(s, phase)

    def body() -> dict[str, Any]:  # one copy per audience
        return {
            "timer": dict(timer),
            "notes_hidden": hidden,
            "turns": {**turns, "order": list(turns["order"])},
            "by": by,
        }

    return [Event("phase", {"phase": public, **body()}, {"phase": script, **body()}, (FACILITATORS,))]


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
    # `decide` has refused screens and removed people already: everyone here may be listed
    if (a.pid in s.listed) == args["listed"]:
        return Decision()
    return Decision([Event("listed", {"participant": a.pid, "listed": args["listed"]})])


def proof_of(s: RoomState, until: float | None, ended: bool) -> dict[str, Any]:
    """Proof of participation for professions that log intervisie hours: date, duration,
    method and the names of those who agreed to be listed (facilitators too, each their
    own choice). No case content at all. The duration runs to `until`: the close of the
    meeting once it is ended, else the moment it is asked (and it says so: `ended_at` null)."""
    started = s.started_at or 0.0
    minutes = max(1, round((until - started) / 60)) if until and s.started_at else 0
    listed = [s.participants[pid] for pid in s.listed if s.active(pid)]
    return {
        "started_at": s.started_at,
        "ended_at": until if ended else None,
        "minutes": minutes,
        "method": dict(s.method.name),
        "cases": s.cases_done + (1 if s.inbrenger else 0),
        "participants": [p.name for p in listed if p.role == PARTICIPANT],
        "facilitators": [p.name for p in listed if p.role == FACILITATOR],
    }


def _proof(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    if s.started_at is None:
        raise _deny("the meeting has not started yet")
    return Decision([], {"proof": proof_of(s, ctx.now, ended=False)})


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
    _require_turn(s, a, phase)
    if len(s.questions) >= limits.MAX_QUESTIONS:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_QUESTIONS} questions")
    qid = s.new_id("q")
    q = Question(qid, args["text"], identity.tag(a.anon_key, qid), None if _anonymous(s, phase) else a.pid)
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
    if not _inbrenger_may_speak(s):
        raise _deny(f"the inbrenger {s.current_phase.inbrenger} in this phase")
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


def _card_at(cards: list[dict[str, Any]], seat: int, rotate: int) -> str:
    """The card for a seat of a public deal. The role cards go round the table: seat i gets
    role card i, moved on by `rotate` places, so with fewer people than cards the ones left
    over come in as the cards move on. Seats beyond the role cards get the observer's card
    (or the role cards again, if the deck has no observer)."""
    roles = [c["id"] for c in cards if not c["observer"]]
    watchers = [c["id"] for c in cards if c["observer"]]
    if seat < len(roles) or not watchers:
        return roles[(seat + rotate) % len(roles)]
    return watchers[(seat - len(roles)) % len(watchers)]


def _spare_card(cards: list[dict[str, Any]], holders: dict[str, str], seat: int, rotate: int) -> str:
    """A card for someone who joins a public deal late: their seat's card if nobody holds
    it, else a role card nobody holds, else an observer's card, else the least held role."""
    used = Counter(holders.values())
    preferred = _card_at(cards, seat, rotate)
    if not used[preferred]:
        return preferred
    roles = [c["id"] for c in cards if not c["observer"]]
    free = [c for c in roles if not used[c]]
    if free:
        return free[0]
    watchers = [c["id"] for c in cards if c["observer"]]
    if watchers:
        return watchers[0]
    return min(roles, key=lambda c: used[c])


def _new_deal(s: RoomState, phase: Phase) -> Deal:
    deck = s.method.decks[phase.deck or ""]
    cards = [c.record() for c in deck.cards_for(s.people)]
    if not any(not c["observer"] for c in cards):
        raise _deny("there are no cards to deal: the case names nobody involved")
    return Deal(phase.deck or "", phase.deal == "public", phase.hidden_until_reveal, cards)


def _deal(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Private cards: put them on the table, so that each member of the group takes their
    own (`draw_card`). Public cards: give every member of the group theirs, by seat."""
    _require_fac(s, a)
    phase = s.current_phase
    if phase.deck is None:
        raise _deny("role cards are dealt in a phase that accepts perspectives")
    deal = s.deals.get(phase.id)
    if deal is not None and deal.revealed is not None:
        raise _deny("the perspectives have been revealed")
    if phase.deal == "private":
        if deal is not None:
            raise _deny("the cards are on the table: each member of the group takes their own")
        new = _new_deal(s, phase)
        return Decision([Event("cards_dealt", {"phase": phase.id, "deal": new.record(), "taken": 0, "written": 0})])
    group = s.group()
    deal = deal or _new_deal(s, phase)
    newcomers = [pid for pid in group if pid not in deal.holders]
    if not newcomers:
        raise _deny("everyone in the group already has a card")
    seats = [pid for pid in s.seats.get(deal.deck, []) if pid in group]
    late = [pid for pid in group if pid not in seats]
    ctx.rng.shuffle(late)  # where newcomers sit is chance, written into the event
    seats += late
    holders = dict(deal.holders)
    for seat, pid in enumerate(seats):
        if pid in newcomers:
            fresh = not deal.holders
            holders[pid] = (
                _card_at(deal.cards, seat, phase.rotate)
                if fresh
                else _spare_card(deal.cards, holders, seat, phase.rotate)
            )
    # in seat order, so that a speaking order by card keeps the seats within a card
    holders = {pid: holders[pid] for pid in [*seats, *holders] if pid in holders}
    dealt = Deal(deal.deck, True, deal.hidden, deal.cards, holders, dict(deal.texts))
    body = {"phase": phase.id, "deal": dealt.record(), "taken": len(holders), "written": len(dealt.texts)}
    events = [Event("cards_dealt", body, internal={"seats": seats})]
    if phase.in_turn:
        events.append(Event("turns", {"phase": phase.id, **_turns_of(s, phase, dealt)}))
    return Decision(events)


def _draw(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Take your own private card. The room stores it under a tag only your connection can
    compute, so no stored event or state says who holds which card; you learn it from the
    ack (and from your snapshot)."""
    phase = _require_input(s, a, "perspectives")
    deal = s.deals.get(phase.id)
    if deal is None:
        raise _deny("the cards have not been dealt yet")
    if deal.public:
        raise _deny("these cards are dealt in public: yours is in the deal")
    if deal.revealed is not None:
        raise _deny("the perspectives have been revealed")
    key = identity.card_tag(a.anon_key, phase.id)
    if key in deal.holders:
        return Decision([], {"phase": phase.id, "card": deal.holders[key]})
    # the least held card next, so every card is taken once before any is taken twice
    used = Counter(deal.holders.values())
    roles = [c["id"] for c in deal.cards]
    least = min(used[c] for c in roles)
    card = ctx.rng.choice([c for c in roles if used[c] == least])
    ev = Event("card_drawn", {"phase": phase.id, "taken": len(deal.holders) + 1}, internal={"tag": key, "card": card})
    return Decision([ev], {"phase": phase.id, "card": card})


def _holding(s: RoomState, a: Actor, phase: Phase) -> tuple[Deal | None, str | None]:
    """The deal of the phase and the actor's key in it, if they hold a card."""
    deal = s.deals.get(phase.id)
    if deal is None:
        return None, None
    key = a.pid if deal.public else identity.card_tag(a.anon_key, phase.id)
    return deal, key if key in deal.holders else None


def _perspective(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    phase = _require_input(s, a, "perspectives")
    deal, key = _holding(s, a, phase)
    if deal is None or key is None:
        raise _deny("you have no role card yet")
    if deal.revealed is not None:
        raise _deny("the perspectives have been revealed")
    card = deal.card(deal.holders[key])
    if card["observer"]:
        raise _deny("the observer writes notes, not a perspective")
    _require_turn(s, a, phase)
    texts = list(args["texts"])
    if len(texts) != len(card["fields"]):
        raise RoomError(errors.INVALID_FIELD, f"your card asks for {len(card['fields'])} texts, one per field")
    n = len(deal.texts) + (key not in deal.texts)
    body = {"phase": phase.id, "written": n}
    internal = {"key": key, "texts": texts}
    if not deal.public:  # only the writer knows it is theirs: they have it from their own command
        ev = Event("perspective_written", body, internal=internal)
    elif deal.hidden:
        ev = Event("perspective_written", body, {**body, "texts": texts}, (a.pid,), internal)
    else:
        shown = {"holder": a.pid, "card": card["id"], "texts": texts}
        ev = Event("perspective_written", {**body, "perspective": shown}, internal=internal)
    return Decision([ev], {"phase": phase.id, "texts": texts})


def _observes(s: RoomState, a: Actor) -> bool:
    """Whether the actor holds an observer's card in this phase."""
    phase = s.current_phase
    deal, key = _holding(s, a, phase)
    p = s.active(a.pid)
    return (
        key is not None
        and deal is not None
        and deal.card(deal.holders[key])["observer"]
        and p is not None
        and p.role == PARTICIPANT
    )


def _note_phase(s: RoomState, a: Actor) -> tuple[Phase, bool]:
    """The phase, if the actor may write notes in it now; and whether as its observer, who
    writes named notes as they go, outside the speaking order."""
    try:
        return _require_input(s, a, "notes"), False
    except RoomError:
        if _observes(s, a):
            return s.current_phase, True
        raise


def _note(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    phase, observer = _note_phase(s, a)
    if not observer:
        _require_turn(s, a, phase)
    if len(s.notes) >= limits.MAX_NOTES:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_NOTES} notes")
    nid = s.new_id("n")
    anonymous = not observer and _anonymous(s, phase)
    hidden = not observer and phase.hidden_until_reveal and phase.id not in s.notes_revealed
    note = Note(nid, phase.id, args["text"], identity.tag(a.anon_key, nid), None if anonymous else a.pid, hidden)
    internal = {"tag": note.tag, "hidden": hidden}
    if hidden:
        # nobody but the writer sees it before the reveal; the others see a count. The writer
        # has it from the ack: an event addressed to them would store who wrote it.
        n = sum(1 for x in s.notes.values() if x.phase == phase.id and x.hidden) + 1
        ev = Event("note_written", {"notes_hidden": n}, internal={**internal, "note": note.public()})
        return Decision([ev], {"note": nid, "record": note.public()})
    return Decision([Event("note_written", {"note": note.public()}, internal=internal)], {"note": nid})


def _withdraw_note(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _note_phase(s, a)
    note = s.notes.get(args["note"])
    if note is None or identity.tag(a.anon_key, note.id) != note.tag:
        raise _missing("note of yours")
    if note.hidden:
        n = sum(1 for x in s.notes.values() if x.phase == note.phase and x.hidden) - 1
        return Decision([Event("note_withdrawn", {"notes_hidden": n, "note": note.id})])  # an id the others never saw
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
    if not _inbrenger_may_speak(s):
        raise _deny(f"the inbrenger {s.current_phase.inbrenger} in this phase and rates the advice at their turn")
    item = next((x for x in s.advice if x.id == args["advice"]), None)
    if item is None:
        raise _missing("advice")
    if item.rating == args["rating"]:
        return Decision()
    return Decision([Event("advice_rated", {"advice": item.id, "rating": args["rating"]})])


def _reveal(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    _require_fac(s, a)
    phase = s.current_phase
    if "notes" in phase.accepts and phase.hidden_until_reveal:
        return _reveal_notes(s, ctx)
    deal = s.deals.get(phase.id)
    if phase.deck is None or not phase.hidden_until_reveal:
        raise _deny("there is nothing hidden to reveal in this phase")
    if deal is not None and deal.revealed is not None:
        raise _deny("already revealed")
    if deal is None or not deal.texts:
        raise _deny("nobody has written a perspective yet")
    items = []
    for key, texts in deal.texts.items():
        item = {"card": deal.holders[key], "texts": list(texts)}
        items.append({"holder": key, **item} if deal.public else item)
    ctx.rng.shuffle(items)  # arrival order must not give anyone away
    return Decision([Event("perspectives_revealed", {"phase": phase.id, "perspectives": items})])


def _pass_turn(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    phase = s.current_phase
    if not phase.in_turn:
        raise _deny("there are no turns in this phase")
    turns = s.current_turns()
    if turns.done:
        raise _deny("everyone has had their turn")
    if not _is_fac(s, a.pid) and turns.order[turns.current] != a.pid:
        raise _deny("only the current speaker or the facilitator can pass the turn")
    return Decision([Event("turns", {"phase": phase.id, "order": list(turns.order), "current": turns.current + 1})])


def _anonymous(s: RoomState, phase: Phase) -> bool:
    """Whether an item given now carries no author: the room and the phase say so, and the
    group is large enough for it to mean something."""
    return s.anonymous_questions and phase.anonymous and len(s.group()) >= MIN_ANONYMOUS_GROUP


def _advice(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    phase = _require_input(s, a, "advice")
    _require_turn(s, a, phase)
    turns = s.current_turns()
    if phase.in_turn and turns.given == turns.current:
        raise _deny("one advice per turn; pass the turn to the next person")
    if len(s.advice) >= limits.MAX_ADVICE:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_ADVICE} advice items")
    aid = s.new_id("a")
    tag = identity.tag(a.anon_key, aid)
    item = Advice(aid, None if _anonymous(s, phase) else a.pid, args["text"], None, tag)
    return Decision([Event("advice_given", {"advice": item.public()}, internal={"tag": tag})], {"advice": item.id})


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
    events = [Event("role_changed", {"participant": target.id, "role": FACILITATOR})]
    return Decision(_with_away(s, events, ctx.now, roles={target.id: FACILITATOR}))


def _hand_over(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    target = _new_facilitator(s, a, args["participant"])
    # one decision: the room is never without a facilitator, and never has one too many
    events = [
        Event("role_changed", {"participant": target.id, "role": FACILITATOR}),
        Event("role_changed", {"participant": a.pid, "role": PARTICIPANT}),
    ]
    return Decision(_with_away(s, events, ctx.now, roles={target.id: FACILITATOR, a.pid: PARTICIPANT}))


def _claim(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Take over as facilitator when none has been online for FACILITATOR_CLAIM_AFTER: the
    group is not left without a lead. Those who were facilitator and are away become
    participants, as after a hand-over; the new facilitator can make them co-facilitators."""
    me = s.active(a.pid)
    if me is None or me.role != PARTICIPANT:
        raise _deny("only a participant can take over as facilitator")
    if a.pid == s.inbrenger:
        raise _deny("the inbrenger cannot be a facilitator")
    active = [p for p in s.participants.values() if not p.removed]
    if any(p.role == FACILITATOR and p.online for p in active):
        raise _deny("a facilitator is here: ask them to hand the role over")
    since = s.fac_away_since
    if since is None or not ctx.now or ctx.now < since + FACILITATOR_CLAIM_AFTER:
        raise _deny(f"you can take over once no facilitator has been here for {FACILITATOR_CLAIM_AFTER // 60} minutes")
    absent = [p.id for p in active if p.role == FACILITATOR]
    events = [Event("role_changed", {"participant": a.pid, "role": FACILITATOR})]
    events += [Event("role_changed", {"participant": pid, "role": PARTICIPANT}) for pid in absent]
    roles = {a.pid: FACILITATOR, **dict.fromkeys(absent, PARTICIPANT)}
    return Decision(_with_away(s, events, ctx.now, roles=roles))


def _set_method(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """Choose another method (a shipped one, or the facilitator's own file) in the lobby."""
    _require_fac(s, a)
    if s.phase != 0:
        raise _deny("the method can only be changed in the lobby")
    try:
        m = choose(args.get("method"), args.get("method_toml"))
    except MethodError as err:
        raise RoomError(errors.INVALID_FIELD, str(err)) from None
    internal = {"method_id": args.get("method", m.id), "method_toml": args.get("method_toml")}
    lobby = m.phases[0]
    public = {"method": m.view(), "phase": lobby.public(0), "timer": fresh_timer(lobby)}
    private = {**public, "phase": {**lobby.public(0), "script": dict(lobby.script)}}
    return Decision([Event("method_set", public, private, (FACILITATORS,), internal)], {"method": m.id})


def _end(s: RoomState, a: Actor, args: dict, ctx: Context) -> Decision:
    """End the meeting. Everyone still connected gets the final proof of participation with
    the close, its duration fixed now: after this the room is erased and nothing can be asked."""
    _require_fac(s, a)
    if s.started_at is None:
        return Decision([Event("ended", {})])
    return Decision([Event("ended", {"proof": proof_of(s, ctx.now, ended=True)})])


_HANDLERS: dict[str, Callable[[RoomState, Actor, dict, Context], Decision]] = {
    "lock": _lock,
    "screen_ticket": _screen_ticket,
    "remove": _remove,
    "advance": _advance,
    "back": _back,
    "close_vote": _close_vote,
    "choose_case": _choose,
    "hide_question": _hide,
    "deal_cards": _deal,
    "draw_card": _draw,
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
    "claim_facilitator": _claim,
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
        "perspectives": _summary_perspectives(s),
        "advice": [{"author": names.get(x.author or ""), "text": x.text, "rating": x.rating} for x in s.advice],
        "notes": [
            {"phase": n.phase, "text": n.text, "author": names.get(n.author or "")}
            for n in s.notes.values()
            if not n.hidden
        ],
        "response": s.response,
        "takeaway": s.takeaway,
    }


def _summary_perspectives(s: RoomState) -> list[dict[str, Any]]:
    """What was written from the cards, phase by phase, as everyone could read it; each
    entry names its card and gives each text with its field's label."""
    out = []
    for phase in s.method.phases:
        deal = s.deals.get(phase.id)
        for item in deal.visible() if deal else []:
            card = deal.card(item["card"])
            texts = [{"label": f["label"], "text": t} for f, t in zip(card["fields"], item["texts"], strict=True)]
            out.append({"phase": phase.id, "card": card["name"], "texts": texts})
    return out


# --------------------------------------------------------------------------- apply


def _set_away(s: RoomState, pub: dict[str, Any]) -> None:
    if "facilitator_away" in pub:
        away = pub["facilitator_away"]
        s.fac_away_since = away["since"] if away else None


def _set_turns(s: RoomState, phase_id: str, rec: dict[str, Any]) -> None:
    old = s.turns.get(phase_id)
    order = list(rec["order"])
    given = old.given if old is not None and old.order == order else -1  # a new order: nobody has spoken
    s.turns[phase_id] = Turns(order, rec["current"], given)


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
        if "ticket" in internal:  # a screen came in with its ticket: used up
            s.screen_tickets.pop(internal["ticket"], None)
    elif t == "screen_ticket":
        for key in internal["drop"]:
            s.screen_tickets.pop(key, None)
        s.screen_tickets[internal["ticket"]] = internal["expires"]
    elif t == "presence":
        s.participants[pub["participant"]].online = pub["online"]
        _set_away(s, pub)
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
        if s.current_phase.in_turn:
            _set_turns(s, s.current_phase.id, pub["turns"])
    elif t == "note_written":
        rec = pub.get("note") or internal.get("note") or prv["note"]
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
        s.people, s.questions, s.deals, s.seats, s.turns, s.advice = [], {}, {}, {}, {}, []
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
        _set_away(s, pub)
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
        s.deals, s.seats, s.turns = {}, {}, {}  # a new case: new cards, a new speaking order
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
    elif t == "cards_dealt":
        rec = pub["deal"]
        old = s.deals.get(pub["phase"])
        texts = old.texts if old else {}
        holders = dict(rec["holders"]) if rec["public"] else {}
        s.deals[pub["phase"]] = Deal(
            rec["deck"], rec["public"], rec["hidden"], [dict(c) for c in rec["cards"]], holders, texts
        )
        if "seats" in internal:
            s.seats[rec["deck"]] = list(internal["seats"])
    elif t == "card_drawn":
        s.deals[pub["phase"]].holders[internal["tag"]] = internal["card"]
    elif t == "perspective_written":
        s.deals[pub["phase"]].texts[internal["key"]] = list(internal["texts"])
    elif t == "perspectives_revealed":
        s.deals[pub["phase"]].revealed = [dict(p) for p in pub["perspectives"]]
    elif t == "turns":
        _set_turns(s, pub["phase"], pub)
    elif t == "advice_given":
        x = pub["advice"]
        s.advice.append(Advice(x["id"], x["author"], x["text"], None, internal.get("tag", "")))
        s.counter += 1
        turns = s.turns.get(s.current_phase.id)
        if turns is not None:
            turns.given = turns.current
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
        remember(s.applied, *internal["cmd"])
    return s
