"""Who is in the room: joining (as a participant or a projector screen), presence, the
lock and a latecomer's knock at it, removal, the facilitator role (added, handed over,
claimed), the confirmation of confidentiality, and the proof of participation."""

from __future__ import annotations

from typing import Any

from protocol import errors, limits
from protocol.args import KnockArgs, ListMeArgs, LockArgs, NoArgs, ParticipantArgs

from .. import identity
from ..events import FACILITATORS, Actor, Event, RoomError
from ..state import (
    FACILITATOR,
    FACILITATOR_CLAIM_AFTER,
    LET_IN,
    OBSERVER,
    PARTICIPANT,
    SCREEN,
    TURNED_AWAY,
    Case,
    Knock,
    Participant,
    RoomState,
    away_record,
)
from ..views import unsaved
from .checks import Context, Decision, Rule, deny, missing, require_input


def decide_join(
    state: RoomState,
    name: str,
    token_hash: str,
    role: str = PARTICIPANT,
    *,
    ticket: str | None = None,
    knock: str | None = None,
    new_knock: str | None = None,
    now: float = 0.0,
    place: str | None = None,
) -> Decision:
    """A join by code; `role` is PARTICIPANT, or SCREEN for a read-only projector;
    `place` where a participant takes part from (rules/hybrid.py), if they said.

    A screen that brings a facilitator's `ticket` (see `screen_ticket`) comes in even when
    the room is locked, so the room never has to open for it; the ticket is used up by the
    join. `now` is the server clock, against which the ticket's expiry is checked.

    A participant at a locked room knocks (see `knock_at`): the decision then holds the
    `knocked` event and no join, and the caller refuses the hello with the secret whose
    hash is `new_knock`. With the secret of a knock (`knock`) the facilitator let in, the
    join goes ahead and uses the knock up. An unlocked room needs no knock: there a
    knock's secret is a plain join.
    """
    if role not in (PARTICIPANT, SCREEN):
        raise ValueError(role)
    if state.ended:
        raise RoomError(errors.UNKNOWN_ROOM, "this room has ended")
    if state.plenary is not None:  # its members come in with their room's token (ws._enter_circle)
        raise RoomError(errors.UNKNOWN_ROOM, "a circle is entered from its room")
    internal: dict[str, Any] = {"token_hash": token_hash}
    if ticket is not None:
        if role != SCREEN:
            raise deny("a screen ticket lets in a projector screen only")
        key = identity.ticket_hash(ticket)
        expires = state.screen_tickets.get(key)
        if expires is None or now >= expires:
            raise RoomError(errors.BAD_TICKET, "this screen ticket is unknown, expired or used")
        internal["ticket"] = key  # used up with the join
    elif state.locked:
        if role == SCREEN:  # a screen waits for the room to open, or comes with a ticket
            raise RoomError(errors.ROOM_LOCKED, "the room is locked")
        let_in = answered_knock(state, knock, now)
        if let_in is None:
            return knock_at(state, name, new_knock, now)
        internal["knock"] = let_in  # used up with the join
    _room_for_one(state)
    pid = state.new_id("p")
    rec = Participant(
        pid, _unique_name(state, name), role, token_hash, place=place if role != SCREEN else None
    ).public()
    ev = Event("joined", {"participant": rec}, internal=internal)
    return Decision([ev], {"participant": pid})


def _room_for_one(state: RoomState) -> None:
    if sum(1 for p in state.participants.values() if not p.removed) >= state.max_participants:
        raise RoomError(errors.ROOM_FULL, f"at most {state.max_participants} participants")


def _unique_name(state: RoomState, name: str) -> str:
    taken = {p.name.casefold() for p in state.participants.values() if not p.removed}
    unique, n = name, 1
    while unique.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        unique = name[: limits.MAX_NAME - len(suffix)] + suffix
    return unique


