"""Commands -> events (`decide`) and events -> state (`apply`). Pure: no I/O, no clock.

Randomness (card dealing, reveal shuffle) and the time (the phase timer) come in as
arguments and their outcome is written into the events, so replaying a log always gives
the same state.

This module is the dispatcher: it merges the feature tables of `rules/` into one (RULES),
guards every command by its row (who may give it, which phase input it needs), answers a
re-sent command with its first result, and adds what the room must not store to the ack.
The rules themselves live by feature in `rules/`, the fold in `fold.py`; the names other
modules use are importable from here.
"""

from __future__ import annotations

import random
from typing import Any

from protocol import errors, limits
from protocol.messages import Command

from . import identity
from .events import Actor, Event, RoomError
from .fold import apply
from .rules import cards, cases, circles, closing, hybrid, people, phases, questions, turns
from .rules.checks import Context, Decision, Rule, deny, require_fac, require_input
from .rules.people import decide_join, decide_member_entry, decide_presence
from .rules.phases import decide_auto_advance
from .state import (
    FACILITATOR,
    FACILITATOR_CLAIM_AFTER,
    MIN_ANONYMOUS_GROUP,
    OBSERVER,
    SCREEN,
    Participant,
    RoomState,
    fresh_timer,
)
from .views import withheld

__all__ = [
    "FACILITATOR_CLAIM_AFTER",
    "FEATURES",
    "MIN_ANONYMOUS_GROUP",
    "PERMISSIONS",
    "RULES",
    "Decision",
    "apply",
    "decide",
    "decide_auto_advance",
    "decide_join",
    "decide_member_entry",
    "decide_presence",
    "dedup_key",
    "find_participant",
    "fresh_timer",
    "new_room",
]

#: each part of a session and its table of commands
FEATURES: dict[str, dict[str, Rule]] = {
    "people": people.RULES,
    "phases": phases.RULES,
    "cases": cases.RULES,
    "questions": questions.RULES,
    "cards": cards.RULES,
    "turns": turns.RULES,
    "hybrid": hybrid.RULES,
    "circles": circles.RULES,
    "closing": closing.RULES,
}


#: commands about the case that need no phase input: one kept from the case (views.withheld)
#: may not give them, as they may not give any command that gives a phase input but
#: `confirm` and `evaluation` (the meeting, not the case)
ABOUT_THE_CASE = frozenset({"rate_advice", "summary", "summary_kept"})


def merge_tables(features: dict[str, dict[str, Rule]]) -> dict[str, Rule]:
    """One table of every command; a command in two features' tables is a mistake."""
    merged: dict[str, Rule] = {}
    for feature, table in features.items():
        twice = merged.keys() & table.keys()
        if twice:
            raise ValueError(f"{feature} names commands another feature has: {sorted(twice)}")
        merged.update(table)
    return merged


#: command -> its handler and who may give it when (see rules.checks.Rule)
RULES = merge_tables(FEATURES)
#: the same as plain data, for the tests and the browser: who may give a command, and the
#: phase input (a Phase.accepts key) it needs
PERMISSIONS: dict[str, dict[str, Any]] = {
    t: {"facilitator": rule.facilitator, "input": rule.needs} for t, rule in RULES.items()
}


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
    terugblik: bool = False,
    first_timer: bool = False,
    theme: str | None = None,
    rota: dict[str, list[str]] | None = None,
    call_link: str | None = None,
) -> RoomState:
    """A fresh room with its first facilitator as `p1`. `terugblik`: it opens with the
    terugblik round (a group's meeting that has an earlier one to look back on);
    `first_timer`: its facilitator leads their group for the first time
    (server/groups/coaching.py), so their cockpit coaches them; `theme`: the group's theme
    for this meeting, `rota` who has which role on its rota, and `call_link` the video
    call the group meets on (rules/hybrid.py)."""
    state = RoomState(
        code=code,
        epoch=epoch,
        method_id=method_id,
        method_toml=method_toml,
        language=language,
        anonymous_questions=anonymous_questions,
        max_participants=max_participants,
        terugblik=terugblik,
        theme=theme,
        rota=dict(rota or {}),
        call_link=call_link,
    )
    state.participants["p1"] = Participant("p1", facilitator_name, FACILITATOR, facilitator_token_hash)
    state.counter = 1
    state.first_timers = ["p1"] if first_timer else []
    state.reset_timer()
    return state


def circle_room(plenary: RoomState, circle: dict[str, Any], epoch: str) -> RoomState:
    """The room of one circle, as its first member finds it: the plenary's facilitators
    and the circle's members, each under their own id and name and a token hash derived
    from their plenary one (identity.circle_token_hash), running the plenary's method."""
    code = circle["code"]
    facilitators = [p for p in plenary.participants.values() if not p.removed and p.role == FACILITATOR]
    first = facilitators[0] if facilitators else None
    state = new_room(
        code,
        epoch,
        identity.circle_token_hash(first.token_hash if first else "", code),
        method_id=circle.get("method") or plenary.method_id,
        method_toml=None if circle.get("method") else plenary.method_toml,
        language=plenary.language,
        anonymous_questions=plenary.anonymous_questions,
        facilitator_name=first.name if first else "Procesbegeleider",
        max_participants=plenary.max_participants,
        call_link=plenary.call_link,
    )
    state.plenary = plenary.code
    state.participants.clear()
    for p in [*facilitators, *(plenary.participants[pid] for pid in circle["members"])]:
        hashed = identity.circle_token_hash(p.token_hash, code)
        state.participants[p.id] = Participant(p.id, p.name, p.role, hashed, place=p.place)
    state.counter = max(int(pid[1:]) for pid in state.participants)
    return state


def dedup_key(actor: Actor, command_id: str) -> str:
    """Key under which a command's result is remembered; unlinkable to the actor."""
    return identity.tag(actor.anon_key, "cmd:" + command_id)


def find_participant(state: RoomState, token_hash: str) -> Participant | None:
    for p in state.participants.values():
        if p.token_hash == token_hash:
            return p
    return None


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
        raise deny("a screen only shows the room")
    if me.role == OBSERVER:
        raise deny("a silent observer only watches the room")
    rule = RULES[cmd.t]
    if rule.facilitator and not circles.leads_itself(state, actor.pid, cmd.t):
        require_fac(state, actor)
    if (rule.needs not in (None, "confirm", "evaluation") or cmd.t in ABOUT_THE_CASE) and withheld(state, actor.pid):
        raise deny("confirm the agreement on confidentiality first")
    if rule.needs is not None and not rule.own_check:
        require_input(state, actor, rule.needs)
    decision = rule.handler(state, actor, cmd.args, Context(rng, now, cmd.id))
    if decision.events:
        _cmd_marker(decision.events, key, decision.result)
    # after the marker: what the room remembers of the result holds no secret
    return Decision(decision.events, _with_secret(actor, cmd, decision.result))


def _cmd_marker(events: list[Event], key: str, result: dict[str, Any]) -> None:
    first = events[0]
    first.internal = {**(first.internal or {}), "cmd": [key, result]}


def _with_secret(actor: Actor, cmd: Command, result: dict[str, Any]) -> dict[str, Any]:
    """The ack's result with what the room must not store: a screen ticket, computed
    again from the facilitator's key, so that a re-sent command gets the same one."""
    if cmd.t != "screen_ticket" or "expires" not in result:
        return result
    return {**result, "ticket": identity.screen_ticket(actor.anon_key, cmd.id, result["expires"])}
