"""Circles that work in parallel (issue 16, docs/CIRCLES.md): who goes into which, the
`split` of a room into circles, and the room each circle is.

Pure: the randomness comes in as an argument. Circles hold MIN_CIRCLE to MAX_CIRCLE people;
an even split makes them as equal as it can (sizes differ by one at most) and keeps the
people in the room together and the people online together where the numbers allow, so
that a circle does not have to talk across the table and the call at once. A split by
hand is checked against the same rules. docs/CIRCLES.md has the design of the circles
themselves: each a room of its own, with its own log.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from protocol import errors, limits
from protocol.args import NoArgs, SplitArgs, TextArgs

from .. import identity
from ..events import FACILITATORS, Actor, Event, RoomError
from ..state import FACILITATOR, IN_ROOM, ONLINE, PARTICIPANT, Participant, RoomState
from ..views import unsaved
from .checks import Context, Decision, Rule, deny
from .phases import chosen

MIN_CIRCLE, MAX_CIRCLE = 3, 5


class CircleError(ValueError):
    """A split that cannot be made; the message says why, for the facilitator."""


def circle_count(people: int, size: int) -> int:
    """How many circles of about `size` (MIN_CIRCLE-MAX_CIRCLE) `people` make."""
    if not MIN_CIRCLE <= size <= MAX_CIRCLE:
        raise CircleError(f"a circle holds {MIN_CIRCLE} to {MAX_CIRCLE} people")
    if people < MIN_CIRCLE:
        raise CircleError(f"a circle needs at least {MIN_CIRCLE} people")
    fewest, most = -(-people // MAX_CIRCLE), people // MIN_CIRCLE  # every circle within the bounds
    return min(max(round(people / size), fewest), most)


def split_evenly(people: Sequence[tuple[str, str | None]], size: int, rng: random.Random) -> list[list[str]]:
    """(participant id, place) -> circles of about `size`, places kept together."""
    k = circle_count(len(people), size)
    base, extra = divmod(len(people), k)
    sizes = [base + 1 if i < extra else base for i in range(k)]
    lined_up: list[str] = []
    for place in (ONLINE, IN_ROOM, None):  # each place shuffled, then filled in circle by circle
        here = [pid for pid, p in people if p == place or (place is None and p not in (ONLINE, IN_ROOM))]
        rng.shuffle(here)
        lined_up += here
    circles, start = [], 0
    for n in sizes:
        circles.append(lined_up[start : start + n])
        start += n
    return circles


def check_split(circles: Sequence[Sequence[str]], group: Sequence[str]) -> None:
    """A split by hand: everyone of `group` in exactly one circle of the allowed size."""
    seen = [pid for circle in circles for pid in circle]
    if len(set(seen)) != len(seen):
        raise CircleError("someone is in two circles")
    strangers = [pid for pid in seen if pid not in group]
    if strangers:
        raise CircleError(f"not in the group: {', '.join(strangers)}")
    left_out = [pid for pid in group if pid not in seen]
    if left_out:
        raise CircleError(f"in no circle: {', '.join(left_out)}")
    if any(not MIN_CIRCLE <= len(c) <= MAX_CIRCLE for c in circles):
        raise CircleError(f"a circle holds {MIN_CIRCLE} to {MAX_CIRCLE} people")


def split(s: RoomState, a: Actor, args: SplitArgs, ctx: Context) -> Decision:
    """Split the group (every participant, the inbrenger of the case under way included)
    into circles of about `size` at random, or into the facilitator's own `circles`; each
    circle is a room of its own, made when its first member comes in (`engine.circle_room`)."""
    if s.circles:
        raise deny("the room is split into circles already")
    group = [(p.id, p.place) for p in s.participants.values() if not p.removed and p.role == PARTICIPANT]
    if ("size" in args) == ("circles" in args):
        raise RoomError(errors.INVALID_FIELD, "give either 'size' or 'circles'")
    if len(group) < MIN_CIRCLE:
        raise deny("a circle needs at least 3 people")
    method = args.get("method")
    if method is not None:
        chosen(method)  # a shipped one, or the refusal
    if "circles" in args:  # by hand: everyone of the group in exactly one circle of 3-5
        members = [circle.split() for circle in args["circles"]]
        try:
            check_split(members, [pid for pid, _ in group])
        except CircleError as err:
            raise RoomError(errors.INVALID_FIELD, f"circles: {err}") from None
    else:
        members = split_evenly(group, args["size"], ctx.rng)  # (the protocol holds `size` to 3-5)
    alphabet, length = limits.ROOM_CODE_ALPHABET, limits.ROOM_CODE_LENGTH
    circles = [
        {
            "id": f"k{i + 1}",
            "code": "".join(ctx.rng.choice(alphabet) for _ in range(length)),
            "members": m,
            "method": method,
        }
        for i, m in enumerate(members)
    ]
    return Decision([Event("circles", {"circles": circles})], {"circles": [c["code"] for c in circles]})


def circle_of(s: RoomState, code: str) -> dict[str, Any] | None:
    return next((c for c in s.circles if c["code"] == code), None)


#: what the members of a circle do themselves while none of the room's facilitators is with
#: them: a circle leads itself (Troika consulting has no facilitator; the one of the room
#: visits), so nobody waits there for a facilitator either (people.py, no `facilitator_away`)
SELF_LED = frozenset({"advance", "back", "timer", "close_vote", "choose_case", "deal_cards", "reveal", "next_case"})


def leads_itself(s: RoomState, pid: str, t: str) -> bool:
    """May participant `pid` give the facilitator's command `t` in this circle now?"""
    p = s.active(pid)
    if s.plenary is None or t not in SELF_LED or p is None or p.role != PARTICIPANT:
        return False
    return not any(x.role == FACILITATOR and x.online for x in s.participants.values() if not x.removed)


