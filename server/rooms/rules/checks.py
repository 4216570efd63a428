"""What every rule of the room is built from: a handler's context and decision, the table
row that says who may give a command when, and the refusals shared by the features."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from protocol import errors
from protocol.args import TextArgs

from ..events import Actor, Event, RoomError
from ..method import Phase
from ..state import FACILITATOR, MIN_ANONYMOUS_GROUP, PARTICIPANT, RoomState


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


# a handler takes its command's own args (protocol.args.COMMAND_ARGS), hence Any here
Handler = Callable[[RoomState, Actor, Any, Context], Decision]


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of a feature's table: the handler of a command, and who may give it when.

    The dispatcher (engine.decide) checks `facilitator` and then `needs` before it calls
    the handler, so a plain handler checks neither. Where a command's phase check is not
    the plain one, `own_check` says why and the handler checks in its own order; `needs`
    still names the input, for everyone who reads the table.
    """

    handler: Handler
    facilitator: bool = False  # only a facilitator may give it
    needs: str | None = None  # the Phase.accepts input it gives (see require_input)
    own_check: str = ""  # why the handler checks `needs` itself (empty: the dispatcher does)


def deny(detail: str) -> RoomError:
    return RoomError(errors.NOT_ALLOWED, detail)


def missing(what: str) -> RoomError:
    return RoomError(errors.NOT_FOUND, f"no such {what}")


def is_fac(state: RoomState, pid: str) -> bool:
    p = state.active(pid)
    return p is not None and p.role == FACILITATOR


def require_fac(state: RoomState, actor: Actor) -> None:
    if not is_fac(state, actor.pid):
        raise deny("only the facilitator can do this")


def require_input(state: RoomState, actor: Actor, what: str) -> Phase:
    """The generic rule: the phase must accept this input from the actor's part in it."""
    phase = state.current_phase
    who = phase.accepts.get(what)
    if who is None:
        raise deny(f"{what.replace('_', ' ')} is not possible in the phase '{phase.id}'")
    p = state.active(actor.pid)
    if p is None or p.role != PARTICIPANT:
        raise deny("only participants can do this")
    is_inbrenger = actor.pid == state.inbrenger
    if who == "inbrenger" and not is_inbrenger:
        raise deny("only the inbrenger can do this")
    if who == "group" and is_inbrenger:
        raise deny("the inbrenger listens in this part")
    if is_inbrenger and phase.inbrenger != "speaks":
        if what != "response":
            raise deny(f"the inbrenger {phase.inbrenger} in this phase")
        if phase.in_turn and not state.current_turns().done:
            raise deny("the inbrenger listens and responds after the last turn")
    return phase


def anonymous(s: RoomState, phase: Phase) -> bool:
    """Whether an item given now carries no author: the room and the phase say so, and the
    group is large enough for it to mean something."""
    return s.anonymous_questions and phase.anonymous and len(s.group()) >= MIN_ANONYMOUS_GROUP


def text_event(kind: str) -> Handler:
    """The handler of a command that sets one text of the room (the essence, the response,
    the take-away): an event named for the input, everyone sees it."""

    def handler(s: RoomState, a: Actor, args: TextArgs, ctx: Context) -> Decision:
        return Decision([Event(kind, {"text": args["text"]})])

    return handler
