"""A room's state: a plain fold over its event log (see fold.apply).

Only plain types and dataclasses of them, so a backend can store it next to the log (as
plain data, read back with `RoomState.from_dict`) or copy it (`RoomState.clone`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from protocol import limits

from .method import DEFAULT_METHOD, Method, Phase, for_room

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
SCREEN = "screen"  # a projector: watches the public room, never acts, never part of the group
#: a group's begeleider who watches a meeting the members lead: sees the public room, as a
#: screen does, never acts, is never part of the group (turns, votes, ready), until a
#: facilitator makes them one (add_facilitator)
OBSERVER = "observer"

APPLIED_MEMORY = 1024  # command ids remembered per room, so a re-sent command applies once
MIN_ANONYMOUS_GROUP = 3  # with fewer askers, "anonymous" would name the author anyway
#: seconds without any facilitator online after which a participant may take the role over
FACILITATOR_CLAIM_AFTER = 5 * 60


def away_record(since: float | None) -> dict[str, float] | None:
    """Since when no facilitator has been online, and from when a participant may take over."""
    return None if since is None else {"since": since, "claim_at": since + FACILITATOR_CLAIM_AFTER}


def fresh_timer(phase: Phase) -> dict[str, Any]:
    """The timer of a phase just entered: stopped, with the phase's suggested duration."""
    return {"running": False, "deadline": None, "remaining": float(phase.minutes * 60)}


def remember(applied: OrderedDict[str, dict[str, Any]], key: str, result: dict[str, Any]) -> None:
    """Remember a command's result under its key, forgetting the oldest beyond APPLIED_MEMORY."""
    applied[key] = result
    while len(applied) > APPLIED_MEMORY:
        applied.popitem(last=False)


_LEAVES = frozenset((str, int, float, bool, type(None), bytes))


def _clone(value: Any) -> Any:
    """A deep copy of room data that keeps its dataclasses (a fold may change any of them)."""
    t = type(value)
    if t in _LEAVES:
        return value
    if t is list:
        return [_clone(v) for v in value]
    if t is tuple:
        return tuple(_clone(v) for v in value)
    if t is dict:
        return {k: _clone(v) for k, v in value.items()}
    fields = getattr(t, "__dataclass_fields__", None)
    if fields is None:  # pragma: no cover - a room holds nothing else
        raise TypeError(f"cannot copy a {t.__name__} in a room")
    return t(**{name: _clone(getattr(value, name)) for name in fields})


@dataclass(slots=True)
class Participant:
    id: str
    name: str
    role: str
    token_hash: str
    online: bool = False
    removed: bool = False
    #: where they take part from, IN_ROOM or ONLINE (None: not said); rules/hybrid.py
    place: str | None = None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "online": self.online, "place": self.place}


#: a knock's answers (Knock.answer); None while it waits
LET_IN = "let_in"
TURNED_AWAY = "turned_away"


@dataclass(slots=True)
class Knock:
    """A latecomer at the locked room, asking to be let in (rules.people.knock).

    Kept by id, with the hash of the secret the knocker asks again with; `answer` is the
    facilitator's (LET_IN, TURNED_AWAY), kept until the knocker asks or the knock expires.
    """

    id: str
    name: str
    at: float  # server time of the knock
    expires: float  # server time after which the knock counts for nothing
    secret_hash: str  # identity.knock_hash of the knocker's secret; never sent
    answer: str | None = None

    def public(self) -> dict[str, Any]:
        """As the facilitators see it: who asks, since when. Nothing else is theirs to know."""
        return {"id": self.id, "name": self.name, "at": self.at}


@dataclass(slots=True)
class Case:
    id: str
    title: str
    question: str
    proposer: str

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "question": self.question, "proposer": self.proposer}


@dataclass(slots=True)
class Question:
    id: str
    text: str
    tag: str  # authorship mark, see identity.tag; never sent
    author: str | None  # None when asked anonymously
    upvoters: list[str] = field(default_factory=list)  # tags, not ids
    answered: bool = False
    rating: str | None = None
    hidden: bool = False

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "author": self.author,
            "upvotes": len(self.upvoters),
            "answered": self.answered,
            "rating": self.rating,
            "hidden": self.hidden,
        }


@dataclass(slots=True)
class Advice:
    id: str
    author: str | None  # None when given anonymously
    text: str
    rating: str | None = None  # koud / lauw / warm, from the inbrenger
    tag: str = ""  # authorship mark, see identity.tag; never sent

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "author": self.author, "text": self.text, "rating": self.rating}


@dataclass(slots=True)
class Note:
    """A written contribution of a phase that accepts notes ("wat zou jij doen?", first
    associations, "de uitdaging van de inbrenger is volgens mij …")."""

    id: str
    phase: str
    text: str
    tag: str  # authorship mark, see identity.tag; never sent
    author: str | None  # None when written anonymously
    hidden: bool = False  # until the facilitator reveals the phase's notes

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "phase": self.phase, "text": self.text, "author": self.author}


