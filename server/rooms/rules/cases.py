"""The case choice: cases proposed and withdrawn, the vote, the facilitator's choice (which
makes the proposer the inbrenger), and the inbrenger telling the case."""

from __future__ import annotations

from protocol import errors, limits
from protocol.args import CaseArgs, NoArgs, ProposeCaseArgs, ShareCaseArgs

from ..events import FACILITATORS, Actor, Event, RoomError
from ..state import PARTICIPANT, Case, RoomState
from ..views import unsaved
from .checks import Context, Decision, Rule, deny, missing


def propose(s: RoomState, a: Actor, args: ProposeCaseArgs, ctx: Context) -> Decision:
    if len(s.cases) >= limits.MAX_CASES:
        raise RoomError(errors.TOO_LARGE, f"at most {limits.MAX_CASES} cases")
    case = Case(s.new_id("c"), args["title"], args["question"], a.pid)
    return Decision([Event("case_proposed", {"case": case.public()})], {"case": case.id})


def withdraw_case(s: RoomState, a: Actor, args: CaseArgs, ctx: Context) -> Decision:
    case = s.cases.get(args["case"])
    if case is None:
        raise missing("case")
    if case.proposer != a.pid:
        raise deny("only the proposer can withdraw a case")
    if s.chosen_case == case.id:
        raise deny("this case has been chosen")
    cast = sum(1 for c in s.votes.values() if c != case.id)
    return Decision([Event("case_withdrawn", {"case": case.id, "cast": cast})])


def vote(s: RoomState, a: Actor, args: CaseArgs, ctx: Context) -> Decision:
    if not s.vote_open:
        raise deny("the vote is closed")
    if args["case"] not in s.cases:
        raise missing("case")
    if s.votes.get(a.pid) == args["case"]:
        return Decision()
    cast = len(s.votes) + (a.pid not in s.votes)
    # the voter learns their own vote back; the facilitators who voted, never for what
    # (their own form, see Event.fac)
    ev = Event("vote_cast", {"cast": cast}, {"cast": cast, "case": args["case"]}, (a.pid,))
    ev.fac = {"cast": cast, "participant": a.pid}
    return Decision([ev])


def close_vote(s: RoomState, a: Actor, args: NoArgs, ctx: Context) -> Decision:
    if "cases" not in s.current_phase.accepts:
        raise deny("there is no vote in this phase")
    if not s.vote_open:
        raise deny("the vote is already closed")
    tally = {cid: 0 for cid in s.cases}
    for cid in s.votes.values():
        if cid in tally:
            tally[cid] += 1
    return Decision([Event("vote_closed", {"tally": tally})])


def choose_case(s: RoomState, a: Actor, args: CaseArgs, ctx: Context) -> Decision:
    if "cases" not in s.current_phase.accepts:
        raise deny("a case is chosen in the case choice phase")
    case = s.cases.get(args["case"])
    if case is None:
        raise missing("case")
    proposer = s.active(case.proposer)
    if proposer is None:
        raise deny("the proposer of this case has left")
    if proposer.role != PARTICIPANT:
        raise deny("the proposer of this case is a facilitator now")
    if s.chosen_case == case.id:
        return Decision()
    public = {"case": case.id, "inbrenger": case.proposer}
    # the new inbrenger has a summary from now on, not yet saved (the end confirmation names them)
    kept = [pid for pid in s.kept if pid != case.proposer]
    private = {**public, "summaries_unsaved": unsaved(s, kept, case.proposer)}
    return Decision([Event("case_chosen", public, private, (FACILITATORS,))])


def share(s: RoomState, a: Actor, args: ShareCaseArgs, ctx: Context) -> Decision:
    people = list(dict.fromkeys(args["people"]))  # keep order, drop repeats
    return Decision([Event("case_shared", {"text": args["text"], "people": people})])


RULES = {
    "propose_case": Rule(propose, needs="cases"),
    "withdraw_case": Rule(withdraw_case, needs="cases"),
    "vote": Rule(vote, needs="cases"),
    # the facilitator's, in the phase that accepts cases: each handler refuses elsewhere in its own words
    "close_vote": Rule(close_vote, facilitator=True),
    "choose_case": Rule(choose_case, facilitator=True),
    "share_case": Rule(share, needs="case_text"),
}
