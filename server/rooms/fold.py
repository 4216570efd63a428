"""Events -> state: one small function per event type, and `apply`, which looks it up.

The event types stand in the same order as in client/mirror.py and
client/web/static/js/mirror.js, the two folds of a viewer's snapshot, so the three can
be read side by side. This one folds the whole room, private and internal parts too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .events import Event
from .state import (
    LET_IN,
    TURNED_AWAY,
    Advice,
    Case,
    Deal,
    Hands,
    Knock,
    Note,
    Participant,
    Question,
    RoomState,
    Turns,
    remember,
)


def _private(ev: Event) -> dict[str, Any]:
    return ev.private or {}


def _internal(ev: Event) -> dict[str, Any]:
    return ev.internal or {}


def _set_away(s: RoomState, pub: dict[str, Any]) -> None:
    if "facilitator_away" in pub:
        away = pub["facilitator_away"]
        s.fac_away_since = away["since"] if away else None


def _set_turns(s: RoomState, phase_id: str, rec: dict[str, Any]) -> None:
    old = s.turns.get(phase_id)
    order = list(rec["order"])
    given = old.given if old is not None and old.order == order else -1  # a new order: nobody has spoken
    s.turns[phase_id] = Turns(order, rec["current"], given)


def joined(s: RoomState, ev: Event) -> None:
    rec, internal = ev.public["participant"], _internal(ev)
    s.participants[rec["id"]] = Participant(
        rec["id"], rec["name"], rec["role"], internal["token_hash"], place=rec.get("place")
    )
    s.counter += 1
    if internal.get("first_time"):
        s.first_timers.append(rec["id"])
    if "ticket" in internal:  # a screen came in with its ticket: used up
        s.screen_tickets.pop(internal["ticket"], None)
    if "knock" in internal:  # a latecomer came in on the knock the facilitator let in: used up
        s.knocks.pop(internal["knock"], None)


def presence(s: RoomState, ev: Event) -> None:
    s.participants[ev.public["participant"]].online = ev.public["online"]
    _set_away(s, ev.public)


def removed(s: RoomState, ev: Event) -> None:
    pid = ev.public["participant"]
    p = s.participants[pid]
    p.removed, p.online = True, False
    if s.inbrenger == pid:
        s.inbrenger = s.chosen_case = s.case_text = None
        s.people = []


def role_changed(s: RoomState, ev: Event) -> None:
    s.participants[ev.public["participant"]].role = ev.public["role"]
    _set_away(s, ev.public)


def locked(s: RoomState, ev: Event) -> None:
    s.locked = ev.public["locked"]
    if not s.locked:  # an open room needs no knock: whoever knocked joins as anyone does
        s.knocks = {}


def phase(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    if "at" in internal and s.started_at is None:
        s.started_at = internal["at"]
    s.phase = ev.public["phase"]["index"]
    s.ready = []
    s.reset_timer()
    _set_hands(s, ev.public)
    if s.current_phase.in_turn:
        _set_turns(s, s.current_phase.id, ev.public["turns"])


def note_written(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    rec = ev.public.get("note") or internal.get("note") or _private(ev)["note"]
    s.notes[rec["id"]] = Note(rec["id"], rec["phase"], rec["text"], internal["tag"], rec["author"], internal["hidden"])
    s.counter += 1


def note_withdrawn(s: RoomState, ev: Event) -> None:
    del s.notes[ev.public.get("note") or _private(ev)["note"]]


def notes_revealed(s: RoomState, ev: Event) -> None:
    s.notes_revealed.append(ev.public["phase"])
    for rec in ev.public["notes"]:
        s.notes[rec["id"]].hidden = False


def advice_rated(s: RoomState, ev: Event) -> None:
    rec = ev.private or ev.public  # the rating goes to the inbrenger only, unless the method says group
    next(x for x in s.advice if x.id == rec["advice"]).rating = rec["rating"]


def next_case(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    s.summaries.setdefault(internal["inbrenger"], []).append(internal["summary"])
    s.cases_done += 1
    s.cases.pop(ev.public["case"], None)
    s.votes, s.voted, s.vote_open, s.tally = {}, [], True, None
    s.answering = None
    s.inbrenger = s.chosen_case = s.case_text = s.essence = s.response = s.takeaway = None
    s.people, s.questions, s.deals, s.seats, s.turns, s.advice = [], {}, {}, {}, {}, []
    s.notes, s.notes_revealed, s.evaluations, s.ready = {}, [], {}, []
    s.phase = ev.public["phase"]["index"]
    s.reset_timer()
    _set_hands(s, ev.public)


def _set_hands(s: RoomState, body: dict[str, Any]) -> None:
    if "hands" in body:  # (not in a log written before the queue existed)
        h = body["hands"]
        s.hands = Hands([dict(x) for x in h["queue"]], h["speaker"], dict(h["spoken"]), h["online_first"])


def listed(s: RoomState, ev: Event) -> None:
    pid = ev.public["participant"]
    s.listed = [x for x in s.listed if x != pid] + ([pid] if ev.public["listed"] else [])


def method_set(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    s.method_id, s.method_toml = internal["method_id"], internal["method_toml"]
    s.phase = 0
    s.reset_timer()


def timer(s: RoomState, ev: Event) -> None:
    t = ev.public["timer"]
    s.timer_running, s.timer_deadline, s.timer_remaining = t["running"], t["deadline"], t["remaining"]


def auto_advance(s: RoomState, ev: Event) -> None:
    s.auto_advance = ev.public["on"]


def screen_ticket(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    for key in internal["drop"]:
        s.screen_tickets.pop(key, None)
    s.screen_tickets[internal["ticket"]] = internal["expires"]


def knocked(s: RoomState, ev: Event) -> None:
    private, internal = _private(ev), _internal(ev)
    rec = private["knock"]
    for key in private["drop"]:
        s.knocks.pop(key, None)
    s.knocks[rec["id"]] = Knock(rec["id"], rec["name"], rec["at"], internal["expires"], internal["secret_hash"])
    s.counter += 1


def let_in(s: RoomState, ev: Event) -> None:
    s.knocks[_private(ev)["knock"]].answer = LET_IN


def turned_away(s: RoomState, ev: Event) -> None:
    s.knocks[_private(ev)["knock"]].answer = TURNED_AWAY


def confirmed(s: RoomState, ev: Event) -> None:
    s.confirmed.append(_private(ev)["participant"])


def case_proposed(s: RoomState, ev: Event) -> None:
    c = ev.public["case"]
    s.cases[c["id"]] = Case(c["id"], c["title"], c["question"], c["proposer"])
    s.counter += 1


def case_withdrawn(s: RoomState, ev: Event) -> None:
    case = ev.public["case"]
    del s.cases[case]
    s.votes = {v: c for v, c in s.votes.items() if c != case}
    if s.tally is not None:
        s.tally.pop(case, None)


def vote_cast(s: RoomState, ev: Event) -> None:
    voter = ev.to[0]
    s.votes[voter] = _private(ev)["case"]
    if voter not in s.voted:
        s.voted.append(voter)


def vote_closed(s: RoomState, ev: Event) -> None:
    s.vote_open, s.tally = False, dict(ev.public["tally"])


def case_chosen(s: RoomState, ev: Event) -> None:
    s.chosen_case, s.inbrenger = ev.public["case"], ev.public["inbrenger"]
    s.kept = [pid for pid in s.kept if pid != s.inbrenger]  # a new case: a new summary, not yet saved
    s.case_text, s.people = None, []
    s.deals, s.seats, s.turns = {}, {}, {}  # a new case: new cards, a new speaking order


def case_shared(s: RoomState, ev: Event) -> None:
    s.case_text, s.people = ev.public["text"], list(ev.public["people"])


def question_asked(s: RoomState, ev: Event) -> None:
    q = ev.public["question"]
    s.questions[q["id"]] = Question(q["id"], q["text"], _internal(ev)["tag"], q["author"])
    s.counter += 1


def question_updated(s: RoomState, ev: Event) -> None:
    """Also `question_hidden`: both carry the question's record, publicly or to facilitators."""
    rec, internal = ev.public.get("question"), _internal(ev)
    if not isinstance(rec, dict):  # a hidden question: its record went to facilitators only
        rec = _private(ev)["question"]
    q = s.questions[rec["id"]]
    # the true rating: in `internal` (the records may leave it out for all but the inbrenger)
    q.answered, q.rating, q.hidden = rec["answered"], internal.get("rating", rec["rating"]), rec["hidden"]
    if "upvoter" in internal:
        mark = internal["upvoter"]
        q.upvoters = [*q.upvoters, mark] if internal["on"] else [m for m in q.upvoters if m != mark]
    if s.answering == q.id and (q.answered or q.hidden):
        s.answering = None  # answered (or hidden): nobody answers it now


