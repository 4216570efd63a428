"""Intervisie methods as data: an ordered list of phases and the generic rules per phase,
read from TOML files (shipped ones, or a facilitator's own).

The engine reads only these fields; a method needs no code of its own. What makes a file
a right one is checked in method_rules.py.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from protocol import limits, values

from . import method_rules

METHODS_DIR = Path(__file__).with_name("methods")


@dataclass(frozen=True, slots=True)
class Card:
    """One card of a deck: a role to speak or write from (a person in the case, a thinking
    hat), or an observer's card, whose holder watches and writes notes instead."""

    id: str
    name: dict[str, str]
    instruction: dict[str, str] | None = None
    observer: bool = False
    fields: tuple[dict[str, Any], ...] = ()  # [{"id", "label": {nl, en}}]: what the holder writes

    def record(self) -> dict[str, Any]:
        """The card as a deal carries it (and so as clients see it)."""
        return {
            "id": self.id,
            "name": dict(self.name),
            "instruction": dict(self.instruction) if self.instruction else None,
            "observer": self.observer,
            "fields": [{"id": f["id"], "label": dict(f["label"])} for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class Deck:
    """Role cards a phase deals. Either fixed `cards` (the six thinking hats), or made from
    the case (`from_case`): one card per person the inbrenger named, plus optionally one for
    the inbrenger themself (`self_card`)."""

    id: str
    fields: tuple[dict[str, Any], ...]
    cards: tuple[Card, ...] = ()
    from_case: bool = False
    self_card: dict[str, str] | None = None
    instruction: dict[str, str] | None = None  # for the cards made from the case

    def cards_for(self, people: list[str]) -> list[Card]:
        if not self.from_case:
            return list(self.cards)
        made = [
            Card(f"person-{i + 1}", {"nl": who, "en": who}, self.instruction, False, self.fields)
            for i, who in enumerate(people)
        ]
        if self.self_card:
            made.append(Card("self", dict(self.self_card), self.instruction, False, self.fields))
        return made


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    name: dict[str, str]
    instruction: dict[str, str]
    script: dict[str, str]
    minutes: int = 0
    accepts: dict[str, str] = field(default_factory=dict)  # input -> who
    anonymous: bool = False  # questions, notes and advice carry no author (if the room allows it)
    hidden_until_reveal: bool = False  # notes and perspectives wait for the facilitator's reveal
    in_turn: bool = False  # questions, notes, perspectives and advice one person at a time
    inbrenger: str = "speaks"
    deck: str | None = None  # the deck whose cards this phase deals (a phase that accepts perspectives)
    deal: str = "private"  # "private": each holder alone knows their card; "public": everyone sees who holds which
    rotate: int = 0  # public cards: places they have moved on since the deck's first deal

    def public(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "id": self.id,
            "name": self.name,
            "instruction": self.instruction,
            "minutes": self.minutes,
            "accepts": dict(self.accepts),
            "anonymous": self.anonymous,
            "hidden_until_reveal": self.hidden_until_reveal,
            "in_turn": self.in_turn,
            "inbrenger": self.inbrenger,
            "deck": self.deck,
            "deal": self.deal if self.deck else None,
            "rotate": self.rotate,
        }


@dataclass(frozen=True, slots=True)
class Method:
    id: str
    name: dict[str, str]
    purpose: dict[str, str]
    phases: tuple[Phase, ...]
    sources: tuple[str, ...] = ()
    group_size: tuple[int, int] = (3, 12)
    needs_familiarity: bool = False
    decks: dict[str, Deck] = field(default_factory=dict)
    #: who sees the inbrenger's ratings of questions and advice: "inbrenger" (and their
    #: summary) or "group" (everyone, the projector too)
    ratings: str = "inbrenger"

    @property
    def minutes(self) -> int:
        return sum(p.minutes for p in self.phases)

    def about(self) -> dict[str, Any]:
        """What a method picker shows."""
        return {
            "id": self.id,
            "name": self.name,
            "purpose": self.purpose,
            "minutes": self.minutes,
            "group_size": list(self.group_size),
            "needs_familiarity": self.needs_familiarity,
        }

    @property
    def agreement(self) -> int | None:
        """The phase in which the group confirms confidentiality (the first that accepts
        `confirm`), or None: a method without such an agreement."""
        return next((i for i, p in enumerate(self.phases) if "confirm" in p.accepts), None)

    def view(self) -> dict[str, Any]:
        """The method as clients see it: what a picker shows, the phases in order, and the
        phase of the agreement on confidentiality (`agreement`, an index or null)."""
        phases = [{"id": p.id, "name": p.name, "minutes": p.minutes} for p in self.phases]
        return {**self.about(), "phases": phases, "agreement": self.agreement}


class MethodError(ValueError):
    """A method file that does not follow the schema; says where (line and field) and why."""


def parse(data: dict[str, Any], text: str | None = None) -> Method:
    """Check `data` against the schema and the rules; `text` (its TOML) gives line numbers."""
    wrong = method_rules.problem(data, text)
    if wrong is not None:
        raise MethodError(wrong)
    return Method(
        id=data["id"],
        name=dict(data["name"]),
        purpose=dict(data["purpose"]),
        sources=tuple(data["sources"]),
        group_size=(int(data["group_size"][0]), int(data["group_size"][1])),  # 4.0 passes the schema
        needs_familiarity=bool(data.get("needs_familiarity", False)),
        ratings=data.get("ratings", "inbrenger"),
        phases=tuple(phase(p) for p in data["phases"]),
        decks={did: _deck(did, d) for did, d in data.get("decks", {}).items()},
    )


def phase(p: dict[str, Any]) -> Phase:
    """One phase from its table in a method file (checked by the caller)."""
    return Phase(
        id=p["id"],
        name=dict(p["name"]),
        instruction=dict(p["instruction"]),
        script=dict(p["script"]),
        minutes=int(p.get("minutes", 0)),
        accepts=dict(p.get("accepts", {})),
        anonymous=bool(p.get("anonymous", False)),
        hidden_until_reveal=bool(p.get("hidden_until_reveal", False)),
        in_turn=bool(p.get("in_turn", False)),
        inbrenger=p.get("inbrenger", "speaks"),
        deck=p.get("deck"),
        deal=p.get("deal", "private"),
        rotate=int(p.get("rotate", 0)),
    )


def _fields(items: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple({"id": f["id"], "label": dict(f["label"])} for f in items)


def _deck(did: str, d: dict[str, Any]) -> Deck:
    fields = _fields(d["fields"])
    cards = tuple(
        Card(
            c["id"],
            dict(c["name"]),
            dict(c["instruction"]),
            bool(c.get("observer", False)),
            _fields(c["fields"]) if "fields" in c else fields,
        )
        for c in d.get("cards", [])
    )
    return Deck(
        id=did,
        fields=fields,
        cards=cards,
        from_case=bool(d.get("from_case", False)),
        self_card=dict(d["self_card"]) if "self_card" in d else None,
        instruction=dict(d["instruction"]) if "instruction" in d else None,
    )


@lru_cache(maxsize=64)
def from_toml(text: str) -> Method:
    """A method from the text of its TOML file (a shipped one or a facilitator's own)."""
    if method_rules.nesting(text) > limits.MAX_DEPTH:
        raise MethodError(f"nested more than {limits.MAX_DEPTH} levels deep")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise MethodError(f"not valid TOML: {err}") from None
    try:
        values.check(data)  # e.g. an integer beyond 64 bits, or a date: nothing a room can carry
    except values.Uncarriable as err:
        raise MethodError(str(err)) from None
    return parse(data, text)


@cache
def load(method_id: str) -> Method:
    """A shipped method by id (its file name without .toml)."""
    path = METHODS_DIR / f"{method_id}.toml"
    if "/" in method_id or method_id.startswith(".") or not path.is_file():
        raise KeyError(method_id)
    return from_toml(path.read_text(encoding="utf-8"))


def available() -> list[str]:
    return sorted(p.stem for p in METHODS_DIR.glob("*.toml"))


def choose(method_id: str | None = None, method_toml: str | None = None, default: str | None = None) -> Method:
    """The method a room is asked to run: a shipped one by id or a facilitator's own file;
    `default` when neither is given (else that is a mistake too). MethodError says what is
    wrong, as the protocol's `detail` does."""
    if method_id is None and method_toml is None:
        method_id = default
    if (method_id is None) == (method_toml is None):  # neither (and no default), or both
        raise MethodError("give either 'method' or 'method_toml'")
    if method_toml is not None:
        try:
            return from_toml(method_toml)
        except MethodError as err:
            raise MethodError(f"method file: {err}") from None
    if method_id not in available():
        raise MethodError(f"method must be one of {', '.join(available())}")
    return load(method_id)


DEFAULT_METHOD = "drie-rondes"

# -- the terugblik ---------------------------------------------------------------------------

TERUGBLIK = "terugblik"
TERUGBLIK_FILE = Path(__file__).with_name("terugblik.toml")


@cache
def terugblik_phase() -> Phase:
    """The terugblik round, as data (terugblik.toml): no method file has to know about it."""
    return phase(tomllib.loads(TERUGBLIK_FILE.read_text(encoding="utf-8")))


def with_terugblik(base: Method) -> Method:
    """`base` with the terugblik round right after its agreement on confidentiality (after
    its first phase, the lobby, if it has none): the group looks back before anything of a
    new case is said. A method that has a terugblik of its own keeps it."""
    if any(p.id == TERUGBLIK for p in base.phases):
        return base
    at = (base.agreement if base.agreement is not None else 0) + 1
    return replace(base, phases=(*base.phases[:at], terugblik_phase(), *base.phases[at:]))


@lru_cache(maxsize=64)
def for_room(method_id: str, method_toml: str | None, terugblik: bool) -> Method:
    """The method a room runs: its own (a shipped one or a facilitator's file), with the
    terugblik round where the room opens with one (a group's meeting after an earlier one)."""
    base = from_toml(method_toml) if method_toml else load(method_id)
    return with_terugblik(base) if terugblik else base
