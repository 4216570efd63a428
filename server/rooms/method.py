"""Intervisie methods as data: an ordered list of phases and the generic rules per phase.

The engine reads only these fields; a method needs no code of its own.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import jsonschema

from protocol import limits, values

METHODS_DIR = Path(__file__).with_name("methods")


#: inputs that can be given one at a time, in a speaking order (`in_turn`)
TURN_INPUTS = ("questions", "notes", "perspectives", "advice")
#: inputs that can be anonymous (`anonymous`) and that can wait for a reveal (`hidden_until_reveal`)
ANONYMOUS_INPUTS = ("questions", "notes", "advice")
HIDDEN_INPUTS = ("notes", "perspectives")


@dataclass(frozen=True, slots=True)
class Card:
    """One card of a deck: a role to speak or write from (a person in the case, a thinking
    hat), or an observer's card, whose holder watches and writes notes instead."""

    id: str
    name: dict[str, str]
    instruction: dict[str, str] | None = None
    observer: bool = False
    fields: tuple[dict, ...] = ()  # [{"id", "label": {nl, en}}]: what the holder writes

    def record(self) -> dict:
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
    fields: tuple[dict, ...]
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

    def public(self, index: int) -> dict:
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

    @property
    def minutes(self) -> int:
        return sum(p.minutes for p in self.phases)

    def about(self) -> dict:
        """What a method picker shows."""
        return {
            "id": self.id,
            "name": self.name,
            "purpose": self.purpose,
            "minutes": self.minutes,
            "group_size": list(self.group_size),
            "needs_familiarity": self.needs_familiarity,
        }

    def view(self) -> dict:
        """The method as clients see it: what a picker shows, and the phases in order."""
        return {**self.about(), "phases": [{"id": p.id, "name": p.name, "minutes": p.minutes} for p in self.phases]}


class MethodError(ValueError):
    """A method file that does not follow the schema; says where (line and field) and why."""


