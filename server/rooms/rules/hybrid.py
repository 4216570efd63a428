"""A hybrid meeting, fair to the people at home: where each person takes part from, a
speaking queue for the rounds without a fixed order, and the link of the group's call.

The queue is the order hands went up, with two corrections a facilitator would make:
hands raised within TIE seconds of each other count as raised together, and among them
who has spoken less goes first; with "online eerst" the online people's hands go before
those around the table (each in that order). The facilitator gives the floor and takes it
back. Every change sends the whole queue (`hands`), in the order to show it in, so a
client never orders it itself. A phase change clears the queue and the floor (phases.py
puts the cleared queue in the `phase` event); how often each spoke stays for the meeting.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from protocol import errors
from protocol.args import AutoAdvanceArgs, CallLinkArgs, NoArgs, ParticipantArgs, PlaceArgs, SomeoneArgs

from ..events import Actor, Event, RoomError
from ..state import ONLINE, PARTICIPANT, SCREEN, Hands, RoomState
from .checks import Context, Decision, Rule, deny, is_fac, missing

#: seconds within which hands count as raised together (then who spoke less goes first)
TIE = 3.0


def ordered(
    s: RoomState, queue: list[dict[str, Any]], spoken: dict[str, int], online_first: bool, moved: dict[str, str]
) -> list[dict[str, Any]]:
    """The queue in the order to give the floor in (see the module's docstring); `moved`:
    places that change with this decision."""
    by_time = sorted(queue, key=lambda h: h["at"])
    together: list[list[dict[str, Any]]] = []
    for hand in by_time:
        if together and hand["at"] - together[-1][0]["at"] <= TIE:
            together[-1].append(hand)
        else:
            together.append([hand])
    order = [h for group in together for h in sorted(group, key=lambda h: spoken.get(h["participant"], 0))]
    if online_first:

        def online(pid: str) -> bool:
            return moved.get(pid, s.participants[pid].place) == ONLINE

        order = [h for h in order if online(h["participant"])] + [h for h in order if not online(h["participant"])]
    return order


_UNCHANGED: Any = object()


def hands_event(
    s: RoomState,
    *,
    queue: list[dict[str, Any]] | None = None,
    speaker: str | None = _UNCHANGED,
    spoken: dict[str, int] | None = None,
    online_first: bool | None = None,
    moved: dict[str, str] | None = None,
) -> Event:
    """The whole queue after a change; what is not given stays as it is."""
    h = s.hands
    queue = [dict(x) for x in h.queue] if queue is None else queue
    spoken = dict(h.spoken) if spoken is None else spoken
    online_first = h.online_first if online_first is None else online_first
    speaker = h.speaker if speaker is _UNCHANGED else speaker
    after = Hands(ordered(s, queue, spoken, online_first, moved or {}), speaker, spoken, online_first)
    return Event("hands", after.public())


def cleared(s: RoomState) -> dict[str, Any]:
    """The queue as a new phase starts it: no hands, nobody with the floor."""
    return Hands([], None, dict(s.hands.spoken), s.hands.online_first).public()


def _someone(s: RoomState, a: Actor, named: str | None) -> str:
    """The actor, or the participant a facilitator names."""
    if named is None or named == a.pid:
        return a.pid
    if not is_fac(s, a.pid):
        raise deny("only the facilitator can do this for someone else")
    if s.active(named) is None:
        raise missing("participant")
    return named


def set_place(s: RoomState, a: Actor, args: PlaceArgs, ctx: Context) -> Decision:
    pid = _someone(s, a, args.get("participant"))
    p = s.participants[pid]
    if p.role == SCREEN:
        raise deny("a screen has no place")
    if p.place == args["place"]:
        return Decision()
    events = [Event("place", {"participant": pid, "place": args["place"]})]
    if s.hands.online_first and any(h["participant"] == pid for h in s.hands.queue):
        events.append(hands_event(s, moved={pid: args["place"]}))  # their hand moves with them
    return Decision(events)


def raise_hand(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    p = s.active(a.pid)
    if p is None or p.role != PARTICIPANT:
        raise deny("only participants raise a hand")
    if s.current_phase.in_turn:
        raise deny("this round goes in turn")
    if s.hands.speaker == a.pid:
        raise deny("you have the floor")
    if any(h["participant"] == a.pid for h in s.hands.queue):
        return Decision()
    return Decision([hands_event(s, queue=[*s.hands.queue, {"participant": a.pid, "at": ctx.now}])])


def lower_hand(s: RoomState, a: Actor, args: SomeoneArgs, ctx: Context) -> Decision:
    pid = _someone(s, a, args.get("participant"))
    if not any(h["participant"] == pid for h in s.hands.queue):
        return Decision()
    return Decision([hands_event(s, queue=[h for h in s.hands.queue if h["participant"] != pid])])


def give_floor(s: RoomState, a: Actor, args: ParticipantArgs, ctx: Context) -> Decision:
    pid = args["participant"]
    p = s.active(pid)
    if p is None:
        raise missing("participant")
    if p.role != PARTICIPANT:
        raise deny("the floor goes to a participant")
    if s.current_phase.in_turn:
        raise deny("this round goes in turn")
    if s.hands.speaker == pid:
        return Decision()
    spoken = {**s.hands.spoken, pid: s.hands.spoken.get(pid, 0) + 1}
    queue = [h for h in s.hands.queue if h["participant"] != pid]
    return Decision([hands_event(s, queue=queue, speaker=pid, spoken=spoken)])


def take_floor(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    if s.hands.speaker is None:
        return Decision()
    return Decision([hands_event(s, speaker=None)])


def online_first(s: RoomState, a: Actor, args: AutoAdvanceArgs, ctx: Context) -> Decision:
    if s.hands.online_first == args["on"]:
        return Decision()
    return Decision([hands_event(s, online_first=args["on"])])


def check_call_link(url: str) -> None:
    """Refuse what cannot be the group's call link: it must be an https address with a
    host, without a user name or password in it (everyone in the room gets the link)."""
    if any(ch.isspace() for ch in url):
        raise RoomError(errors.INVALID_FIELD, "a link has no spaces")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number
    except ValueError:
        raise RoomError(errors.INVALID_FIELD, "this is not a web address") from None
    if parts.scheme.lower() != "https":
        raise RoomError(errors.INVALID_FIELD, "the call link must start with https://")
    if not parts.hostname:
        raise RoomError(errors.INVALID_FIELD, "the call link needs a host name")
    if parts.username is not None or parts.password is not None:
        raise RoomError(errors.INVALID_FIELD, "the call link may not hold a user name or password")
    if port == 0:
        raise RoomError(errors.INVALID_FIELD, "this is not a web address")


def set_call_link(s: RoomState, a: Actor, args: CallLinkArgs, ctx: Context) -> Decision:
    url = args["url"]
    if url is not None:
        check_call_link(url)
    if url == s.call_link:
        return Decision()
    return Decision([Event("call_link", {"url": url})])


RULES = {
    "set_place": Rule(set_place),  # your own; a facilitator anyone's: checked by the handler
    "raise_hand": Rule(raise_hand),
    "lower_hand": Rule(lower_hand),  # your own; a facilitator anyone's: checked by the handler
    "give_floor": Rule(give_floor, facilitator=True),
    "take_floor": Rule(take_floor, facilitator=True),
    "online_first": Rule(online_first, facilitator=True),
    "set_call_link": Rule(set_call_link, facilitator=True),
}