@dataclass(slots=True)
class Deal:
    """The cards of one phase and what was written from them.

    Public cards are held by participant id. Private cards are held by a keyed tag of the
    holder (identity.tag of "card:<phase>"), so nothing stored says who holds which card,
    nor who wrote which perspective: only the holder's own connection can find theirs.
    """

    deck: str
    public: bool
    hidden: bool  # perspectives wait for the reveal
    cards: list[dict[str, Any]]  # the cards in play, as dealt (method.Card.record)
    holders: dict[str, str] = field(default_factory=dict)  # pid (public) or tag (private) -> card id
    texts: dict[str, list[str]] = field(default_factory=dict)  # same key -> one text per field of the card
    revealed: list[dict[str, Any]] | None = None  # [{"card", "texts"}], shuffled

    def card(self, card_id: str) -> dict[str, Any]:
        return next(c for c in self.cards if c["id"] == card_id)

    def record(self) -> dict[str, Any]:
        """What everyone may know of the deal: the cards, and who holds which if public."""
        return {
            "deck": self.deck,
            "public": self.public,
            "hidden": self.hidden,
            "cards": self.cards,
            "holders": dict(self.holders) if self.public else {},
        }

    def visible(self) -> list[dict[str, Any]]:
        """The perspectives everyone may read now."""
        if self.revealed is not None:
            return [dict(p) for p in self.revealed]
        if self.public and not self.hidden:
            return [{"holder": k, "card": self.holders[k], "texts": list(t)} for k, t in self.texts.items()]
        return []


@dataclass(slots=True)
class Turns:
    """The speaking order of an in-turn phase and how far it got."""

    order: list[str] = field(default_factory=list)
    current: int = 0  # index into order; len(order) when everyone has had their turn
    given: int = -1  # the turn in which the last advice was given (one advice per turn)

    @property
    def done(self) -> bool:
        return self.current >= len(self.order)


#: where someone takes part from in a hybrid meeting (Participant.place)
IN_ROOM = "room"
ONLINE = "online"


@dataclass(slots=True)
class Hands:
    """The speaking queue of the rounds without a fixed order (rules/hybrid.py): raised
    hands in the order to give the floor in, who has it, and how often each has had it."""

    queue: list[dict[str, Any]] = field(default_factory=list)  # {"participant": id, "at": server time}
    speaker: str | None = None
    spoken: dict[str, int] = field(default_factory=dict)  # pid -> times given the floor this meeting
    online_first: bool = False

    def public(self) -> dict[str, Any]:
        return {
            "queue": [dict(h) for h in self.queue],
            "speaker": self.speaker,
            "spoken": dict(self.spoken),
            "online_first": self.online_first,
        }


