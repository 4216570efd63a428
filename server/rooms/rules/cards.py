"""Writing from a role card or on a note: role cards dealt (in public, by seat) or taken
(in private, by tag), the perspectives written from them, the notes of a phase and of its
observer, and the facilitator's reveal of what was hidden until then."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from protocol import errors, limits
from protocol.args import NoArgs, NoteArgs, PerspectiveArgs, TextArgs

from .. import identity
from ..events import Actor, Event, RoomError
from ..method import Phase
from ..state import PARTICIPANT, Deal, Note, RoomState
from .checks import Context, Decision, Rule, anonymous, deny, missing, require_input
from .turns import require_turn, turns_of


def _card_at(cards: list[dict[str, Any]], seat: int, rotate: int) -> str:
    """The card for a seat of a public deal. The role cards go round the table: seat i gets
    role card i, moved on by `rotate` places, so with fewer people than cards the ones left
    over come in as the cards move on. Seats beyond the role cards get the observer's card
    (or the role cards again, if the deck has no observer)."""
    roles: list[str] = [c["id"] for c in cards if not c["observer"]]
    watchers: list[str] = [c["id"] for c in cards if c["observer"]]
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
    roles: list[str] = [c["id"] for c in cards if not c["observer"]]
    free = [c for c in roles if not used[c]]
    if free:
        return free[0]
    watchers: list[str] = [c["id"] for c in cards if c["observer"]]
    if watchers:
        return watchers[0]
    return min(roles, key=lambda c: used[c])


def _new_deal(s: RoomState, phase: Phase) -> Deal:
    deck = s.method.decks[phase.deck or ""]
    cards = [c.record() for c in deck.cards_for(s.people)]
    if not any(not c["observer"] for c in cards):
        raise deny("there are no cards to deal: the case names nobody involved")
    return Deal(phase.deck or "", phase.deal == "public", phase.hidden_until_reveal, cards)


def deal_cards(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Private cards: put them on the table, so that each member of the group takes their
    own (`draw_card`). Public cards: give every member of the group theirs, by seat."""
    phase = s.current_phase
    if phase.deck is None:
        raise deny("role cards are dealt in a phase that accepts perspectives")
    deal = s.deals.get(phase.id)
    if deal is not None and deal.revealed is not None:
        raise deny("the perspectives have been revealed")
    if phase.deal == "private":
        if deal is not None:
            raise deny("the cards are on the table: each member of the group takes their own")
        new = _new_deal(s, phase)
        return Decision([Event("cards_dealt", {"phase": phase.id, "deal": new.record(), "taken": 0, "written": 0})])
    group = s.group()
    deal = deal or _new_deal(s, phase)
    newcomers = [pid for pid in group if pid not in deal.holders]
    if not newcomers:
        raise deny("everyone in the group already has a card")
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
    dealt = replace(deal, public=True, holders=holders, texts=dict(deal.texts))
    body = {"phase": phase.id, "deal": dealt.record(), "taken": len(holders), "written": len(dealt.texts)}
    events = [Event("cards_dealt", body, internal={"seats": seats})]
    if phase.in_turn:
        events.append(Event("turns", {"phase": phase.id, **turns_of(s, phase, dealt)}))
    return Decision(events)


