"""The commands as the tests see them: who may give each one, and one well-formed set of
arguments per command, so that a refusal a test expects comes from the room's rules and
never from a malformed command.

Read by the engine tests, the property test, the wire fuzzer and the integration tests
alike: a new command is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.rooms.engine import PERMISSIONS

#: who may give what, as the engine's one table says it (engine.PERMISSIONS); the doc test
#: holds that table against PROTOCOL §6.1 and §6.2, so the tests restate none of it
FACILITATOR_COMMANDS = tuple(t for t, may in PERMISSIONS.items() if may["facilitator"])
#: participant commands bound to a phase, and the input (Phase.accepts key) they give
PHASE_INPUT = {t: may["input"] for t, may in PERMISSIONS.items() if may["input"] is not None}
OTHER_COMMANDS = tuple(t for t, may in PERMISSIONS.items() if not may["facilitator"] and may["input"] is None)


@dataclass(frozen=True)
class Ids:
    """The items a command names. The defaults name nothing that exists; a test that wants
    a command to reach a real item passes its id."""

    case: str = "c99"
    question: str = "q99"
    participant: str = "p99"
    note: str = "n99"
    advice: str = "a99"
    knock: str = "k99"


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
        "answering": {"question": ids.question},
        "essence": {"text": "Wat bleef hangen"},
        "perspective": {"texts": ["Ik voel onrust", "Ik denk na"]},
        "advice": {"text": "Probeer dit"},
        "respond": {"text": "Dank je"},
        "takeaway": {"text": "Ik neem mee"},
        "evaluate": {"score": 4, "line": "Fijn"},
        "worth": {"worth": 4, "process": "ja"},
        "ready": {"ready": True},
        "note": {"text": "Wat ik zou doen"},
        "withdraw_note": {"note": ids.note},
        "rate_advice": {"advice": ids.advice, "rating": "warm"},
        "list_me": {"listed": True},
        "let_in": {"knock": ids.knock},
        "turn_away": {"knock": ids.knock},
        "set_place": {"place": "online"},
        "give_floor": {"participant": ids.participant},
        "online_first": {"on": True},
        "set_call_link": {"url": "https://meet.example.org/kring"},
    }.get(t, {})
