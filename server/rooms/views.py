"""What each viewer may see: the room snapshot for one audience, and event frames.

Both are filtered here, on the server, so nothing private or hidden ever leaves it for
the wrong person.
"""

from __future__ import annotations

from typing import Any

from . import identity
from .events import FACILITATORS, Actor, Event
from .state import FACILITATOR, OBSERVER, PARTICIPANT, SCREEN, Deal, RoomState, away_record

#: Events about a case (its titles, text, people, questions, notes, cards and perspectives,
#: advice, essence, response, take-away, the vote on it). A participant who has not yet
#: confirmed the agreement on confidentiality gets each of them as a bare `withheld` frame
#: (its `t` and `seq` only), and a snapshot without any of it (see `withheld`).
CASE_EVENTS = frozenset(
    {
        "case_proposed",
        "case_withdrawn",
        "vote_cast",
        "vote_closed",
        "case_shared",
        "question_asked",
        "question_updated",
        "question_hidden",
        "question_withdrawn",
        "answering",
        "essence",
        "cards_dealt",
        "card_drawn",
        "perspective_written",
        "perspectives_revealed",
        "advice_given",
        "advice_rated",
        "note_written",
        "note_withdrawn",
        "notes_revealed",
        "response",
        "takeaway",
    }
)


def withheld(s: RoomState, pid: str) -> bool:
    """Whether `pid` gets no case content yet: a participant (not a facilitator, not a
    screen) in a method with a confidentiality agreement (a phase that accepts `confirm`)
    who has not confirmed it. The server keeps it from them, in the snapshot and in every
    frame, until they confirm; their connections are then closed with 4011 so that they
    resume with a fresh, whole snapshot (`sees_anew`). That path exists for role changes
    already and both clients follow it; a private catch-up event instead would have to
    carry the whole case, and every fold would have to learn to merge it."""
    p = s.active(pid)
    return p is not None and p.role == PARTICIPANT and pid not in s.confirmed and s.method.agreement is not None


def sees_anew(ev: Event, pid: str, role: str, held: bool) -> bool:
    """Whether after `ev` this viewer (`held`: kept from the case until now) must see the
    room anew, with close 4011 and a fresh snapshot: their own role changed, they confirmed
    the agreement, or the method changed in the lobby to one with an agreement where there
    was none, or the other way round."""
    if ev.t == "role_changed":
        return bool(ev.public["participant"] == pid)
    if ev.t == "confirmed":
        return ev.private is not None and ev.private.get("participant") == pid
    if ev.t == "method_set" and role == PARTICIPANT:
        return held == (ev.public["method"]["agreement"] is None)
    return False


def form(ev: Event, pid: str, role: str) -> str:
    """Which body of `ev` this viewer gets: "private" (named in `to`, or a facilitator where
    `to` names FACILITATORS), "fac" (a facilitator, where the event has a facilitators' form
    of its own, see Event), or "public". A projector shows the public room only."""
    if role in (SCREEN, OBSERVER):  # a silent observer sees what the projector shows
        return "public"
    if ev.private is not None and pid in ev.to:
        return "private"
    if role == FACILITATOR:
        if ev.fac is not None:
            return "fac"
        if ev.private is not None and FACILITATORS in ev.to:
            return "private"
    return "public"


def sees_private(ev: Event, pid: str, role: str) -> bool:
    return form(ev, pid, role) == "private"


def frame(ev: Event, pid: str, role: str, held: bool = False) -> dict[str, Any]:
    """The event as this viewer receives it; `held`: the viewer is `withheld` from the case."""
    if held and ev.t in CASE_EVENTS:
        return {"t": "withheld", "seq": ev.seq}
    seen = form(ev, pid, role)
    body = ev.private if seen == "private" else ev.fac if seen == "fac" else ev.public
    assert body is not None  # form() names a body the event has
    if held and ev.t == "phase":
        body = {**body, "notes_hidden": 0}  # not even how many notes wait
    return {"t": ev.t, "seq": ev.seq, **body}


def _phase(s: RoomState, fac: bool) -> dict[str, Any]:
    rec = s.current_phase.public(s.phase)
    if fac:
        rec["script"] = dict(s.current_phase.script)
    return rec


def unsaved(
    s: RoomState, kept: list[str] | None = None, inbrenger: str | None = None, holder: str | None = None
) -> list[str]:
    """Who has a summary in this meeting (the inbrenger of the case under way, or of an
    earlier one) and has not saved it yet (`summary_kept`): the facilitator's end
    confirmation names them. `kept` and `inbrenger` stand in for the state's own, and
    `holder` is someone about to be given a summary, for the state an event is about to make."""
    kept = s.kept if kept is None else kept
    inbrenger = s.inbrenger if inbrenger is None else inbrenger
    holders = [*s.summaries, *([holder] if holder and holder not in s.summaries else [])]
    holders += [inbrenger] if inbrenger and inbrenger not in holders else []
    return [pid for pid in holders if pid not in kept]


def deal_view(phase_id: str, d: Deal, viewer: Actor) -> dict[str, Any]:
    """A phase's cards as `viewer` may see them: whose card is whose only if they are
    public, and the viewer's own card and texts (found by its tag if private)."""
    key = viewer.pid if d.public else identity.card_tag(viewer.anon_key, phase_id)
    return {
        **d.record(),
        "taken": len(d.holders),
        "written": len(d.texts),
        "mine": d.holders.get(key),
        "my_texts": list(d.texts[key]) if key in d.texts else None,
        "perspectives": d.visible(),
        "revealed": d.revealed is not None,
    }