def draw_card(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Take your own private card. The room stores it under a tag only your connection can
    compute, so no stored event or state says who holds which card; you learn it from the
    ack (and from your snapshot)."""
    phase = s.current_phase
    deal = s.deals.get(phase.id)
    if deal is None:
        raise deny("the cards have not been dealt yet")
    if deal.public:
        raise deny("these cards are dealt in public: yours is in the deal")
    if deal.revealed is not None:
        raise deny("the perspectives have been revealed")
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


def perspective(s: RoomState, a: Actor, args: PerspectiveArgs, ctx: Context) -> Decision:
    phase = s.current_phase
    deal, key = _holding(s, a, phase)
    if deal is None or key is None:
        raise deny("you have no role card yet")
    if deal.revealed is not None:
        raise deny("the perspectives have been revealed")
    card = deal.card(deal.holders[key])
    if card["observer"]:
        raise deny("the observer writes notes, not a perspective")
    require_turn(s, a, phase)
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
        return require_input(s, a, "notes"), False
    except RoomError:
        if _observes(s, a):
            return s.current_phase, True
        raise


def note(s: RoomState, a: Actor, args: TextArgs, ctx: Context) -> Decision:
    phase, observer = _note_phase(s, a)
    if not observer:
        require_turn(s, a, phase)
    if len(s.notes) >= limits.MAX_NOTES:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_NOTES} notes")
    nid = s.new_id("n")
    anon = not observer and anonymous(s, phase)
    hidden = not observer and phase.hidden_until_reveal and phase.id not in s.notes_revealed
    written = Note(nid, phase.id, args["text"], identity.tag(a.anon_key, nid), None if anon else a.pid, hidden)
    internal = {"tag": written.tag, "hidden": hidden}
    if hidden:
        # nobody but the writer sees it before the reveal; the others see a count. The writer
        # has it from the ack: an event addressed to them would store who wrote it.
        n = sum(1 for x in s.notes.values() if x.phase == phase.id and x.hidden) + 1
        ev = Event("note_written", {"notes_hidden": n}, internal={**internal, "note": written.public()})
        return Decision([ev], {"note": nid, "record": written.public()})
    return Decision([Event("note_written", {"note": written.public()}, internal=internal)], {"note": nid})


def withdraw_note(s: RoomState, a: Actor, args: NoteArgs, ctx: Context) -> Decision:
    _note_phase(s, a)
    withdrawn = s.notes.get(args["note"])
    if withdrawn is None or identity.tag(a.anon_key, withdrawn.id) != withdrawn.tag:
        raise missing("note of yours")
    if withdrawn.hidden:
        # the count everyone sees is of this phase's hidden notes (the snapshot's), whichever
        # phase the withdrawn note was written in
        here = s.current_phase.id
        n = sum(1 for x in s.notes.values() if x.phase == here and x.hidden and x.id != withdrawn.id)
        # an id the others never saw
        return Decision([Event("note_withdrawn", {"notes_hidden": n, "note": withdrawn.id})])
    return Decision([Event("note_withdrawn", {"note": withdrawn.id})])


def _reveal_notes(s: RoomState, ctx: Context) -> Decision:
    phase = s.current_phase
    if phase.id in s.notes_revealed:
        raise deny("already revealed")
    items = [n.public() for n in s.notes.values() if n.phase == phase.id and n.hidden]
    if not items:
        raise deny("nobody has written anything yet")
    ctx.rng.shuffle(items)  # arrival order must not give anyone away
    return Decision([Event("notes_revealed", {"phase": phase.id, "notes": items})])


def reveal(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Show what the phase kept hidden until now: its notes, or the perspectives written
    from its cards, shuffled."""
    phase = s.current_phase
    if "notes" in phase.accepts and phase.hidden_until_reveal:
        return _reveal_notes(s, ctx)
    deal = s.deals.get(phase.id)
    if phase.deck is None or not phase.hidden_until_reveal:
        raise deny("there is nothing hidden to reveal in this phase")
    if deal is not None and deal.revealed is not None:
        raise deny("already revealed")
    if deal is None or not deal.texts:
        raise deny("nobody has written a perspective yet")
    items = []
    for key, texts in deal.texts.items():
        item = {"card": deal.holders[key], "texts": list(texts)}
        items.append({"holder": key, **item} if deal.public else item)
    ctx.rng.shuffle(items)  # arrival order must not give anyone away
    return Decision([Event("perspectives_revealed", {"phase": phase.id, "perspectives": items})])


_NOTES_CHECK = "the phase's writers, or its observer outside the speaking order: see _note_phase"

RULES = {
    "deal_cards": Rule(deal_cards, facilitator=True),
    "draw_card": Rule(draw_card, needs="perspectives"),
    "perspective": Rule(perspective, needs="perspectives"),
    "note": Rule(note, needs="notes", own_check=_NOTES_CHECK),
    "withdraw_note": Rule(withdraw_note, needs="notes", own_check=_NOTES_CHECK),
    "reveal": Rule(reveal, facilitator=True),
}
