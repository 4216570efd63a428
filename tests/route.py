"""The one way the tests and the benchmark bring a room to a phase.

A route is the list of commands that does it, stated once without any transport: the
pure-engine harness (tests/harness.py), the clients over real websockets
(tests/session.py) and the benchmark's light clients (bench/kinds.py) each only say how
a step is sent. It is a generator because one step needs an earlier one's result: the
facilitator chooses the case the inbrenger's proposal created.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any

from server.rooms.method import Method

#: who sends a step
FACILITATOR = "facilitator"
INBRENGER = "inbrenger"
#: every participant the transport has (the inbrenger included): they confirm the agreement
#: on confidentiality before the facilitator moves on out of its phase
EVERYONE = "everyone"


@dataclass(frozen=True)
class Case:
    """The case a route brings in; `text=None` proposes and chooses it without sharing it."""

    title: str = "Lastige collega"
    question: str = "Hoe zeg ik nee?"
    text: str | None = "Mijn collega vraagt steeds ..."
    people: tuple[str, ...] = ("de collega", "de teamleider")


CASE = Case()


@dataclass(frozen=True)
class Step:
    by: str  # FACILITATOR or INBRENGER
    t: str
    args: dict[str, Any]


Route = Generator[Step, dict[str, Any], None]


def route(method: Method, start: int, target: str, case: Case | None = CASE) -> Route:
    """The commands that take a room of `method` from phase `start` (its index) to the phase
    `target`, the facilitator advancing or going back one phase at a time.

    With a `case`, the room goes by the first phase that takes cases: the inbrenger proposes
    it, the facilitator chooses it and the inbrenger shares its text (where the phase takes
    one). Send each step's result back in (`follow` does).
    """
    here = start
    if case is not None:
        choice = next(i for i, p in enumerate(method.phases) if "cases" in p.accepts)
        yield from _moves(method, here, choice)
        here = choice
        proposed = yield Step(INBRENGER, "propose_case", {"title": case.title, "question": case.question})
        yield Step(FACILITATOR, "choose_case", {"case": proposed["case"]})
        if case.text is not None and "case_text" in method.phases[choice].accepts:
            yield Step(INBRENGER, "share_case", {"text": case.text, "people": list(case.people)})
    yield from _moves(method, here, [p.id for p in method.phases].index(target))


def _moves(method: Method, here: int, there: int) -> Route:
    step = 1 if there > here else -1
    while here != there:
        if step > 0 and "confirm" in method.phases[here].accepts:
            yield Step(EVERYONE, "confirm", {})
        yield Step(FACILITATOR, "advance" if step > 0 else "back", {})
        here += step


def follow(steps: Route, run: Callable[[Step], dict[str, Any]]) -> None:
    """Send every step through `run`, which returns the command's result."""
    result: Any = None
    with contextlib.suppress(StopIteration):
        while True:
            result = run(steps.send(result))


async def follow_async(steps: Route, run: Callable[[Step], Awaitable[dict[str, Any]]]) -> None:
    """`follow` for a transport that sends a step asynchronously."""
    result: Any = None
    with contextlib.suppress(StopIteration):
        while True:
            result = await run(steps.send(result))
