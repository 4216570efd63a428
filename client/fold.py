"""The fold of the Python client's mirror: one small function per event type, as a table.

It is in the order of the server's own fold (server/rooms/fold.py) and of the browser's
(client/web/static/js/mirror.js), so that the three read side by side; both clients are
held to the server by tests/test_fold_fixture.py, on recorded cases. The bookkeeping
around it (seq, gaps, acks) is client/mirror.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .mirror import Mirror

State = dict[str, Any]
Frame = dict[str, Any]


def _num(item_id: str) -> int:
    return int(item_id[1:])


def _upsert(items: list[dict[str, Any]], rec: dict[str, Any]) -> None:
    """Insert or replace by id, keeping id order (the order of the server's snapshot)."""
    for i, old in enumerate(items):
        if old["id"] == rec["id"]:
            items[i] = rec
            return
    items.append(rec)
    items.sort(key=lambda x: _num(x["id"]))


def joined(s: State, ev: Frame, m: Mirror) -> None:
    s["participants"].append(ev["participant"])
    if ev.get("first_time"):  # a facilitators' form: they lead this group for the first time
        s["first_timers"].append(ev["participant"]["id"])


def presence(s: State, ev: Frame, m: Mirror) -> None:
    for p in s["participants"]:
        if p["id"] == ev["participant"]:
            p["online"] = ev["online"]
    if "facilitator_away" in ev:  # no facilitator online since ..., or one is back
        s["facilitator_away"] = ev["facilitator_away"]


def removed(s: State, ev: Frame, m: Mirror) -> None:
    s["participants"] = [p for p in s["participants"] if p["id"] != ev["participant"]]
    if s["inbrenger"] == ev["participant"]:
        s["inbrenger"] = s["chosen_case"] = s["case_text"] = None
        s["people"] = []
    if "summaries_unsaved" in ev:  # a facilitator's
        s["summaries_unsaved"] = ev["summaries_unsaved"]


def role_changed(s: State, ev: Frame, m: Mirror) -> None:
    # a change of your own role is followed by close 4011 and a fresh snapshot
    for p in s["participants"]:
        if p["id"] == ev["participant"]:
            p["role"] = ev["role"]
    if "facilitator_away" in ev:
        s["facilitator_away"] = ev["facilitator_away"]


def locked(s: State, ev: Frame, m: Mirror) -> None:
    s["locked"] = ev["locked"]
    if not ev["locked"]:  # an open room needs no knock: whoever knocked comes in as anyone does
        s["knocks"] = []


def phase(s: State, ev: Frame, m: Mirror) -> None:
    s["phase"] = ev["phase"]
    s["timer"] = ev["timer"]  # every phase starts with a fresh, stopped timer
    s["notes_hidden"] = ev["notes_hidden"]
    s["turns"] = ev["turns"]  # the phase's own speaking order (empty if it has none)
    if "hands" in ev:  # the speaking queue, cleared for the new round
        s["hands"] = ev["hands"]
    s["ready_count"] = 0
    s["ready"] = False
    s["ready_ids"] = []


def note_written(s: State, ev: Frame, m: Mirror) -> None:
    if "notes_hidden" in ev:
        s["notes_hidden"] = ev["notes_hidden"]
    if "note" in ev:  # a visible note
        _upsert(s["notes"], ev["note"])


def note_withdrawn(s: State, ev: Frame, m: Mirror) -> None:
    if "notes_hidden" in ev:
        s["notes_hidden"] = ev["notes_hidden"]
    if "note" in ev:
        s["notes"] = [n for n in s["notes"] if n["id"] != ev["note"]]
        s["own_notes"] = [n for n in s["own_notes"] if n != ev["note"]]


def notes_revealed(s: State, ev: Frame, m: Mirror) -> None:
    for note in ev["notes"]:
        _upsert(s["notes"], note)
    s["notes_hidden"] = 0


def advice_rated(s: State, ev: Frame, m: Mirror) -> None:
    if "advice" not in ev:  # the rating went to the inbrenger only
        return
    for item in s["advice"]:
        if item["id"] == ev["advice"]:
            item["rating"] = ev["rating"]


def next_case(s: State, ev: Frame, m: Mirror) -> None:
    """The case is closed: back to the case choice, with nothing of it left but the
    inbrenger's own summary."""
    if s["inbrenger"] == m.me:
        s["has_summary"] = True
    if "hands" in ev:
        s["hands"] = ev["hands"]
    s["cases"] = [c for c in s["cases"] if c["id"] != ev["case"]]
    s["vote"] = {"open": True, "cast": 0, "mine": None, "tally": None}
    s.update(
        voted=[],
        ready_ids=[],
        answering=None,
        phase=ev["phase"],
        timer=ev["timer"],
        notes_hidden=0,
        inbrenger=None,
        chosen_case=None,
        case_text=None,
        people=[],
        questions=[],
        own_questions=[],
        own_upvotes=[],
        essence=None,
        deals={},
        turns={"order": [], "current": 0},
        advice=[],
        response=None,
        takeaway=None,
        evaluations_count=0,
        evaluations=[],
        ready_count=0,
        ready=False,
        notes=[],
        own_notes=[],
        cases_done=s["cases_done"] + 1,
    )


def listed(s: State, ev: Frame, m: Mirror) -> None:
    s["listed"] = [x for x in s["listed"] if x != ev["participant"]] + ([ev["participant"]] if ev["listed"] else [])


def method_set(s: State, ev: Frame, m: Mirror) -> None:
    s["method"] = ev["method"]
    s["phase"] = ev["phase"]
    s["timer"] = ev["timer"]


def timer(s: State, ev: Frame, m: Mirror) -> None:
    s["timer"] = ev["timer"]


def auto_advance(s: State, ev: Frame, m: Mirror) -> None:
    s["auto_advance"] = ev["on"]  # a running timer that runs out moves the room to the next phase


def screen_ticket(s: State, ev: Frame, m: Mirror) -> None:
    """A facilitator asked for a screen ticket: nothing in the room's view changes."""


def knocked(s: State, ev: Frame, m: Mirror) -> None:
    """A latecomer at the locked room: a facilitator gets who asks (and which knocks it
    pushed out); anyone else an empty event."""
    if "knock" in ev:
        drop = set(ev["drop"])
        s["knocks"] = [k for k in s["knocks"] if k["id"] not in drop] + [ev["knock"]]


def let_in(s: State, ev: Frame, m: Mirror) -> None:
    """Also `turned_away`: the knock is answered, no longer a request (facilitators only)."""
    if "knock" in ev:
        s["knocks"] = [k for k in s["knocks"] if k["id"] != ev["knock"]]


def confirmed(s: State, ev: Frame, m: Mirror) -> None:
    s["confirmed_count"] = ev["confirmed_count"]
    if "participant" in ev:
        s["confirmed"].append(ev["participant"])


def case_proposed(s: State, ev: Frame, m: Mirror) -> None:
    s["cases"].append(ev["case"])


def case_withdrawn(s: State, ev: Frame, m: Mirror) -> None:
    s["cases"] = [c for c in s["cases"] if c["id"] != ev["case"]]
    s["vote"]["cast"] = ev["cast"]
    if s["vote"]["mine"] == ev["case"]:
        s["vote"]["mine"] = None
    if s["vote"]["tally"] is not None:
        s["vote"]["tally"].pop(ev["case"], None)


def vote_cast(s: State, ev: Frame, m: Mirror) -> None:
    s["vote"]["cast"] = ev["cast"]
    if "case" in ev:
        s["vote"]["mine"] = ev["case"]
    if "participant" in ev and ev["participant"] not in s["voted"]:  # a facilitator's: who voted
        s["voted"].append(ev["participant"])


def vote_closed(s: State, ev: Frame, m: Mirror) -> None:
    s["vote"]["open"] = False
    s["vote"]["tally"] = ev["tally"]


def case_chosen(s: State, ev: Frame, m: Mirror) -> None:
    s["chosen_case"], s["inbrenger"] = ev["case"], ev["inbrenger"]
    s["case_text"], s["people"] = None, []
    s["deals"] = {}  # a new case: new cards, a new speaking order
    s["turns"] = {"order": [], "current": 0}
    if "summaries_unsaved" in ev:  # a facilitator's
        s["summaries_unsaved"] = ev["summaries_unsaved"]


def case_shared(s: State, ev: Frame, m: Mirror) -> None:
    s["case_text"], s["people"] = ev["text"], ev["people"]


def question_asked(s: State, ev: Frame, m: Mirror) -> None:
    _upsert(s["questions"], ev["question"])


def question_updated(s: State, ev: Frame, m: Mirror) -> None:
    if "question" in ev:  # others get an empty frame for a hidden question's update
        q = ev["question"]
        _upsert(s["questions"], q)
        if s["answering"] == q["id"] and (q["answered"] or q["hidden"]):
            s["answering"] = None  # answered: nobody answers it now


def question_hidden(s: State, ev: Frame, m: Mirror) -> None:
    if isinstance(ev["question"], dict):
        _upsert(s["questions"], ev["question"])
    else:  # hidden from this viewer; its own-marks stay for when it is unhidden
        s["questions"] = [q for q in s["questions"] if q["id"] != ev["question"]]
    qid = ev["question"]["id"] if isinstance(ev["question"], dict) else ev["question"]
    if s["answering"] == qid:
        s["answering"] = None


def question_withdrawn(s: State, ev: Frame, m: Mirror) -> None:
    qid = ev["question"]
    s["questions"] = [q for q in s["questions"] if q["id"] != qid]
    s["own_questions"] = [q for q in s["own_questions"] if q != qid]
    s["own_upvotes"] = [q for q in s["own_upvotes"] if q != qid]
    if s["answering"] == qid:
        s["answering"] = None


def answering(s: State, ev: Frame, m: Mirror) -> None:
    s["answering"] = ev["question"]  # the question on the table now, or None


def essence(s: State, ev: Frame, m: Mirror) -> None:
    s["essence"] = ev["text"]


def cards_dealt(s: State, ev: Frame, m: Mirror) -> None:
    """A deal, or (public cards) a deal again for late joiners: the cards and who holds
    which; what was written so far stays."""
    old = s["deals"].get(ev["phase"], {})
    deal = ev["deal"]
    s["deals"][ev["phase"]] = {
        **deal,
        "taken": ev["taken"],
        "written": ev["written"],
        "mine": deal["holders"].get(m.me or "") if deal["public"] else old.get("mine"),
        "my_texts": old.get("my_texts"),
        "perspectives": old.get("perspectives", []),
        "revealed": False,
    }


def card_drawn(s: State, ev: Frame, m: Mirror) -> None:
    s["deals"][ev["phase"]]["taken"] = ev["taken"]  # whose card: only its holder knows (from the ack)


def perspective_written(s: State, ev: Frame, m: Mirror) -> None:
    deal = s["deals"][ev["phase"]]
    deal["written"] = ev["written"]
    if "texts" in ev:  # your own, hidden until the reveal
        deal["my_texts"] = ev["texts"]
    if "perspective" in ev:  # public cards, shown as written
        shown = ev["perspective"]
        for i, old in enumerate(deal["perspectives"]):
            if old["holder"] == shown["holder"]:
                deal["perspectives"][i] = shown
                break
        else:
            deal["perspectives"].append(shown)
        if shown["holder"] == m.me:
            deal["my_texts"] = shown["texts"]


def perspectives_revealed(s: State, ev: Frame, m: Mirror) -> None:
    deal = s["deals"][ev["phase"]]
    deal["perspectives"], deal["revealed"] = ev["perspectives"], True


def turns(s: State, ev: Frame, m: Mirror) -> None:
    s["turns"] = {"order": ev["order"], "current": ev["current"]}


def advice_given(s: State, ev: Frame, m: Mirror) -> None:
    s["advice"].append(ev["advice"])


def response(s: State, ev: Frame, m: Mirror) -> None:
    s["response"] = ev["text"]


def takeaway(s: State, ev: Frame, m: Mirror) -> None:
    s["takeaway"] = ev["text"]


def evaluated(s: State, ev: Frame, m: Mirror) -> None:
    s["evaluations_count"] = ev["evaluations_count"]
    if "evaluation" in ev:
        items = s["evaluations"]
        for i, old in enumerate(items):
            if old["participant"] == ev["evaluation"]["participant"]:
                items[i] = ev["evaluation"]
                break
        else:
            items.append(ev["evaluation"])


def worth_given(s: State, ev: Frame, m: Mirror) -> None:
    s["worth_count"] = ev["worth_count"]  # anonymous: your own answer comes with your ack


def ready(s: State, ev: Frame, m: Mirror) -> None:
    s["ready_count"] = ev["ready_count"]
    if "participant" in ev:  # a facilitator's: who is ready (their own `ready` is not this)
        pid = ev["participant"]
        s["ready_ids"] = [x for x in s["ready_ids"] if x != pid] + ([pid] if ev["ready"] else [])
    elif "ready" in ev:
        s["ready"] = ev["ready"]


def summary_kept(s: State, ev: Frame, m: Mirror) -> None:
    if "summaries_unsaved" in ev:  # a facilitator's: whose summary is not yet saved
        s["summaries_unsaved"] = ev["summaries_unsaved"]


def place(s: State, ev: Frame, m: Mirror) -> None:
    for p in s["participants"]:
        if p["id"] == ev["participant"]:
            p["place"] = ev["place"]


def hands(s: State, ev: Frame, m: Mirror) -> None:
    s["hands"] = {k: v for k, v in ev.items() if k not in ("t", "seq")}


def call_link(s: State, ev: Frame, m: Mirror) -> None:
    s["call_link"] = ev["url"]


def ended(s: State, ev: Frame, m: Mirror) -> None:
    m.ended = True
    m.proof = ev.get("proof")  # the final proof of participation: the room is erased next
    if "summary" in ev:  # the inbrenger's summary (and earlier ones): theirs to keep
        m.summary = {"summary": ev["summary"], "earlier": ev.get("earlier", [])}


def withheld(s: State, ev: Frame, m: Mirror) -> None:
    """An event about the case, kept from you until you confirm the agreement: its seq only.
    Your confirmation is followed by close 4011 and a fresh snapshot with the whole case."""


#: event type -> its fold, in the order of the server's (server/rooms/fold.py) and the browser's
FOLD: dict[str, Callable[[State, Frame, Mirror], None]] = {
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
    "turned_away": let_in,
    "confirmed": confirmed,
    "case_proposed": case_proposed,
    "case_withdrawn": case_withdrawn,
    "vote_cast": vote_cast,
    "vote_closed": vote_closed,
    "case_chosen": case_chosen,
    "case_shared": case_shared,
    "question_asked": question_asked,
    "question_updated": question_updated,
    "question_hidden": question_hidden,
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