@dataclass(slots=True)
class RoomState:
    code: str
    epoch: str
    method_id: str = DEFAULT_METHOD
    method_toml: str | None = None  # a facilitator's own method file, instead of a shipped one
    language: str = "nl"
    anonymous_questions: bool = True
    #: a group's meeting after an earlier one: the method runs with the terugblik round
    #: after its agreement (method.with_terugblik)
    terugblik: bool = False
    #: a group's meeting: the theme the group planned for it (group metadata, not case
    #: content: everyone in the room sees it, also before the agreement)
    theme: str | None = None
    #: a group's meeting: who has which role on the group's rota as the room opened (role ->
    #: names), so the room can say who brings the case and who keeps the time
    rota: dict[str, list[str]] = field(default_factory=dict)
    #: people who may be in the room at once (screens included); set by the server at creation
    max_participants: int = limits.MAX_PARTICIPANTS
    seq: int = 0
    counter: int = 0  # for item ids
    locked: bool = False
    #: open one-time screen tickets: hash (identity.ticket_hash) -> server time it expires
    screen_tickets: dict[str, float] = field(default_factory=dict)
    #: latecomers at the locked room, by knock id, oldest first (see Knock)
    knocks: dict[str, Knock] = field(default_factory=dict)
    ended: bool = False
    phase: int = 0
    # the shared phase timer; reset by every phase change (see reset_timer)
    timer_running: bool = False
    timer_deadline: float | None = None  # server unix seconds, while running
    timer_remaining: float = 0.0  # seconds left as of the last timer change (negative: overrun)
    auto_advance: bool = False  # the facilitator lets a running timer that runs out advance the phase
    participants: dict[str, Participant] = field(default_factory=dict)
    confirmed: list[str] = field(default_factory=list)
    cases: dict[str, Case] = field(default_factory=dict)
    votes: dict[str, str] = field(default_factory=dict)  # voter -> case
    #: who cast a vote in this case choice, for the facilitator's marks. A withdrawn case's
    #: voters stay in it: dropping them would tell the facilitator whose vote it was.
    voted: list[str] = field(default_factory=list)
    vote_open: bool = True
    tally: dict[str, int] | None = None
    inbrenger: str | None = None
    chosen_case: str | None = None
    case_text: str | None = None
    people: list[str] = field(default_factory=list)
    questions: dict[str, Question] = field(default_factory=dict)
    answering: str | None = None  # the question the inbrenger is answering now
    essence: str | None = None
    deals: dict[str, Deal] = field(default_factory=dict)  # phase id -> its cards and perspectives
    seats: dict[str, list[str]] = field(default_factory=dict)  # deck id -> seating for public cards
    turns: dict[str, Turns] = field(default_factory=dict)  # in-turn phase id -> its speaking order
    advice: list[Advice] = field(default_factory=list)
    notes: dict[str, Note] = field(default_factory=dict)
    notes_revealed: list[str] = field(default_factory=list)  # phases whose hidden notes are out
    response: str | None = None
    takeaway: str | None = None
    evaluations: dict[str, list[Any]] = field(default_factory=dict)  # pid -> [score, line]
    #: facilitators who lead this group for the first time (a group's meeting, from its
    #: ledger): their cockpit opens every round's checklist (server/groups/coaching.py)
    first_timers: list[str] = field(default_factory=list)
    #: "Was dit de tijd waard?" and the process question, for the whole meeting (not reset
    #: by next_case): answerer's tag (identity.worth_tag, computable from their token only)
    #: -> [worth 1-5, process or None]. No id: nothing here says whose answer is whose.
    worth: dict[str, list[Any]] = field(default_factory=dict)
    ready: list[str] = field(default_factory=list)
    #: earlier cases of this meeting: each inbrenger's summaries, for them alone
    summaries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: who saved (printed or downloaded) their summary since they last became inbrenger
    kept: list[str] = field(default_factory=list)
    cases_done: int = 0
    started_at: float | None = None  # server time the group left the lobby (proof of participation)
    listed: list[str] = field(default_factory=list)  # who agreed to be named on the proof
    #: server time since when no facilitator has been online (None while one is, or before anyone came)
    fac_away_since: float | None = None
    hands: Hands = field(default_factory=Hands)
    #: the link of the video call the group uses (https), set by a facilitator; Kring only
    #: shows it, as a link to open in a new tab
    call_link: str | None = None
    applied: OrderedDict[str, dict[str, Any]] = field(default_factory=OrderedDict)

    @property
    def method(self) -> Method:
        return for_room(self.method_id, self.method_toml, self.terugblik)

    @property
    def current_phase(self) -> Phase:
        return self.method.phases[self.phase]

    def current_turns(self) -> Turns:
        """The speaking order of the current phase (empty when it has none)."""
        return self.turns.get(self.current_phase.id) or Turns()

    def timer(self) -> dict[str, Any]:
        return {"running": self.timer_running, "deadline": self.timer_deadline, "remaining": self.timer_remaining}

    def reset_timer(self) -> None:
        """The timer of the phase the room is in now, fresh (see fresh_timer)."""
        t = fresh_timer(self.current_phase)
        self.timer_running, self.timer_deadline, self.timer_remaining = t["running"], t["deadline"], t["remaining"]

    def active(self, pid: str) -> Participant | None:
        p = self.participants.get(pid)
        return None if p is None or p.removed else p

    def group(self) -> list[str]:
        """Participants other than the facilitator(s), screens and the inbrenger, in join order."""
        return [
            p.id
            for p in self.participants.values()
            if not p.removed and p.role == PARTICIPANT and p.id != self.inbrenger
        ]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{self.counter + 1}"

    def clone(self, *, applied: bool = True) -> RoomState:
        """An independent copy to fold new events into before they are committed; without
        the remembered command results (they are many) if `applied` is False."""
        copy = {name: _clone(getattr(self, name)) for name in _FIELDS if name != "applied"}
        # the results themselves are never changed in place: a shallow copy will do
        copy["applied"] = OrderedDict(self.applied) if applied else OrderedDict()
        return RoomState(**copy)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RoomState:
        """The state back from the plain data a backend stored: each dataclass as a dict of
        its fields, `applied` as [key, result] pairs (see backends/redis.py)."""
        d = dict(d)
        d["participants"] = {k: Participant(**v) for k, v in d["participants"].items()}
        d["cases"] = {k: Case(**v) for k, v in d["cases"].items()}
        d["questions"] = {k: Question(**v) for k, v in d["questions"].items()}
        d["advice"] = [Advice(**a) for a in d["advice"]]
        d["notes"] = {k: Note(**v) for k, v in d.get("notes", {}).items()}
        d["deals"] = {k: Deal(**v) for k, v in d.get("deals", {}).items()}
        d["turns"] = {k: Turns(**v) for k, v in d.get("turns", {}).items()}
        d["knocks"] = {k: Knock(**v) for k, v in d.get("knocks", {}).items()}
        d["hands"] = Hands(**d.get("hands", {}))
        d["applied"] = OrderedDict((k, v) for k, v in d.get("applied", ()))
        return cls(**d)


_FIELDS = tuple(RoomState.__dataclass_fields__)
