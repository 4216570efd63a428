"""The end of a case: the group's advice (one per turn where the phase goes in turn) and
the inbrenger's rating of it, the inbrenger's response and take-away, everyone's
evaluation and "ready", and the summary the inbrenger takes home."""

from __future__ import annotations

from typing import Any

from protocol import errors, limits
from protocol.args import EvaluateArgs, NoArgs, RateAdviceArgs, ReadyArgs, TextArgs, WorthArgs

from .. import identity
from ..events import FACILITATORS, Actor, Event, RoomError
from ..method import TERUGBLIK
from ..state import FACILITATOR, PARTICIPANT, Advice, RoomState
from ..views import unsaved
from .checks import Context, Decision, Rule, anonymous, deny, missing, text_event
from .turns import inbrenger_may_speak, require_turn


def advice(s: RoomState, a: Actor, args: TextArgs, ctx: Context) -> Decision:
    phase = s.current_phase
    require_turn(s, a, phase)
    turns = s.current_turns()
    if phase.in_turn and turns.given == turns.current:
        raise deny("one advice per turn; pass the turn to the next person")
    if len(s.advice) >= limits.MAX_ADVICE:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_ADVICE} advice items")
    aid = s.new_id("a")
    tag = identity.tag(a.anon_key, aid)
    item = Advice(aid, None if anonymous(s, phase) else a.pid, args["text"], None, tag)
    return Decision([Event("advice_given", {"advice": item.public()}, internal={"tag": tag})], {"advice": item.id})


def rate_advice(s: RoomState, a: Actor, args: RateAdviceArgs, ctx: Context) -> Decision:
    if a.pid != s.inbrenger:
        raise deny("only the inbrenger can do this")
    if not {"advice", "response"} & set(s.current_phase.accepts):
        raise deny("advice is rated in the advice round")
    if not inbrenger_may_speak(s):
        raise deny(f"the inbrenger {s.current_phase.inbrenger} in this phase and rates the advice at their turn")
    item = next((x for x in s.advice if x.id == args["advice"]), None)
    if item is None:
        raise missing("advice")
    if item.rating == args["rating"]:
        return Decision()
    rec = {"advice": item.id, "rating": args["rating"]}
    if s.method.ratings == "group":
        return Decision([Event("advice_rated", rec)])
    # the rating is the inbrenger's: the others see only that an event went by
    return Decision([Event("advice_rated", {}, rec, (a.pid,))])


def evaluate(s: RoomState, a: Actor, args: EvaluateArgs, ctx: Context) -> Decision:
    """Your evaluation of the meeting: everyone sees the count, facilitators and you what you gave."""
    n = len(s.evaluations) + (a.pid not in s.evaluations)
    ev = {"participant": a.pid, "score": args["score"], "line": args.get("line", "")}
    public, private = {"evaluations_count": n}, {"evaluations_count": n, "evaluation": ev}
    return Decision([Event("evaluated", public, private, (FACILITATORS, a.pid))])


def worth(s: RoomState, a: Actor, args: WorthArgs, ctx: Context) -> Decision:
    """ "Was dit de tijd waard?" (1-5) and "Bleven we bij de vraag van de inbrenger?",
    anonymous for real: the answer is kept under a tag only the giver's token can compute
    (identity.worth_tag), the event carries the count alone, and the answer comes back in
    the ack only. Sending again replaces it. Facilitators answer too: in a group that leads
    itself the facilitator is one of the members. The group keeps the totals
    (server/groups/trend.py), never an answer."""
    if "evaluation" not in s.current_phase.accepts:
        raise deny(f"evaluation is not possible in the phase '{s.current_phase.id}'")
    p = s.active(a.pid)
    if p is None or p.role not in (PARTICIPANT, FACILITATOR):
        raise deny("only participants and facilitators can do this")
    mark = identity.worth_tag(a.anon_key)
    answer = [args["worth"], args.get("process")]
    mine = {"worth": answer[0], "process": answer[1]}
    if s.worth.get(mark) == answer:
        return Decision([], mine)
    n = len(s.worth) + (mark not in s.worth)
    return Decision([Event("worth_given", {"worth_count": n}, internal={"tag": mark, "answer": answer})], mine)


