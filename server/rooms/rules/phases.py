"""The course of the meeting: moving between phases (by hand or when the timer runs out),
the phase timer, the next case, choosing the method in the lobby, and the end."""

from __future__ import annotations

from typing import Any

from protocol import errors
from protocol.args import AdvanceArgs, AutoAdvanceArgs, NoArgs, SetMethodArgs, TimerArgs
from protocol.messages import TIMER_EXTEND_DEFAULT

from ..events import FACILITATORS, Actor, Event, RoomError
from ..method import Method, MethodError, choose, with_terugblik
from ..state import PARTICIPANT, RoomState, fresh_timer
from .checks import Context, Decision, Rule, deny
from .closing import summary
from .hybrid import cleared
from .people import proof_of
from .turns import turns_of


def phase_events(s: RoomState, index: int, by: str = "facilitator") -> list[Event]:
    """`by`: who moved the room, the facilitator or the timer (auto-advance)."""
    phase = s.method.phases[index]
    public = phase.public(index)
    script = {**public, "script": dict(phase.script)}  # what to say and watch for: facilitators only
    timer = fresh_timer(phase)  # so that clients need not know the method to reset it
    hidden = sum(1 for n in s.notes.values() if n.hidden and n.phase == phase.id)  # back to a phase: its count
    turns = turns_of(s, phase)

    def body() -> dict[str, Any]:  # one copy per audience
        return {
            "timer": dict(timer),
            "notes_hidden": hidden,
            "turns": {**turns, "order": list(turns["order"])},
            "hands": cleared(s),  # a new round: no hands up, nobody has the floor
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
        raise deny("this is the last phase")
    choice = _first_case_phase(s)
    if choice is not None and nxt > choice and s.inbrenger is None:
        raise deny("choose a case first: the next phase needs an inbrenger")
    return nxt


def unconfirmed(s: RoomState) -> list[str]:
    """Who has not confirmed the agreement while the room is in its phase: the names of
    the participants here (not facilitators, not screens), in the order they came."""
    if "confirm" not in s.current_phase.accepts:
        return []
    return [
        p.name for p in s.participants.values() if not p.removed and p.role == PARTICIPANT and p.id not in s.confirmed
    ]


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
    if unconfirmed(s):  # only the facilitator moves on without everyone's confirmation
        return Decision()
    return Decision(phase_events(s, nxt, by="timer"))


def advance(s: RoomState, a: Actor, args: AdvanceArgs, ctx: Context) -> Decision:
    """Move on. Out of the agreement's phase only once every participant has confirmed,
    or when the facilitator says `anyway`: those who have not get nothing of the case
    until they do (views.withheld), and can confirm in any later phase."""
    nxt = _next_phase(s)
    missing = unconfirmed(s)
    if missing and not args.get("anyway", False):
        raise deny(f"not everyone has confirmed the agreement: {', '.join(missing)}")
    events = phase_events(s, nxt)
    if s.started_at is None and ctx.now:
        events[0].internal = {"at": ctx.now}  # the meeting starts: for the proof of participation
    return Decision(events)


def back(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    if s.phase == 0:
        raise deny("this is the first phase")
    return Decision(phase_events(s, s.phase - 1))


def next_case(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Close this case and go back to the case choice for the next one. The inbrenger's
    summary is kept for them alone; the questions, cards and advice of this case go."""
    choice = _first_case_phase(s)
    if choice is None or s.inbrenger is None or s.phase <= choice:
        raise deny("there is no case under way to close")
    phase = s.method.phases[choice]
    timer = fresh_timer(phase)
    public = {
        "phase": phase.public(choice),
        "timer": timer,
        "notes_hidden": 0,
        "case": s.chosen_case,
        "hands": cleared(s),
    }
    private = {**public, "phase": {**phase.public(choice), "script": dict(phase.script)}}
    internal = {"inbrenger": s.inbrenger, "summary": summary(s)}
    return Decision([Event("next_case", public, private, (FACILITATORS,), internal)])


def timer(s: RoomState, a: Actor, args: TimerArgs, ctx: Context) -> Decision:
    action = args["action"]
    running, deadline, remaining = s.timer_running, s.timer_deadline, s.timer_remaining
    if action == "start":
        if running:
            return Decision()
        running, deadline = True, ctx.now + remaining
    elif action == "pause":
        if not running or deadline is None:
            return Decision()
        remaining = deadline - ctx.now  # negative: overrun
        running, deadline = False, None
    else:  # extend
        seconds = float(args.get("seconds", TIMER_EXTEND_DEFAULT))
        if running and deadline is not None:
            deadline += seconds
            remaining = deadline - ctx.now
        else:
            remaining += seconds
    return Decision([Event("timer", {"timer": {"running": running, "deadline": deadline, "remaining": remaining}})])


def auto_advance(s: RoomState, a: Actor, args: AutoAdvanceArgs, ctx: Context) -> Decision:
    if s.auto_advance == args["on"]:
        return Decision()
    return Decision([Event("auto_advance", {"on": args["on"]})])


def chosen(method_id: str | None, method_toml: str | None = None) -> Method:
    """The method a command names (method.choose), or its refusal as `invalid_field`."""
    try:
        return choose(method_id, method_toml)
    except MethodError as err:
        raise RoomError(errors.INVALID_FIELD, str(err)) from None


def set_method(s: RoomState, a: Actor, args: SetMethodArgs, ctx: Context) -> Decision:
    """Choose another method (a shipped one, or the facilitator's own file) in the lobby."""
    if s.phase != 0:
        raise deny("the method can only be changed in the lobby")
    m = chosen(args.get("method"), args.get("method_toml"))
    internal = {"method_id": args.get("method", m.id), "method_toml": args.get("method_toml")}
    if s.terugblik:  # a group's meeting keeps its terugblik with any method
        m = with_terugblik(m)
    lobby = m.phases[0]
    public = {"method": m.view(), "phase": lobby.public(0), "timer": fresh_timer(lobby)}
    private = {**public, "phase": {**lobby.public(0), "script": dict(lobby.script)}}
    return Decision([Event("method_set", public, private, (FACILITATORS,), internal)], {"method": m.id})


def end(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """End the meeting. Everyone still connected gets the final proof of participation with
    the close, its duration fixed now: after this the room is erased and nothing can be asked.
    The inbrenger of the case under way gets their summary with it (and their earlier ones),
    so it is in their browser before the erase; nothing of it stays on the server."""
    public = {} if s.started_at is None else {"proof": proof_of(s, ctx.now, ended=True)}
    inbrenger = s.active(s.inbrenger) if s.inbrenger else None
    if inbrenger is None:
        return Decision([Event("ended", public)])
    private = {**public, "summary": summary(s), "earlier": list(s.summaries.get(inbrenger.id, []))}
    return Decision([Event("ended", public, private, (inbrenger.id,))])


RULES = {
    "advance": Rule(advance, facilitator=True),
    "back": Rule(back, facilitator=True),
    "next_case": Rule(next_case, facilitator=True),
    "timer": Rule(timer, facilitator=True),
    "auto_advance": Rule(auto_advance, facilitator=True),
    "set_method": Rule(set_method, facilitator=True),
    "end": Rule(end, facilitator=True),
}