SCHEMA = json.loads(Path(__file__).with_name("method.schema.json").read_text(encoding="utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _field(path: Iterable[object]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the file)"


def _why(err: jsonschema.ValidationError) -> str:
    """jsonschema's finding, in words a facilitator can act on."""
    v, value = err.validator, err.instance
    if v == "required":
        missing = [k for k in err.validator_value if isinstance(value, dict) and k not in value]
        return f"missing field {missing[0]!r}" if missing else err.message
    if v == "additionalProperties":
        extra = sorted(k for k in value if k not in err.schema.get("properties", {}))
        return f"unknown field {extra[0]!r}" if extra else err.message
    if v == "enum":
        return f"must be one of {', '.join(map(str, err.validator_value))} (not {value!r})"
    if v == "const":
        return f"must be {err.validator_value!r} (not {value!r})"
    if v == "type":
        kind = {"string": "text", "integer": "a whole number", "boolean": "true or false", "object": "a table"}
        return f"must be {kind.get(err.validator_value, err.validator_value)} (not {value!r})"
    if v == "pattern":
        return f"{value!r} may hold only lower-case letters, digits and dashes"
    if v in ("minimum", "maximum"):
        return f"{value!r} must be {'at least' if v == 'minimum' else 'at most'} {err.validator_value}"
    if v in ("minItems", "maxItems", "minLength", "maxLength"):
        return err.message
    return err.message


def line_of(text: str, path: list[object]) -> int | None:
    """The line of `text` (TOML) where the field at `path` is, or its table starts."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    rest = list(path)
    if not rest:
        return None
    if rest[:1] == ["decks"] and len(rest) >= 2:
        return _line_in_deck(lines, rest[1:])
    if rest[:1] == ["phases"] and len(rest) >= 2 and isinstance(rest[1], int):
        headers = [i for i, ln in enumerate(lines) if re.match(r"\s*\[\[\s*phases\s*\]\]", ln)]
        if rest[1] >= len(headers):
            return None
        start = headers[rest[1]]
        end = next((h for h in headers if h > start), len(lines))
        rest = rest[2:]
        if not rest:
            return start + 1
        table = "phases"
    else:
        end = next((i for i, ln in enumerate(lines) if re.match(r"\s*\[", ln)), len(lines))
        table = ""
    key = str(rest[0])
    for i in range(start, end):
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    header = rf"\s*\[\s*{re.escape(f'{table}.{key}' if table else key)}\s*\]"
    for i in range(start, len(lines)):
        if re.match(header, lines[i]):
            return i + 1
    return start + 1 if table else None


def _line_in_deck(lines: list[str], rest: list[object]) -> int | None:
    """The line of a field inside `[decks.<id>]` or its `[[decks.<id>.cards]]`."""
    deck = re.escape(str(rest[0]))
    headers = [i for i, ln in enumerate(lines) if re.match(r"\s*\[", ln)]

    def block(start: int) -> range:
        return range(start, next((h for h in headers if h > start), len(lines)))

    def key_in(span: range, key: object) -> int | None:
        return next((i + 1 for i in span if re.match(rf"\s*{re.escape(str(key))}\s*=", lines[i])), None)

    if len(rest) >= 3 and rest[1] == "cards" and isinstance(rest[2], int):
        cards = [i for i, ln in enumerate(lines) if re.match(rf"\s*\[\[\s*decks\.{deck}\.cards\s*\]\]", ln)]
        if rest[2] < len(cards):
            start = cards[rest[2]]
            return (key_in(block(start), rest[3]) if len(rest) > 3 else None) or start + 1
    table = next((i for i, ln in enumerate(lines) if re.match(rf"\s*\[\s*decks\.{deck}\s*\]", ln)), None)
    if table is None:
        return None
    if len(rest) > 1:
        sub = rf"\s*\[\s*decks\.{deck}\.{re.escape(str(rest[1]))}\s*\]"  # e.g. [decks.x.self_card]
        found = key_in(block(table), rest[1]) or next((i + 1 for i, ln in enumerate(lines) if re.match(sub, ln)), None)
        if found:
            return found
    return table + 1


def _check_decks(decks: dict) -> list[tuple[list[object], str]]:
    problems: list[tuple[list[object], str]] = []
    for did, deck in decks.items():
        where = ["decks", did]
        if deck.get("from_case"):
            if "cards" in deck:
                problems.append(([*where, "cards"], "a deck made from the case (from_case) has no cards of its own"))
        else:
            for key in ("self_card", "instruction"):
                if key in deck:
                    problems.append(([*where, key], "only a deck made from the case (from_case = true) has this"))
            cards = deck.get("cards", [])
            if not cards:
                problems.append((where, "missing field 'cards' (or set from_case = true)"))
            elif all(c.get("observer") for c in cards):
                problems.append(([*where, "cards"], "every card is an observer's: at least one card must be a role"))
            seen: set[str] = set()
            for j, card in enumerate(cards):
                if card["id"] in seen:
                    problems.append(([*where, "cards", j, "id"], f"the card id {card['id']!r} is used twice"))
                seen.add(card["id"])
        for j, f in enumerate(deck["fields"]):
            if f["id"] in {g["id"] for g in deck["fields"][:j]}:
                problems.append(([*where, "fields", j, "id"], f"the field id {f['id']!r} is used twice"))
    return problems


def _check_cards(i: int, p: dict, decks: dict) -> list[tuple[list[object], str]]:
    """A phase and the deck it deals from."""
    problems: list[tuple[list[object], str]] = []
    accepts = p.get("accepts", {})
    where = ["phases", i]
    if "deck" not in p:
        if "perspectives" in accepts:
            problems.append(
                ([*where, "accepts", "perspectives"], "perspectives are written from a card: name the deck (deck = …)")
            )
        for key in ("deal", "rotate"):
            if key in p:
                problems.append(([*where, key], "there are no cards in this phase: it names no deck"))
        return problems
    if "perspectives" not in accepts:
        problems.append(([*where, "deck"], "cards are dealt in a phase that accepts perspectives"))
    deck = decks.get(p["deck"])
    if deck is None:
        problems.append(([*where, "deck"], f"there is no deck {p['deck']!r} under [decks]"))
        return problems
    if p.get("deal", "private") == "private":
        if p.get("rotate", 0):
            problems.append(
                (
                    [*where, "rotate"],
                    'only public cards rotate (deal = "public"): private ones are known to their holder alone',
                )
            )
        if any(c.get("observer") for c in deck.get("cards", [])):
            problems.append(
                ([*where, "deal"], 'an observer is a visible role: deal this deck in public (deal = "public")')
            )
        if p.get("hidden_until_reveal") is not True:
            problems.append(
                (
                    [*where, "hidden_until_reveal"],
                    "cards dealt in private are revealed together: set hidden_until_reveal = true",
                )
            )
        if p.get("in_turn"):
            problems.append(([*where, "in_turn"], 'a speaking order by card needs public cards (deal = "public")'))
    return problems


def _check_flags(i: int, p: dict) -> list[tuple[list[object], str]]:
    """`anonymous`, `hidden_until_reveal` and `in_turn` only where they do something."""
    problems: list[tuple[list[object], str]] = []
    accepts = p.get("accepts", {})
    where = ["phases", i]
    if p.get("anonymous"):
        if not set(ANONYMOUS_INPUTS) & set(accepts):
            problems.append(
                (
                    [*where, "anonymous"],
                    "only questions, notes and advice can be anonymous: this phase accepts none of them",
                )
            )
        if p.get("in_turn"):
            problems.append(
                ([*where, "anonymous"], "a speaking order shows who speaks: a phase in turn cannot be anonymous")
            )
    if p.get("hidden_until_reveal"):
        if not set(HIDDEN_INPUTS) & set(accepts):
            problems.append(
                (
                    [*where, "hidden_until_reveal"],
                    "only notes and perspectives wait for a reveal: this phase accepts neither",
                )
            )
        elif set(HIDDEN_INPUTS) <= set(accepts):
            problems.append(([*where, "accepts"], "one reveal per phase: notes or perspectives, not both"))
    if p.get("in_turn"):
        turned = [what for what in TURN_INPUTS if what in accepts]
        if not turned:
            problems.append(
                (
                    [*where, "in_turn"],
                    "turns are for questions, notes, perspectives or advice: this phase accepts none of them",
                )
            )
        for what in turned:
            if accepts[what] != "group":
                problems.append(
                    (
                        [*where, "accepts", what],
                        f"given in turn, so by the group (the speaking order), not by {accepts[what]!r}",
                    )
                )
    return problems


def _check_rules(data: dict) -> list[tuple[list[object], str]]:
    """What the schema cannot say: the order of the phases and who may act when."""
    problems: list[tuple[list[object], str]] = []
    phases = data["phases"]
    if phases[0]["id"] != "lobby":
        problems.append((["phases", 0, "id"], 'the first phase must be the lobby (id = "lobby")'))
    seen: set[str] = set()
    choice = next((i for i, p in enumerate(phases) if "cases" in p.get("accepts", {})), None)
    for i, p in enumerate(phases):
        if p["id"] in seen:
            problems.append((["phases", i, "id"], f"the id {p['id']!r} is used twice"))
        seen.add(p["id"])
        accepts = p.get("accepts", {})
        for what, who in accepts.items():
            needs_inbrenger = who in ("inbrenger", "group") or what in (
                "questions",
                "essence",
                "perspectives",
                "advice",
                "notes",
            )
            if needs_inbrenger and what not in ("cases", "confirm") and (choice is None or i < choice):
                problems.append(
                    (["phases", i, "accepts", what], "comes before the case is chosen: there is no inbrenger yet")
                )
            if p.get("inbrenger", "speaks") != "speaks" and who == "inbrenger" and what != "response":
                problems.append(
                    (["phases", i, "accepts", what], f"the inbrenger {p['inbrenger']} in this phase and cannot give it")
                )
        problems += _check_flags(i, p)
        problems += _check_cards(i, p, data.get("decks", {}))
    problems += _check_decks(data.get("decks", {}))
    low, high = data["group_size"]
    if low > high:
        problems.append((["group_size"], f"the smallest group ({low}) is larger than the largest ({high})"))
    return problems


def parse(data: dict, text: str | None = None) -> Method:
    """Check `data` against the schema and the rules; `text` (its TOML) gives line numbers."""
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: [str(x) for x in e.absolute_path])
    problems = [(list(e.absolute_path), _why(e)) for e in errors]
    if not problems:
        problems = _check_rules(data)
    if problems:
        path, why = problems[0]
        line = line_of(text, path) if text else None
        where = f"line {line}, " if line else ""
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise MethodError(f"{where}{_field(path)}: {why}{more}")
    return Method(
        id=data["id"],
        name=dict(data["name"]),
        purpose=dict(data["purpose"]),
        sources=tuple(data["sources"]),
        group_size=(int(data["group_size"][0]), int(data["group_size"][1])),  # 4.0 passes the schema
        needs_familiarity=bool(data.get("needs_familiarity", False)),
        phases=tuple(
            Phase(
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
            for p in data["phases"]
        ),
        decks={did: _deck(did, d) for did, d in data.get("decks", {}).items()},
    )


def _fields(items: list[dict]) -> tuple[dict, ...]:
    return tuple({"id": f["id"], "label": dict(f["label"])} for f in items)


def _deck(did: str, d: dict) -> Deck:
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


#: what in a TOML file can hold a bracket that does not nest: strings of the four kinds
#: (multi-line ones first) and comments
_NOT_NESTING = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*',
    re.DOTALL,
)


def _nesting(text: str) -> int:
    """How deep the TOML's arrays and inline tables nest, at most, found without parsing:
    tomllib recurses once per level, and a 32 KiB file of brackets would exhaust the stack."""
    depth = deepest = 0
    for ch in re.findall(r"[][{}]", _NOT_NESTING.sub("", text)):
        depth = depth + 1 if ch in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


@lru_cache(maxsize=64)
def from_toml(text: str) -> Method:
    """A method from the text of its TOML file (a shipped one or a facilitator's own)."""
    if _nesting(text) > limits.MAX_DEPTH:
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


def choose(method_id: str | None = None, method_toml: str | None = None) -> Method:
    """The method a room is asked to run: a shipped one by id (the default when neither
    is given) or a facilitator's own file. MethodError says what is wrong, as the
    protocol's `detail` does."""
    if method_id is not None and method_toml is not None:
        raise MethodError("give either 'method' or 'method_toml'")
    if method_toml is not None:
        try:
            return from_toml(method_toml)
        except MethodError as err:
            raise MethodError(f"method file: {err}") from None
    if method_id is None:
        method_id = DEFAULT_METHOD
    if method_id not in available():
        raise MethodError(f"method must be one of {', '.join(available())}")
    return load(method_id)


DEFAULT_METHOD = "drie-rondes"