def worth_totals(s: RoomState) -> dict[str, Any]:
    """What the group keeps of the answers: how many gave each value, nothing else."""
    worth = [0] * 5
    process = {"ja": 0, "grotendeels": 0, "nee": 0}
    for value, said in s.worth.values():
        worth[value - 1] += 1
        if said is not None:
            process[said] += 1
    return {"worth": worth, "process": process}


def ready(s: RoomState, a: Actor, args: ReadyArgs, ctx: Context) -> Decision:
    p = s.active(a.pid)
    if p is None or p.role != PARTICIPANT or s.phase == 0:
        raise deny("only participants can mark themselves ready, after the lobby")
    if (a.pid in s.ready) == args["ready"]:
        return Decision()
    n = len(s.ready) + (1 if args["ready"] else -1)
    ev = Event("ready", {"ready_count": n}, {"ready_count": n, "ready": args["ready"]}, (a.pid,))
    # the facilitators see who is ready (their own form, see Event.fac); the others a count
    ev.fac = {"ready_count": n, "participant": a.pid, "ready": args["ready"]}
    return Decision([ev])


def summary(s: RoomState) -> dict[str, Any]:
    """What the inbrenger takes home: the case and everything the group gave."""
    case = s.cases.get(s.chosen_case or "")
    names = {p.id: p.name for p in s.participants.values()}
    return {
        "title": case.title if case else None,
        "question": case.question if case else None,
        "case_text": s.case_text,
        "people": list(s.people),
        "essence": s.essence,
        "questions": [
            {"text": q.text, "rating": q.rating, "answered": q.answered} for q in s.questions.values() if not q.hidden
        ],
        "perspectives": _summary_perspectives(s),
        "advice": [{"author": names.get(x.author or ""), "text": x.text, "rating": x.rating} for x in s.advice],
        "notes": [
            {"phase": n.phase, "text": n.text, "author": names.get(n.author or "")}
            for n in s.notes.values()
            if not n.hidden and n.phase != TERUGBLIK  # the terugblik is the group's, not the case's
        ],
        "response": s.response,
        "takeaway": s.takeaway,
    }


def _summary_perspectives(s: RoomState) -> list[dict[str, Any]]:
    """What was written from the cards, phase by phase, as everyone could read it; each
    entry names its card and gives each text with its field's label."""
    out = []
    for phase in s.method.phases:
        deal = s.deals.get(phase.id)
        if deal is None:
            continue
        for item in deal.visible():
            card = deal.card(item["card"])
            texts = [{"label": f["label"], "text": t} for f, t in zip(card["fields"], item["texts"], strict=True)]
            out.append({"phase": phase.id, "card": card["name"], "texts": texts})
    return out


def your_summary(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """Your summary: of the case under way if you are its inbrenger, else of your last
    earlier case in this meeting; `earlier` holds all your earlier ones."""
    earlier = s.summaries.get(a.pid, [])
    if a.pid != s.inbrenger and not earlier:
        raise deny("the summary goes to the inbrenger only")
    current = summary(s) if a.pid == s.inbrenger else earlier[-1]
    return Decision([], {"summary": current, "earlier": list(earlier)})


def summary_kept(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    """The inbrenger's page says they printed or downloaded their summary. Only that fact
    goes, to the facilitators, whose end confirmation names whose summary is not yet saved."""
    if a.pid != s.inbrenger and a.pid not in s.summaries:
        raise deny("the summary goes to the inbrenger only")
    if a.pid in s.kept:
        return Decision()
    private = {"participant": a.pid, "summaries_unsaved": unsaved(s, [*s.kept, a.pid])}
    return Decision([Event("summary_kept", {}, private, (FACILITATORS,))])


RULES = {
    "advice": Rule(advice, needs="advice"),
    # the inbrenger, in the advice round once they may speak: checked by the handler
    "rate_advice": Rule(rate_advice),
    "respond": Rule(text_event("response"), needs="response"),
    "takeaway": Rule(text_event("takeaway"), needs="takeaway"),
    "evaluate": Rule(evaluate, needs="evaluation"),
    "worth": Rule(worth, needs="evaluation", own_check="participants and facilitators: see worth"),
    "ready": Rule(ready),
    "summary": Rule(your_summary),
    "summary_kept": Rule(summary_kept),
}