def decide_member_entry(
    state: RoomState,
    name: str,
    token_hash: str,
    *,
    facilitator: bool,
    cases: list[tuple[str, str]],
    first_time: bool = False,
    observer: bool = False,
) -> Decision:
    """A member of the meeting's group enters with their group link (server/groups/meetingroom.py).

    The token is derived from their link and the room, so the same member entering again
    is the same participant: no events then. A member is known, so a locked room does not
    make them knock; the rota's facilitator comes in as a facilitator. The cases they
    prepared before the meeting are proposed in their name while no case has been chosen
    yet (as many as the room still takes). A facilitator who leads the group for the first
    time (`first_time`, from the group's ledger) is marked so, for themselves and the
    facilitators (their `joined` has a facilitators' form that says so). A begeleider may
    come in as a silent `observer` instead (state.OBSERVER): they see the public room and
    give nothing; entering again keeps whatever role they came in with."""
    if state.ended:
        raise RoomError(errors.UNKNOWN_ROOM, "this room has ended")
    for p in state.participants.values():
        if p.token_hash == token_hash:
            if p.removed:
                raise RoomError(errors.BAD_TOKEN, "you were removed from this room")
            return Decision([], {"participant": p.id})
    _room_for_one(state)
    n = state.counter
    pid = f"p{n + 1}"
    role = FACILITATOR if facilitator else OBSERVER if observer else PARTICIPANT
    rec = Participant(pid, _unique_name(state, name), role, token_hash)
    joined = Event("joined", {"participant": rec.public()}, internal={"token_hash": token_hash})
    if facilitator and first_time:
        joined.internal = {"token_hash": token_hash, "first_time": True}
        joined.fac = {"participant": rec.public(), "first_time": True}
    events = [joined]
    if role == PARTICIPANT and state.chosen_case is None and state.inbrenger is None and not state.cases_done:
        for title, question in cases[: max(0, limits.MAX_CASES - len(state.cases))]:
            n += 1
            case = Case(f"c{n + 1}", title, question, pid)
            events.append(Event("case_proposed", {"case": case.public()}))
    return Decision(events, {"participant": pid})


def answered_knock(state: RoomState, secret: str | None, now: float) -> str | None:
    """The id of the knock this `secret` belongs to, if the facilitator let it in. A knock
    that still waits is refused again, as plain `room_locked` (no new knock: the
    facilitator sees it already), one turned away with `not_let_in`. None when there is
    no secret or no such knock (never given, expired, pushed out): then it knocks anew."""
    if secret is None:
        return None
    key = identity.knock_hash(secret)
    k = next((k for k in state.knocks.values() if k.secret_hash == key and now < k.expires), None)
    if k is None:
        return None
    if k.answer == TURNED_AWAY:
        raise RoomError(errors.NOT_LET_IN, "the facilitator did not let you in")
    if k.answer != LET_IN:
        raise RoomError(errors.ROOM_LOCKED, "the room is locked")
    return k.id


def knock_at(state: RoomState, name: str, secret_hash: str | None, now: float) -> Decision:
    """A latecomer knocks at the locked room: the facilitators see who asks (`knocked`,
    theirs alone; the others see an empty event), the room keeps only the hash of the
    knocker's secret. The knocks that expired, an earlier one with the same name (the same
    person asking again), and the oldest beyond MAX_KNOCKS go with this one. Without a
    secret to give (`secret_hash` None) the refusal is plain `room_locked`."""
    if secret_hash is None:
        raise RoomError(errors.ROOM_LOCKED, "the room is locked")
    drop = [k.id for k in state.knocks.values() if now >= k.expires or k.name.casefold() == name.casefold()]
    kept = [k.id for k in state.knocks.values() if k.id not in drop]  # oldest first
    drop += kept[: max(0, len(kept) + 1 - limits.MAX_KNOCKS)]
    rec = Knock(state.new_id("k"), name, now, now + limits.KNOCK_TTL, secret_hash)
    internal = {"secret_hash": secret_hash, "expires": rec.expires}
    ev = Event("knocked", {}, {"knock": rec.public(), "drop": drop}, (FACILITATORS,), internal)
    return Decision([ev], {"knock": rec.id})


def decide_presence(state: RoomState, pid: str, online: bool, now: float = 0.0) -> Decision:
    """Someone's first connection opened or last one closed. `now` (server unix time) dates
    the moment the last facilitator went away, from which a participant may take over."""
    p = state.active(pid)
    if p is None or p.online == online or state.ended:
        return Decision()
    events = [Event("presence", {"participant": pid, "online": online})]
    return Decision(_with_away(state, events, now, online={pid: online}))


def _with_away(
    s: RoomState,
    events: list[Event],
    now: float,
    roles: dict[str, str] | None = None,
    online: dict[str, bool] | None = None,
) -> list[Event]:
    """If these events change whether any facilitator is online, the last one says so
    (`facilitator_away`), with the time: the engine reads no clock, so it keeps the moment.
    Not in a circle, which leads itself (circles.SELF_LED): nobody waits there for one."""
    if s.plenary is not None:
        return events
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


def lock(s: RoomState, a: Actor, args: LockArgs, ctx: Context) -> Decision:
    if s.locked == args["locked"]:
        return Decision()
    return Decision([Event("locked", {"locked": args["locked"]})])


