"""A client's local copy of the room: the welcome snapshot with every event folded in.

It ends up equal to the server's snapshot for this client's audience; the integration
tests check exactly that.
"""

from __future__ import annotations

import copy
from typing import Any


def _num(item_id: str) -> int:
    return int(item_id[1:])


def _upsert(items: list[dict], rec: dict, key: str = "id") -> None:
    for i, old in enumerate(items):
        if old[key] == rec[key]:
            items[i] = rec
            return
    items.append(rec)
    items.sort(key=lambda x: _num(x[key]))


class Mirror:
    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.me: str | None = None  # the viewer's participant id
        self.seq = 0
        self.ended = False
        self.proof: dict[str, Any] | None = None

    def reset(self, snapshot: dict[str, Any], seq: int) -> None:
        self.state = copy.deepcopy(snapshot)
        self.seq = seq

    def apply(self, ev: dict[str, Any]) -> None:
        if ev["seq"] <= self.seq:
            return  # already folded in
        if ev["seq"] != self.seq + 1:
            raise ValueError(f"gap: expected seq {self.seq + 1}, got {ev['seq']}")
        self.seq = ev["seq"]
        handler = getattr(self, "_" + ev["t"], None)
        if handler is None:
            raise ValueError(f"unknown event {ev['t']!r}")
        handler(ev)

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
        elif command == "upvote":
            own = set(s["own_upvotes"])
            if args["on"]:
                own.add(args["question"])
            else:
                own.discard(args["question"])
            s["own_upvotes"] = sorted(own, key=_num)

    # ------------------------------------------------------------------ events

    def _joined(self, ev: dict) -> None:
        self.state["participants"].append(ev["participant"])

    def _presence(self, ev: dict) -> None:
        for p in self.state["participants"]:
            if p["id"] == ev["participant"]:
                p["online"] = ev["online"]
        if "facilitator_away" in ev:  # no facilitator online since ..., or one is back
            self.state["facilitator_away"] = ev["facilitator_away"]

    def _removed(self, ev: dict) -> None:
        s = self.state
        s["participants"] = [p for p in s["participants"] if p["id"] != ev["participant"]]
        if s["inbrenger"] == ev["participant"]:
            s["inbrenger"] = s["chosen_case"] = s["case_text"] = None
            s["people"] = []

    def _role_changed(self, ev: dict) -> None:
        # a change of your own role is followed by close 4011 and a fresh snapshot
        for p in self.state["participants"]:
            if p["id"] == ev["participant"]:
                p["role"] = ev["role"]
        if "facilitator_away" in ev:
            self.state["facilitator_away"] = ev["facilitator_away"]

    def _locked(self, ev: dict) -> None:
        self.state["locked"] = ev["locked"]

    def _phase(self, ev: dict) -> None:
        self.state["phase"] = ev["phase"]
        self.state["timer"] = ev["timer"]  # every phase starts with a fresh, stopped timer
        self.state["notes_hidden"] = ev["notes_hidden"]
        self.state["turns"] = ev["turns"]  # the phase's own speaking order (empty if it has none)
        self.state["ready_count"] = 0
        self.state["ready"] = False

    def _note_written(self, ev: dict) -> None:
        s = self.state
        if "notes_hidden" in ev:
            s["notes_hidden"] = ev["notes_hidden"]
        if "note" in ev:  # a visible note, or your own hidden one
            _upsert(s["notes"], ev["note"])

    def _note_withdrawn(self, ev: dict) -> None:
        s = self.state
        if "notes_hidden" in ev:
            s["notes_hidden"] = ev["notes_hidden"]
        if "note" in ev:
            s["notes"] = [n for n in s["notes"] if n["id"] != ev["note"]]
            s["own_notes"] = [n for n in s["own_notes"] if n != ev["note"]]

    def _notes_revealed(self, ev: dict) -> None:
        for note in ev["notes"]:
            _upsert(self.state["notes"], note)
        self.state["notes_hidden"] = 0

    def _advice_rated(self, ev: dict) -> None:
        for item in self.state["advice"]:
            if item["id"] == ev["advice"]:
                item["rating"] = ev["rating"]

    def _next_case(self, ev: dict) -> None:
        """The case is closed: back to the case choice, with nothing of it left but the
        inbrenger's own summary."""
        s = self.state
        if s["inbrenger"] == self.me:
            s["has_summary"] = True
        s["cases"] = [c for c in s["cases"] if c["id"] != ev["case"]]
        s["vote"] = {"open": True, "cast": 0, "mine": None, "tally": None}
        s.update(
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

    def _listed(self, ev: dict) -> None:
        listed = [x for x in self.state["listed"] if x != ev["participant"]]
        self.state["listed"] = listed + ([ev["participant"]] if ev["listed"] else [])

    def _method_set(self, ev: dict) -> None:
        self.state["method"] = ev["method"]
        self.state["phase"] = ev["phase"]
        self.state["timer"] = ev["timer"]

    def _timer(self, ev: dict) -> None:
        self.state["timer"] = ev["timer"]

    def _auto_advance(self, ev: dict) -> None:
        self.state["auto_advance"] = ev["on"]

    def _screen_ticket(self, ev: dict) -> None:
        """A facilitator asked for a screen ticket: nothing in the room's view changes."""

    def _confirmed(self, ev: dict) -> None:
        self.state["confirmed_count"] = ev["confirmed_count"]
        if "participant" in ev:
            self.state["confirmed"].append(ev["participant"])

    def _case_proposed(self, ev: dict) -> None:
        self.state["cases"].append(ev["case"])

    def _case_withdrawn(self, ev: dict) -> None:
        s = self.state
        s["cases"] = [c for c in s["cases"] if c["id"] != ev["case"]]
        s["vote"]["cast"] = ev["cast"]
        if s["vote"]["mine"] == ev["case"]:
            s["vote"]["mine"] = None
        if s["vote"]["tally"] is not None:
            s["vote"]["tally"].pop(ev["case"], None)

    def _vote_cast(self, ev: dict) -> None:
        self.state["vote"]["cast"] = ev["cast"]
        if "case" in ev:
            self.state["vote"]["mine"] = ev["case"]

    def _vote_closed(self, ev: dict) -> None:
        self.state["vote"]["open"] = False
        self.state["vote"]["tally"] = ev["tally"]

    def _case_chosen(self, ev: dict) -> None:
        s = self.state
        s["chosen_case"], s["inbrenger"] = ev["case"], ev["inbrenger"]
        s["case_text"], s["people"] = None, []
        s["deals"] = {}  # a new case: new cards, a new speaking order
        s["turns"] = {"order": [], "current": 0}

    def _case_shared(self, ev: dict) -> None:
        self.state["case_text"], self.state["people"] = ev["text"], ev["people"]

    def _question_asked(self, ev: dict) -> None:
        _upsert(self.state["questions"], ev["question"])

    def _question_updated(self, ev: dict) -> None:
        if "question" in ev:  # others get an empty frame for a hidden question's update
            _upsert(self.state["questions"], ev["question"])

    def _question_hidden(self, ev: dict) -> None:
        if isinstance(ev["question"], dict):
            _upsert(self.state["questions"], ev["question"])
        else:  # hidden from this viewer; its own-marks stay for when it is unhidden
            self.state["questions"] = [q for q in self.state["questions"] if q["id"] != ev["question"]]

    def _question_withdrawn(self, ev: dict) -> None:
        s, qid = self.state, ev["question"]
        s["questions"] = [q for q in s["questions"] if q["id"] != qid]
        s["own_questions"] = [q for q in s["own_questions"] if q != qid]
        s["own_upvotes"] = [q for q in s["own_upvotes"] if q != qid]

    def _essence(self, ev: dict) -> None:
        self.state["essence"] = ev["text"]

    def _cards_dealt(self, ev: dict) -> None:
        """A deal, or (public cards) a deal again for late joiners: the cards and who holds
        which; what was written so far stays."""
        old = self.state["deals"].get(ev["phase"], {})
        deal = ev["deal"]
        mine = deal["holders"].get(self.me or "") if deal["public"] else old.get("mine")
        self.state["deals"][ev["phase"]] = {
            **deal,
            "taken": ev["taken"],
            "written": ev["written"],
            "mine": mine,
            "my_texts": old.get("my_texts"),
            "perspectives": old.get("perspectives", []),
            "revealed": False,
        }

    def _card_drawn(self, ev: dict) -> None:
        self.state["deals"][ev["phase"]]["taken"] = ev["taken"]  # whose card: only its holder knows (ack)

    def _perspective_written(self, ev: dict) -> None:
        deal = self.state["deals"][ev["phase"]]
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
            if shown["holder"] == self.me:
                deal["my_texts"] = shown["texts"]

    def _perspectives_revealed(self, ev: dict) -> None:
        deal = self.state["deals"][ev["phase"]]
        deal["perspectives"], deal["revealed"] = ev["perspectives"], True

    def _turns(self, ev: dict) -> None:
        self.state["turns"] = {"order": ev["order"], "current": ev["current"]}

    def _advice_given(self, ev: dict) -> None:
        self.state["advice"].append(ev["advice"])

    def _response(self, ev: dict) -> None:
        self.state["response"] = ev["text"]

    def _takeaway(self, ev: dict) -> None:
        self.state["takeaway"] = ev["text"]

    def _evaluated(self, ev: dict) -> None:
        self.state["evaluations_count"] = ev["evaluations_count"]
        if "evaluation" in ev:
            items = self.state["evaluations"]
            for i, old in enumerate(items):
                if old["participant"] == ev["evaluation"]["participant"]:
                    items[i] = ev["evaluation"]
                    break
            else:
                items.append(ev["evaluation"])

    def _ready(self, ev: dict) -> None:
        self.state["ready_count"] = ev["ready_count"]
        if "ready" in ev:
            self.state["ready"] = ev["ready"]

    def _ended(self, ev: dict) -> None:
        self.ended = True
        self.proof = ev.get("proof")  # the final proof of participation: the room is erased next
