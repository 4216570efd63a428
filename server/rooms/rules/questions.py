"""The questions round: the group asks (anonymously where the room and phase say so),
withdraws its own questions and upvotes; the inbrenger marks them answered and rates them,
and writes down the essence; the facilitator hides a question."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from protocol import errors, limits
from protocol.args import (
    AnsweringArgs,
    HideQuestionArgs,
    MarkAnsweredArgs,
    QuestionArgs,
    RateQuestionArgs,
    TextArgs,
    UpvoteArgs,
)

from .. import identity
from ..events import FACILITATORS, Actor, Event, RoomError
from ..state import Question, RoomState
from .checks import Context, Decision, Rule, anonymous, deny, is_fac, missing, text_event
from .turns import inbrenger_may_speak, require_turn


def ask(s: RoomState, a: Actor, args: TextArgs, ctx: Context) -> Decision:
    phase = s.current_phase
    require_turn(s, a, phase)
    if len(s.questions) >= limits.MAX_QUESTIONS:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_QUESTIONS} questions")
    qid = s.new_id("q")
    q = Question(qid, args["text"], identity.tag(a.anon_key, qid), None if anonymous(s, phase) else a.pid)
    return Decision([Event("question_asked", {"question": q.public()}, internal={"tag": q.tag})], {"question": qid})


def _question(s: RoomState, a: Actor, qid: str) -> Question:
    q = s.questions.get(qid)
    if q is None or (q.hidden and not is_fac(s, a.pid)):
        raise missing("question")
    return q


def shown(s: RoomState, rec: dict[str, Any]) -> dict[str, Any]:
    """A question's or an advice's record as the group sees it: the inbrenger's rating is
    theirs (and their summary's) unless the method lets the group see ratings."""
    if s.method.ratings == "group" or rec.get("rating") is None:
        return rec
    return {**rec, "rating": None}


def _updated(s: RoomState, q: Question, **internal: Any) -> Event:
    """A question's update: its true rating goes in `internal` (the fold keeps it), its
    record with the rating to the inbrenger only, unless ratings are the group's."""
    rec = q.public()
    extra = {**internal, "rating": q.rating} if q.rating is not None else internal
    if q.hidden:  # only facilitators see hidden questions, and their updates
        return Event("question_updated", {}, {"question": shown(s, rec)}, (FACILITATORS,), extra or None)
    public = shown(s, rec)
    if public is rec or s.inbrenger is None:
        return Event("question_updated", {"question": public}, internal=extra or None)
    return Event("question_updated", {"question": public}, {"question": rec}, (s.inbrenger,), extra or None)


def withdraw_question(s: RoomState, a: Actor, args: QuestionArgs, ctx: Context) -> Decision:
    q = _question(s, a, args["question"])
    if identity.tag(a.anon_key, q.id) != q.tag:
        raise deny("you can only withdraw your own questions")
    return Decision([Event("question_withdrawn", {"question": q.id})])


def upvote(s: RoomState, a: Actor, args: UpvoteArgs, ctx: Context) -> Decision:
    q = _question(s, a, args["question"])
    mark = identity.tag(a.anon_key, "up:" + q.id)
    if (mark in q.upvoters) == args["on"]:
        return Decision()
    upvoters = [*q.upvoters, mark] if args["on"] else [m for m in q.upvoters if m != mark]
    return Decision([_updated(s, replace(q, upvoters=upvoters), upvoter=mark, on=args["on"])])


def _inbrenger_on_question(s: RoomState, a: Actor, qid: str) -> Question:
    """The inbrenger's own check for marking and rating: in a phase that accepts questions
    (from the group), whenever the inbrenger may speak there."""
    if "questions" not in s.current_phase.accepts:
        raise deny("questions are handled in the questions round")
    if a.pid != s.inbrenger:
        raise deny("only the inbrenger can do this")
    if not inbrenger_may_speak(s):
        raise deny(f"the inbrenger {s.current_phase.inbrenger} in this phase")
    return _question(s, a, qid)


def mark_answered(s: RoomState, a: Actor, args: MarkAnsweredArgs, ctx: Context) -> Decision:
    q = _inbrenger_on_question(s, a, args["question"])
    if q.answered == args["answered"]:
        return Decision()
    return Decision([_updated(s, replace(q, answered=args["answered"]))])


def rate_question(s: RoomState, a: Actor, args: RateQuestionArgs, ctx: Context) -> Decision:
    q = _inbrenger_on_question(s, a, args["question"])
    if q.rating == args["rating"]:
        return Decision()
    return Decision([_updated(s, replace(q, rating=args["rating"]))])


def answering(s: RoomState, a: Actor, args: AnsweringArgs, ctx: Context) -> Decision:
    """ "Deze beantwoord ik nu": the question on the table, for every list and the wall; null
    takes it off. The inbrenger's, on mark_answered's own check, or the facilitator's (who
    may point the room at a question for them). Marking it answered takes it off too (the fold)."""
    if "questions" not in s.current_phase.accepts:
        raise deny("questions are handled in the questions round")
    if not is_fac(s, a.pid):
        if a.pid != s.inbrenger:
            raise deny("only the inbrenger or the facilitator can do this")
        if not inbrenger_may_speak(s):
            raise deny(f"the inbrenger {s.current_phase.inbrenger} in this phase")
    qid = args["question"]
    if qid is not None:
        q = _question(s, a, qid)
        if q.hidden:  # the room does not see it: it cannot be on the table
            raise missing("question")
        if q.answered:
            raise deny("this question has been answered")
    if s.answering == qid:
        return Decision()
    return Decision([Event("answering", {"question": qid})])


def hide(s: RoomState, a: Actor, args: HideQuestionArgs, ctx: Context) -> Decision:
    q = _question(s, a, args["question"])
    if q.hidden == args["hidden"]:
        return Decision()
    if args["hidden"]:
        rec = shown(s, replace(q, hidden=True).public())
        internal = {"rating": q.rating} if q.rating is not None else None  # the fold keeps the true rating
        return Decision([Event("question_hidden", {"question": q.id}, {"question": rec}, (FACILITATORS,), internal)])
    return Decision([_updated(s, replace(q, hidden=False))])


_BY_INBRENGER = "the inbrenger's, on the group's questions: see _inbrenger_on_question"
_BY_INBRENGER_OR_FAC = "the inbrenger's as mark_answered, or a facilitator's: see answering"

RULES = {
    "ask": Rule(ask, needs="questions"),
    "withdraw_question": Rule(withdraw_question, needs="questions"),
    "upvote": Rule(upvote, needs="questions"),
    "mark_answered": Rule(mark_answered, needs="questions", own_check=_BY_INBRENGER),
    "rate_question": Rule(rate_question, needs="questions", own_check=_BY_INBRENGER),
    "answering": Rule(answering, needs="questions", own_check=_BY_INBRENGER_OR_FAC),
    "hide_question": Rule(hide, facilitator=True),
    "essence": Rule(text_event("essence"), needs="essence"),
}