#: events after which a circle tells its room how far it is (`progress`)
PROGRESS_EVENTS = frozenset({"phase", "next_case", "case_chosen", "timer", "turns", "cards_dealt", "ended"})


def progress(circle: RoomState) -> dict[str, Any]:
    """How far a circle is, for the room's overview: its round, its timer, its inbrenger,
    and in a round given in turn whose turn it is (with the timer run out: who the circle
    waits for). No content of the case: the room's facilitator and projector show it."""
    phase = circle.current_phase
    turns = circle.current_turns()
    return {
        "seq": circle.seq,
        "phase": {"index": circle.phase, "id": phase.id, "name": dict(phase.name)},
        "phases": len(circle.method.phases),
        "timer": circle.timer(),
        "inbrenger": circle.inbrenger,
        "turn": None if turns.done else turns.order[turns.current],
        "ended": circle.ended,
    }


def circle_progress(s: RoomState, code: str, rec: dict[str, Any]) -> Decision:
    """A circle's progress in its room; an older report than the one the room has is
    dropped (two processes may report one circle out of order)."""
    circle = circle_of(s, code)
    if s.ended or circle is None or circle.get("progress", {}).get("seq", -1) >= rec["seq"]:
        return Decision()
    return Decision([Event("circle_progress", {"circle": code, "progress": rec})])


def facilitator_comes_in(s: RoomState, pid: str, name: str, token_hash: str) -> Decision:
    """Into a circle's room, a facilitator of its room who became one after the split (the
    room's facilitators are facilitators of every circle): under their id and name, with the
    token hash derived from their room's (`engine.circle_room`)."""
    if s.ended or pid in s.participants:
        return Decision()
    hashed = identity.circle_token_hash(token_hash, s.code)
    rec = Participant(pid, name, FACILITATOR, hashed).public()
    return Decision([Event("joined", {"participant": rec}, internal={"token_hash": hashed})])


def announce(s: RoomState, a: Actor, args: TextArgs, ctx: Context) -> Decision:
    """A line for every circle at once (the room has it too); server/circles.py writes it
    into each circle's log after this commit."""
    if not s.circles:
        raise deny("the room is not split into circles")
    return Decision([Event("announced", {"text": args["text"]})])


def announcement(s: RoomState, text: str) -> Decision:
    """The facilitator's line, in a circle's own log (no command of the circle's)."""
    return Decision([Event("announced", {"text": text})]) if not s.ended else Decision()


def rejoin(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Everyone back in the room: the circles close. server/circles.py then ends each
    circle's room (its `ended` gives its inbrenger their summary, as any room's end does)
    and keeps that summary in this room for them alone (`circle_summary`)."""
    if not s.circles:
        raise deny("the room is not split into circles")
    return Decision([Event("circles_closed", {"circles": [c["code"] for c in s.circles]})])


def circle_summary(s: RoomState, inbrenger: str, summary: dict[str, Any]) -> Decision:
    """A closed circle's summary for its inbrenger, kept here as the summary of a case
    closed by `next_case` is: the `summary` command gives it to them, and to nobody else."""
    if s.ended or s.active(inbrenger) is None:
        return Decision()
    # the facilitators' end confirmation names whose summary is not yet saved: this one is new
    kept = [pid for pid in s.kept if pid != inbrenger]
    private = {"participant": inbrenger, "summaries_unsaved": unsaved(s, kept, holder=inbrenger)}
    event = Event("circle_summary", {"participant": inbrenger}, private, (FACILITATORS,), {"summary": summary})
    return Decision([event])


RULES = {
    "split": Rule(split, facilitator=True),
    "announce": Rule(announce, facilitator=True),
    "rejoin": Rule(rejoin, facilitator=True),
}
