"""Speaking in turn: who speaks when in a phase given in turn, passing the turn on, and
when the inbrenger, who mostly listens, may speak."""

from __future__ import annotations

from typing import Any

from protocol.args import NoArgs

from ..events import Actor, Event
from ..method import Phase
from ..state import Deal, RoomState
from .checks import Context, Decision, Rule, deny, is_fac


def turn_order(s: RoomState, phase: Phase, deal: Deal | None = None) -> list[str]:
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


def turns_of(s: RoomState, phase: Phase, deal: Deal | None = None) -> dict[str, Any]:
    """The phase's speaking order, as far as it got: kept as it was, with who left dropped
    and who came added at the end."""
    if not phase.in_turn:
        return {"order": [], "current": 0}
    fresh = turn_order(s, phase, deal)
    old = s.turns.get(phase.id)
    if old is None:
        return {"order": fresh, "current": 0}
    order = [p for p in old.order if p in fresh] + [p for p in fresh if p not in old.order]
    return {"order": order, "current": min(old.current, len(order))}


def require_turn(state: RoomState, actor: Actor, phase: Phase) -> None:
    """In a phase given in turn, only the current speaker gives input."""
    if phase.in_turn:
        turns = state.current_turns()
        if turns.done or turns.order[turns.current] != actor.pid:
            raise deny("wait for your turn")


def inbrenger_may_speak(state: RoomState) -> bool:
    """Whether the inbrenger may react now: where they listen or have left, only once they
    may give their response (after the last turn, if the phase has turns)."""
    phase = state.current_phase
    if phase.inbrenger == "speaks":
        return True
    return "response" in phase.accepts and not (phase.in_turn and not state.current_turns().done)


def pass_turn(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    phase = s.current_phase
    if not phase.in_turn:
        raise deny("there are no turns in this phase")
    turns = s.current_turns()
    if turns.done:
        raise deny("everyone has had their turn")
    if not is_fac(s, a.pid) and turns.order[turns.current] != a.pid:
        raise deny("only the current speaker or the facilitator can pass the turn")
    return Decision([Event("turns", {"phase": phase.id, "order": list(turns.order), "current": turns.current + 1})])


RULES = {
    "pass_turn": Rule(pass_turn),  # the current speaker or a facilitator: checked by the handler
}
