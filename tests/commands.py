"""The commands as the tests see them: who may give each one, and one well-formed set of
arguments per command, so that a refusal a test expects comes from the room's rules and
never from a malformed command.

Read by the engine tests, the property test, the wire fuzzer and the integration tests
alike: a new command is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FACILITATOR_COMMANDS = (
    "lock",
    "remove",
    "advance",
    "back",
    "close_vote",
    "choose_case",
    "hide_question",
    "deal_cards",
    "reveal",
    "end",
    "timer",
    "auto_advance",
    "screen_ticket",
    "add_facilitator",
    "hand_over",
    "set_method",
    "next_case",
)
#: participant commands bound to a phase, and the input (Phase.accepts key) they give
PHASE_INPUT = {
    "confirm": "confirm",
    "propose_case": "cases",
    "withdraw_case": "cases",
    "vote": "cases",
    "share_case": "case_text",
    "ask": "questions",
    "withdraw_question": "questions",
    "upvote": "questions",
    "mark_answered": "questions",
    "rate_question": "questions",
    "essence": "essence",
    "perspective": "perspectives",
    "draw_card": "perspectives",
    "advice": "advice",
    "respond": "response",
    "takeaway": "takeaway",
    "evaluate": "evaluation",
    "note": "notes",
    "withdraw_note": "notes",
}
OTHER_COMMANDS = ("pass_turn", "ready", "summary", "rate_advice", "list_me", "proof", "claim_facilitator")


@dataclass(frozen=True)
class Ids:
    """The items a command names. The defaults name nothing that exists; a test that wants
    a command to reach a real item passes its id."""

    case: str = "c99"
    question: str = "q99"
    participant: str = "p99"
    note: str = "n99"
    advice: str = "a99"


def well_formed(t: str, ids: Ids = Ids()) -> dict[str, Any]:
    """Arguments that pass the protocol's checks for command `t` (none for a command that
    takes none), naming the items in `ids`."""
    return {
        "lock": {"locked": True},
        "remove": {"participant": ids.participant},
        "choose_case": {"case": ids.case},
        "hide_question": {"question": ids.question, "hidden": True},
        "timer": {"action": "start"},
        "auto_advance": {"on": True},
        "add_facilitator": {"participant": ids.participant},
        "hand_over": {"participant": ids.participant},
        "set_method": {"method": "roddelmethode"},
        "propose_case": {"title": "Een casus", "question": "Wat doe ik?"},
        "withdraw_case": {"case": ids.case},
        "vote": {"case": ids.case},
        "share_case": {"text": "De casus", "people": ["iemand"]},
        "ask": {"text": "Wat gebeurde er?"},
        "withdraw_question": {"question": ids.question},
        "upvote": {"question": ids.question, "on": True},
        "mark_answered": {"question": ids.question, "answered": True},
        "rate_question": {"question": ids.question, "rating": "warm"},
        "essence": {"text": "Wat bleef hangen"},
        "perspective": {"texts": ["Ik voel onrust", "Ik denk na"]},
        "advice": {"text": "Probeer dit"},
        "respond": {"text": "Dank je"},
        "takeaway": {"text": "Ik neem mee"},
        "evaluate": {"score": 4, "line": "Fijn"},
        "ready": {"ready": True},
        "note": {"text": "Wat ik zou doen"},
        "withdraw_note": {"note": ids.note},
        "rate_advice": {"advice": ids.advice, "rating": "warm"},
        "list_me": {"listed": True},
    }.get(t, {})
