"""What makes a method file a right one: its schema (method.schema.json), the rules a
schema cannot say (decks and cards, the phase flags, who may give what when), and where
in the TOML a mistake is, in words a facilitator can act on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import jsonschema

#: inputs that can be given one at a time, in a speaking order (`in_turn`)
TURN_INPUTS = ("questions", "notes", "perspectives", "advice")
#: inputs that can be anonymous (`anonymous`) and that can wait for a reveal (`hidden_until_reveal`)
ANONYMOUS_INPUTS = ("questions", "notes", "advice")
HIDDEN_INPUTS = ("notes", "perspectives")

SCHEMA = json.loads(Path(__file__).with_name("method.schema.json").read_text(encoding="utf-8"))
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _field(path: Iterable[object]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the file)"


def _why(err: jsonschema.ValidationError) -> str:
    """jsonschema's finding, in words a facilitator can act on."""
    # jsonschema types these "or Unset"; on a reported error they are always set
    v, value = err.validator, cast(Any, err.instance)
    want, schema = cast(Any, err.validator_value), cast(Any, err.schema)
    if v == "required":
        missing = [k for k in want if isinstance(value, dict) and k not in value]
        return f"missing field {missing[0]!r}" if missing else err.message
    if v == "additionalProperties":
        extra = sorted(k for k in value if k not in schema.get("properties", {}))
        return f"unknown field {extra[0]!r}" if extra else err.message
    if v == "enum":
        return f"must be one of {', '.join(map(str, want))} (not {value!r})"
    if v == "const":
        return f"must be {want!r} (not {value!r})"
    if v == "type":
        kind = {"string": "text", "integer": "a whole number", "boolean": "true or false", "object": "a table"}
        return f"must be {kind.get(want, want)} (not {value!r})"
    if v == "pattern":
        return f"{value!r} may hold only lower-case letters, digits and dashes"
    if v in ("minimum", "maximum"):
        return f"{value!r} must be {'at least' if v == 'minimum' else 'at most'} {want}"
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


def _check_decks(decks: dict[str, Any]) -> list[tuple[list[object], str]]:
    problems: list[tuple[list[object], str]] = []
    for did, deck in decks.items():
        where: list[object] = ["decks", did]
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


def _check_cards(i: int, p: dict[str, Any], decks: dict[str, Any]) -> list[tuple[list[object], str]]:
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


def _check_flags(i: int, p: dict[str, Any]) -> list[tuple[list[object], str]]:
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


def _check_rules(data: dict[str, Any]) -> list[tuple[list[object], str]]:
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


def problem(data: dict[str, Any], text: str | None = None) -> str | None:
    """What is wrong with `data` (the first finding, and how many more), or None; `text`,
    its TOML, gives line numbers."""
    errors = sorted(_VALIDATOR.iter_errors(data), key=lambda e: [str(x) for x in e.absolute_path])
    problems = [(list(e.absolute_path), _why(e)) for e in errors]
    if not problems:
        problems = _check_rules(data)
    if not problems:
        return None
    path, why = problems[0]
    line = line_of(text, path) if text else None
    where = f"line {line}, " if line else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}{_field(path)}: {why}{more}"


#: what in a TOML file can hold a bracket that does not nest: strings of the four kinds
#: (multi-line ones first) and comments
_NOT_NESTING = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*',
    re.DOTALL,
)


def nesting(text: str) -> int:
    """How deep the TOML's arrays and inline tables nest, at most, found without parsing:
    tomllib recurses once per level, and a 32 KiB file of brackets would exhaust the stack."""
    depth = deepest = 0
    for ch in re.findall(r"[][{}]", _NOT_NESTING.sub("", text)):
        depth = depth + 1 if ch in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest
