"""Intervisie methods as data: an ordered list of phases and the generic rules per phase.

The engine reads only these fields; a method needs no code of its own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

#: Inputs a phase can accept, each with who may give it.
INPUTS = (
    "confirm",  # agree to confidentiality
    "cases",  # propose and vote on cases
    "case_text",  # the inbrenger shares the case and the people involved
    "questions",
    "essence",
    "perspectives",  # written associations from a dealt role card
    "advice",
    "response",  # the inbrenger's reaction after the advice
    "takeaway",
    "evaluation",
)
WHO = ("group", "inbrenger", "everyone")
INBRENGER_MODES = ("speaks", "listens", "leaves")

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


class MethodError(ValueError):
    """A method file that does not follow the schema."""


def _lang(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in ("nl", "en")):
        raise MethodError(f"{where}: needs both 'nl' and 'en' text")
    return {"nl": value["nl"], "en": value["en"]}


def parse(data: dict) -> Method:
    phases = []
    for i, raw in enumerate(data.get("phases", [])):
        where = f"phases[{i}]"
        accepts = raw.get("accepts", {})
        for key, who in accepts.items():
            if key not in INPUTS:
                raise MethodError(f"{where}.accepts: unknown input {key!r}")
            if who not in WHO:
                raise MethodError(f"{where}.accepts.{key}: who must be one of {WHO}")
        mode = raw.get("inbrenger", "speaks")
        if mode not in INBRENGER_MODES:
            raise MethodError(f"{where}.inbrenger must be one of {INBRENGER_MODES}")
        phases.append(
            Phase(
                id=raw["id"],
                name=_lang(raw.get("name"), f"{where}.name"),
                instruction=_lang(raw.get("instruction"), f"{where}.instruction"),
                script=_lang(raw.get("script"), f"{where}.script"),
                minutes=int(raw.get("minutes", 0)),
                accepts=dict(accepts),
                anonymous=bool(raw.get("anonymous", False)),
                hidden_until_reveal=bool(raw.get("hidden_until_reveal", False)),
                in_turn=bool(raw.get("in_turn", False)),
                inbrenger=mode,
            )
        )
    if not phases or phases[0].id != "lobby":
        raise MethodError("phases: the first phase must be the lobby")
    return Method(
        id=data["id"],
        name=_lang(data.get("name"), "name"),
        purpose=_lang(data.get("purpose"), "purpose"),
        phases=tuple(phases),
        sources=tuple(data.get("sources", ())),
    )


@cache
def load(method_id: str) -> Method:
    """A shipped method by id (its file name without .toml)."""
    path = METHODS_DIR / f"{method_id}.toml"
    if not path.is_file() or "/" in method_id or method_id.startswith("."):
        raise KeyError(method_id)
    return parse(tomllib.loads(path.read_text(encoding="utf-8")))


def available() -> list[str]:
    return sorted(p.stem for p in METHODS_DIR.glob("*.toml"))


DEFAULT_METHOD = "drie-rondes"
