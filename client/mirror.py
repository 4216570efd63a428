"""A client's local copy of the room: the welcome snapshot with every event folded in.

It ends up equal to the server's snapshot for this client's audience. The fold itself, one
function per event type, is client/fold.py; here is what goes around it: the seq, gaps,
unknown events, and what only the author learns from an ack.
"""

from __future__ import annotations

import copy
from typing import Any

from .fold import FOLD, Frame, State, _num, _upsert

__all__ = ["FOLD", "GapError", "Mirror", "UnknownEventError"]


class GapError(ValueError):
    """The mirror cannot follow the room from here: get a fresh snapshot (resume without
    epoch and seq, PROTOCOL.md §13). Raised before anything is folded, so the state and
    seq stay as they were. The browser's mirror raises the same, by the same name."""


class UnknownEventError(GapError):
    """An event type this client does not know: the server is newer than the client.

    Skipping it would leave the mirror quietly wrong (the event may change anything) and
    guessing is worse, so the client stops folding and asks for a snapshot, which is
    right by construction whatever the event did. The browser does the same."""


class Mirror:
    def __init__(self) -> None:
        self.state: State = {}
        self.me: str | None = None  # the viewer's participant id
        self.seq = 0
        self.ended = False
        self.proof: dict[str, Any] | None = None
        self.summary: dict[str, Any] | None = None  # the inbrenger's, from the ended event

    def reset(self, snapshot: State, seq: int) -> None:
        self.state = copy.deepcopy(snapshot)
        self.seq = seq

    def apply(self, ev: Frame) -> bool:
        """Fold one event in; False if it was folded in already. Raises GapError (or
        UnknownEventError) when the mirror cannot follow: then ask for a snapshot."""
        if ev["seq"] <= self.seq:
            return False
        if ev["seq"] != self.seq + 1:
            raise GapError(f"gap: expected seq {self.seq + 1}, got {ev['seq']}")
        fold = FOLD.get(ev["t"])
        if fold is None:
            raise UnknownEventError(f"unknown event {ev['t']!r}: a newer server")
        fold(self.state, ev, self)
        self.seq = ev["seq"]
        return True

    def on_ack(self, command: str, args: dict[str, Any], result: dict[str, Any]) -> None:
        """What only the author learns, from the ack: which anonymous items are its own."""
        s = self.state
        if command == "ask" and "question" in result:
            s["own_questions"] = sorted({*s["own_questions"], result["question"]}, key=_num)
        elif command == "note" and "note" in result:
            s["own_notes"] = sorted({*s["own_notes"], result["note"]}, key=_num)
            if "record" in result:  # your own note, hidden from the others until the reveal
                _upsert(s["notes"], result["record"])
        elif command == "draw_card" and "card" in result:  # a private card: nobody else is told
            s["deals"][result["phase"]]["mine"] = result["card"]
        elif command == "perspective" and "texts" in result:
            s["deals"][result["phase"]]["my_texts"] = list(result["texts"])
        elif command == "worth" and "worth" in result:  # anonymous: no event says whose it is
            s["worth_mine"] = {"worth": result["worth"], "process": result["process"]}
        elif command == "upvote":
            own = set(s["own_upvotes"])
            if args["on"]:
                own.add(args["question"])
            else:
                own.discard(args["question"])
            s["own_upvotes"] = sorted(own, key=_num)