def snapshot(s: RoomState, viewer: Actor) -> dict[str, Any]:
    """The whole room as `viewer` may see it; a client's mirror folds events into this."""
    me = s.participants[viewer.pid]
    fac = me.role == FACILITATOR
    method = s.method
    questions = [q for q in s.questions.values() if fac or not q.hidden]
    # the inbrenger's ratings are theirs, unless the method lets the group see them
    rated = viewer.pid == s.inbrenger or method.ratings == "group"

    def rating(rec: dict[str, Any]) -> dict[str, Any]:
        return rec if rated else {**rec, "rating": None}

    def mine(item: str) -> str:
        return identity.tag(viewer.anon_key, item)

    turns = s.current_turns()
    rec = {
        "code": s.code,
        "language": s.language,
        "anonymous_questions": s.anonymous_questions,
        "locked": s.locked,
        "method": method.view(),
        "theme": s.theme,
        "rota": s.rota,
        "phase": _phase(s, fac),
        "timer": s.timer(),
        "auto_advance": s.auto_advance,
        "participants": [p.public() for p in s.participants.values() if not p.removed],
        "confirmed_count": len(s.confirmed),
        "confirmed": [pid for pid in s.confirmed if fac or pid == viewer.pid],
        "cases": [c.public() for c in s.cases.values()],
        "vote": {
            "open": s.vote_open,
            "cast": len(s.votes),
            "mine": s.votes.get(viewer.pid),
            "tally": dict(s.tally) if s.tally is not None else None,
        },
        "inbrenger": s.inbrenger,
        "chosen_case": s.chosen_case,
        "case_text": s.case_text,
        "people": list(s.people),
        "questions": [rating(q.public()) for q in questions],
        # own items by id, hidden ones included, so they show again when unhidden
        "own_questions": [q.id for q in s.questions.values() if q.tag == mine(q.id)],
        "own_upvotes": [q.id for q in s.questions.values() if mine("up:" + q.id) in q.upvoters],
        "essence": s.essence,
        "deals": {pid: deal_view(pid, d, viewer) for pid, d in s.deals.items()},
        "turns": {"order": list(turns.order), "current": turns.current},
        "hands": s.hands.public(),
        "call_link": s.call_link,
        "circles": [dict(c, members=list(c["members"])) for c in s.circles],
        "plenary": s.plenary,
        "announcement": s.announcement,
        "advice": [rating(a.public()) for a in s.advice],
        # written notes: the revealed ones, and your own before the reveal
        "notes": [n.public() for n in s.notes.values() if not n.hidden or n.tag == mine(n.id)],
        "own_notes": [n.id for n in s.notes.values() if n.tag == mine(n.id)],
        "notes_hidden": sum(1 for n in s.notes.values() if n.hidden and n.phase == s.current_phase.id),
        "response": s.response,
        "takeaway": s.takeaway,
        "evaluations_count": len(s.evaluations),
        "evaluations": [
            {"participant": pid, "score": score, "line": line}
            for pid, (score, line) in s.evaluations.items()
            if fac or pid == viewer.pid
        ],
        # "Was dit de tijd waard?": how many answered, and your own answer (found by your tag)
        "worth_count": len(s.worth),
        "worth_mine": _worth_mine(s, viewer),
        "ready_count": len(s.ready),
        "ready": viewer.pid in s.ready,
        # who voted and who is ready: for the facilitator's marks (never what anyone voted for)
        "voted": list(s.voted) if fac else [],
        "ready_ids": list(s.ready) if fac else [],
        "answering": s.answering,
        "summaries_unsaved": unsaved(s) if fac else [],
        "cases_done": s.cases_done,
        "has_summary": viewer.pid in s.summaries,
        "listed": list(s.listed),
        # who leads this group for the first time: the facilitators', and your own mark
        "first_timers": [pid for pid in s.first_timers if fac or pid == viewer.pid],
        "facilitator_away": away_record(s.fac_away_since),
        # latecomers at the locked room who wait for an answer: the facilitators' to give
        "knocks": [k.public() for k in s.knocks.values() if k.answer is None] if fac else [],
    }
    if withheld(s, viewer.pid):
        rec.update(NOTHING_OF_THE_CASE)
        rec["vote"] = {"open": True, "cast": 0, "mine": None, "tally": None}
        rec["deals"] = {}
    return rec


def _worth_mine(s: RoomState, viewer: Actor) -> dict[str, Any] | None:
    answer = s.worth.get(identity.worth_tag(viewer.anon_key))
    return None if answer is None else {"worth": answer[0], "process": answer[1]}


#: the snapshot's case fields for one who is `withheld` (besides `vote` and `deals`)
NOTHING_OF_THE_CASE: dict[str, Any] = {
    "cases": [],
    "case_text": None,
    "people": [],
    "questions": [],
    "own_questions": [],
    "own_upvotes": [],
    "essence": None,
    "advice": [],
    "notes": [],
    "own_notes": [],
    "notes_hidden": 0,
    "answering": None,
    "response": None,
    "takeaway": None,
}