def screen_ticket(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """A one-time ticket for a projector screen, good for SCREEN_TICKET_TTL seconds: with it
    a screen joins a locked room (as a screen only), so the room never opens for anyone
    else. The room keeps the ticket's hash; the ticket itself goes back in the ack only
    (see engine's `_with_secret`). Tickets that expired, and the oldest beyond
    MAX_SCREEN_TICKETS, are dropped with this one."""
    expires = ctx.now + limits.SCREEN_TICKET_TTL
    live = sorted((until, h) for h, until in s.screen_tickets.items() if until > ctx.now)
    drop = [h for h, until in s.screen_tickets.items() if until <= ctx.now]
    drop += [h for _, h in live[: max(0, len(live) + 1 - limits.MAX_SCREEN_TICKETS)]]
    ticket = identity.screen_ticket(a.anon_key, ctx.command_id, expires)
    internal = {"ticket": identity.ticket_hash(ticket), "expires": expires, "drop": drop}
    ev = Event("screen_ticket", {}, {"expires": expires}, (FACILITATORS,), internal)
    return Decision([ev], {"expires": expires})


def _open_knock(s: RoomState, knock_id: str, now: float) -> Knock:
    k = s.knocks.get(knock_id)
    if k is None or now >= k.expires:
        raise missing("knock")
    if k.answer is not None:
        raise deny("this knock has been answered already")
    return k


def let_in(s: RoomState, a: Actor, args: KnockArgs, ctx: Context) -> Decision:
    """Let a knocker in: their next hello with the knock's secret joins the locked room
    (once), and the room stays locked for everyone else."""
    k = _open_knock(s, args["knock"], ctx.now)
    return Decision([Event("let_in", {}, {"knock": k.id}, (FACILITATORS,))])


def turn_away(s: RoomState, a: Actor, args: KnockArgs, ctx: Context) -> Decision:
    """Do not let a knocker in: their next hello with the knock's secret gets `not_let_in`."""
    k = _open_knock(s, args["knock"], ctx.now)
    return Decision([Event("turned_away", {}, {"knock": k.id}, (FACILITATORS,))])


def remove(s: RoomState, a: Actor, args: ParticipantArgs, ctx: Context) -> Decision:
    target = s.active(args["participant"])
    if target is None:
        raise missing("participant")
    if target.role == FACILITATOR:
        raise deny("a facilitator cannot be removed")
    public = {"participant": target.id}
    # the facilitators' end confirmation names who has not saved a summary: a removed
    # inbrenger of the case under way has none to save any more (an earlier one keeps theirs)
    still = [pid for pid in unsaved(s) if pid != target.id or pid in s.summaries]
    return Decision([Event("removed", public, fac={**public, "summaries_unsaved": still})])


def _new_facilitator(s: RoomState, pid: str) -> Participant:
    """The checks shared by add_facilitator and hand_over; returns the target."""
    target = s.active(pid)
    if target is None:
        raise missing("participant")
    if target.role == FACILITATOR:
        raise deny("this person is a facilitator already")
    if target.role == SCREEN:
        raise deny("a screen cannot be a facilitator")
    if target.id == s.inbrenger:
        raise deny("the inbrenger cannot be a facilitator")
    return target


def add_facilitator(s: RoomState, a: Actor, args: ParticipantArgs, ctx: Context) -> Decision:
    target = _new_facilitator(s, args["participant"])
    events = [Event("role_changed", {"participant": target.id, "role": FACILITATOR})]
    return Decision(_with_away(s, events, ctx.now, roles={target.id: FACILITATOR}))


def bound_by_agreement(s: RoomState, pids: list[str]) -> list[Event]:
    """Facilitators who become participants: each counts as having confirmed the agreement
    (they led it, and saw the case), so they are not kept from the case (views.withheld).
    A `confirmed` event for each who had not, before their role changes."""
    if s.method.agreement is None:
        return []
    events, n = [], len(s.confirmed)
    for pid in pids:
        if pid not in s.confirmed:
            n += 1
            public, private = {"confirmed_count": n}, {"confirmed_count": n, "participant": pid}
            events.append(Event("confirmed", public, private, (FACILITATORS, pid)))
    return events


def hand_over(s: RoomState, a: Actor, args: ParticipantArgs, ctx: Context) -> Decision:
    target = _new_facilitator(s, args["participant"])
    # one decision: the room is never without a facilitator, and never has one too many
    events = [
        *bound_by_agreement(s, [a.pid]),
        Event("role_changed", {"participant": target.id, "role": FACILITATOR}),
        Event("role_changed", {"participant": a.pid, "role": PARTICIPANT}),
    ]
    return Decision(_with_away(s, events, ctx.now, roles={target.id: FACILITATOR, a.pid: PARTICIPANT}))


def claim(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Take over as facilitator when none has been online for FACILITATOR_CLAIM_AFTER: the
    group is not left without a lead. Those who were facilitator and are away become
    participants, as after a hand-over; the new facilitator can make them co-facilitators."""
    me = s.active(a.pid)
    if me is None or me.role != PARTICIPANT:
        raise deny("only a participant can take over as facilitator")
    if a.pid == s.inbrenger:
        raise deny("the inbrenger cannot be a facilitator")
    active = [p for p in s.participants.values() if not p.removed]
    if any(p.role == FACILITATOR and p.online for p in active):
        raise deny("a facilitator is here: ask them to hand the role over")
    since = s.fac_away_since
    if since is None or not ctx.now or ctx.now < since + FACILITATOR_CLAIM_AFTER:
        raise deny(f"you can take over once no facilitator has been here for {FACILITATOR_CLAIM_AFTER // 60} minutes")
    absent = [p.id for p in active if p.role == FACILITATOR]
    events = [*bound_by_agreement(s, absent), Event("role_changed", {"participant": a.pid, "role": FACILITATOR})]
    events += [Event("role_changed", {"participant": pid, "role": PARTICIPANT}) for pid in absent]
    roles = {a.pid: FACILITATOR, **dict.fromkeys(absent, PARTICIPANT)}
    return Decision(_with_away(s, events, ctx.now, roles=roles))


_CONFIRM_CHECK = "in the phase that accepts it, and in every later one by whoever has not yet confirmed"


def confirm(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Confirm confidentiality; everyone sees the count, facilitators and you see it was you.

    In the agreement's phase (the one that accepts `confirm`), and after it by whoever has
    not yet confirmed (a late joiner, one the facilitator moved on without): until then
    they get nothing of the case (views.withheld), so they must be able to."""
    agreement = s.method.agreement
    if agreement is None or s.phase < agreement or a.pid in s.confirmed:
        require_input(s, a, "confirm")  # its own refusal, or nothing to do
    else:
        p = s.active(a.pid)
        if p is None or p.role != PARTICIPANT:
            raise deny("only participants can do this")
    if a.pid in s.confirmed:
        return Decision()
    n = len(s.confirmed) + 1
    public, private = {"confirmed_count": n}, {"confirmed_count": n, "participant": a.pid}
    return Decision([Event("confirmed", public, private, (FACILITATORS, a.pid))])


def list_me(s: RoomState, a: Actor, args: ListMeArgs, ctx: Context) -> Decision:
    # `decide` has refused screens and removed people already: everyone here may be listed
    if (a.pid in s.listed) == args["listed"]:
        return Decision()
    return Decision([Event("listed", {"participant": a.pid, "listed": args["listed"]})])


def proof_of(s: RoomState, until: float | None, ended: bool) -> dict[str, Any]:
    """Proof of participation for professions that log intervisie hours: date, duration,
    method, how many took part in all (participants and facilitators still in the room, no
    screens) and the names of those who agreed to be listed (facilitators too, each their
    own choice). No case content at all. The duration runs to `until`: the close of the
    meeting once it is ended, else the moment it is asked (and it says so: `ended_at` null)."""
    started = s.started_at or 0.0
    minutes = max(1, round((until - started) / 60)) if until and s.started_at else 0
    listed = [s.participants[pid] for pid in s.listed if s.active(pid)]
    took_part = sum(1 for p in s.participants.values() if not p.removed and p.role in (PARTICIPANT, FACILITATOR))
    return {
        "started_at": s.started_at,
        "ended_at": until if ended else None,
        "minutes": minutes,
        "method": dict(s.method.name),
        "cases": s.cases_done + (1 if s.inbrenger else 0),
        "participants": [p.name for p in listed if p.role == PARTICIPANT],
        "facilitators": [p.name for p in listed if p.role == FACILITATOR],
        "took_part": took_part,
    }


def proof(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    if s.started_at is None:
        raise deny("the meeting has not started yet")
    return Decision([], {"proof": proof_of(s, ctx.now, ended=False)})


RULES = {
    "lock": Rule(lock, facilitator=True),
    "screen_ticket": Rule(screen_ticket, facilitator=True),
    "let_in": Rule(let_in, facilitator=True),
    "turn_away": Rule(turn_away, facilitator=True),
    "remove": Rule(remove, facilitator=True),
    "add_facilitator": Rule(add_facilitator, facilitator=True),
    "hand_over": Rule(hand_over, facilitator=True),
    "claim_facilitator": Rule(claim),  # a participant, once no facilitator has been here: the handler checks
    "confirm": Rule(confirm, needs="confirm", own_check=_CONFIRM_CHECK),
    "list_me": Rule(list_me),
    "proof": Rule(proof),
}
