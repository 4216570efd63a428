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

METHODS_DIR = Path(__file__).with_name("methods")


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    name: dict[str, str]
    instruction: dict[str, str]
    script: dict[str, str]
    minutes: int = 0
    accepts: dict[str, str] = field(default_factory=dict)  # input -> who
    anonymous: bool = False  # questions carry no author (if the room allows anonymity)
    hidden_until_reveal: bool = False
    in_turn: bool = False
    inbrenger: str = "speaks"

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
        if p.get("hidden_until_reveal") and {"notes", "perspectives"} <= set(accepts):
            problems.append((["phases", i, "accepts"], "one reveal per phase: notes or perspectives, not both"))
        if p.get("in_turn") and "advice" not in accepts:
            problems.append((["phases", i, "in_turn"], "turns are for advice: this phase accepts none"))
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
        group_size=(data["group_size"][0], data["group_size"][1]),
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
            )
            for p in data["phases"]
        ),
    )


@lru_cache(maxsize=64)
def from_toml(text: str) -> Method:
    """A method from the text of its TOML file (a shipped one or a facilitator's own)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise MethodError(f"not valid TOML: {err}") from None
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


DEFAULT_METHOD = "drie-rondes"