def question_withdrawn(s: RoomState, ev: Event) -> None:
    del s.questions[ev.public["question"]]
    if s.answering == ev.public["question"]:
        s.answering = None


def answering(s: RoomState, ev: Event) -> None:
    s.answering = ev.public["question"]


def essence(s: RoomState, ev: Event) -> None:
    s.essence = ev.public["text"]


def cards_dealt(s: RoomState, ev: Event) -> None:
    rec, phase_id = ev.public["deal"], ev.public["phase"]
    old = s.deals.get(phase_id)
    texts = old.texts if old else {}
    holders = dict(rec["holders"]) if rec["public"] else {}
    cards = [dict(c) for c in rec["cards"]]
    s.deals[phase_id] = Deal(rec["deck"], rec["public"], rec["hidden"], cards, holders, texts)
    internal = _internal(ev)
    if "seats" in internal:
        s.seats[rec["deck"]] = list(internal["seats"])


def card_drawn(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    s.deals[ev.public["phase"]].holders[internal["tag"]] = internal["card"]


def perspective_written(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    s.deals[ev.public["phase"]].texts[internal["key"]] = list(internal["texts"])


def perspectives_revealed(s: RoomState, ev: Event) -> None:
    s.deals[ev.public["phase"]].revealed = [dict(p) for p in ev.public["perspectives"]]


def turns(s: RoomState, ev: Event) -> None:
    _set_turns(s, ev.public["phase"], ev.public)


def advice_given(s: RoomState, ev: Event) -> None:
    x = ev.public["advice"]
    s.advice.append(Advice(x["id"], x["author"], x["text"], None, _internal(ev).get("tag", "")))
    s.counter += 1
    current = s.turns.get(s.current_phase.id)
    if current is not None:
        current.given = current.current


def response(s: RoomState, ev: Event) -> None:
    s.response = ev.public["text"]


def takeaway(s: RoomState, ev: Event) -> None:
    s.takeaway = ev.public["text"]


def evaluated(s: RoomState, ev: Event) -> None:
    e = _private(ev)["evaluation"]
    s.evaluations[e["participant"]] = [e["score"], e["line"]]


def worth_given(s: RoomState, ev: Event) -> None:
    internal = _internal(ev)
    s.worth[internal["tag"]] = list(internal["answer"])


def ready(s: RoomState, ev: Event) -> None:
    pid = ev.to[0]
    s.ready = [r for r in s.ready if r != pid] + ([pid] if _private(ev)["ready"] else [])


def summary_kept(s: RoomState, ev: Event) -> None:
    s.kept.append(_private(ev)["participant"])


def place(s: RoomState, ev: Event) -> None:
    s.participants[ev.public["participant"]].place = ev.public["place"]


def hands(s: RoomState, ev: Event) -> None:
    _set_hands(s, {"hands": ev.public})


def call_link(s: RoomState, ev: Event) -> None:
    s.call_link = ev.public["url"]


def ended(s: RoomState, ev: Event) -> None:
    s.ended = True


def withheld(s: RoomState, ev: Event) -> None:
    """Never in a log: the form in which a participant who has not confirmed the agreement
    gets an event about the case (views.CASE_EVENTS). Nothing to fold but its seq."""


FOLD: dict[str, Callable[[RoomState, Event], None]] = {
    "joined": joined,
    "presence": presence,
    "removed": removed,
    "role_changed": role_changed,
    "locked": locked,
    "phase": phase,
    "note_written": note_written,
    "note_withdrawn": note_withdrawn,
    "notes_revealed": notes_revealed,
    "advice_rated": advice_rated,
    "next_case": next_case,
    "listed": listed,
    "method_set": method_set,
    "timer": timer,
    "auto_advance": auto_advance,
    "screen_ticket": screen_ticket,
    "knocked": knocked,
    "let_in": let_in,
    "turned_away": turned_away,
    "confirmed": confirmed,
    "case_proposed": case_proposed,
    "case_withdrawn": case_withdrawn,
    "vote_cast": vote_cast,
    "vote_closed": vote_closed,
    "case_chosen": case_chosen,
    "case_shared": case_shared,
    "question_asked": question_asked,
    "question_updated": question_updated,
    "question_hidden": question_updated,
    "question_withdrawn": question_withdrawn,
    "answering": answering,
    "essence": essence,
    "cards_dealt": cards_dealt,
    "card_drawn": card_drawn,
    "perspective_written": perspective_written,
    "perspectives_revealed": perspectives_revealed,
    "turns": turns,
    "advice_given": advice_given,
    "response": response,
    "takeaway": takeaway,
    "evaluated": evaluated,
    "worth_given": worth_given,
    "ready": ready,
    "summary_kept": summary_kept,
    "place": place,
    "hands": hands,
    "call_link": call_link,
    "ended": ended,
    "withheld": withheld,
}


def apply(s: RoomState, ev: Event) -> RoomState:
    """Fold one event into the state (in place) and return it; the result of the command
    that caused it (the marker on its first event) is remembered, so it applies once."""
    s.seq = ev.seq
    fold = FOLD.get(ev.t)
    if fold is None:  # pragma: no cover - a log written by a newer version
        raise ValueError(f"unknown event {ev.t!r}")
    fold(s, ev)
    internal = _internal(ev)
    if "cmd" in internal:
        remember(s.applied, *internal["cmd"])
    return s
