"""Series templates, pure: the dates of "every N weeks on <weekday> for <count> meetings / until
<date>", and the themed cycles of cycles.toml. No I/O beyond reading that file once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from ..rooms import method

CYCLES_FILE = Path(__file__).with_name("cycles.toml")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_SERIES = 60  # meetings one series adds at most (weekly for a year is 52)
MAX_MEETINGS = 200  # meetings a group's schedule holds at most
MAX_EVERY_WEEKS = 26
MIN_MINUTES, MAX_MINUTES = 15, 8 * 60


@dataclass(frozen=True, slots=True)
class CycleMeeting:
    theme: dict[str, str]  # language -> text
    method: str


@dataclass(frozen=True, slots=True)
class Cycle:
    id: str
    name: dict[str, str]
    minutes: int
    meetings: tuple[CycleMeeting, ...]


@dataclass(frozen=True, slots=True)
class Planned:
    """One meeting a series template proposes."""

    date: date
    start: time
    minutes: int
    method: str
    theme: str | None


class ScheduleError(ValueError):
    """A series that cannot be planned; the message says why (the API's `detail`)."""


@cache
def cycles() -> dict[str, Cycle]:
    """The themed cycles, checked once: every werkvorm must be a shipped method."""
    data = tomllib.loads(CYCLES_FILE.read_text(encoding="utf-8"))
    known = set(method.available())
    found: dict[str, Cycle] = {}
    for cid, raw in data.items():
        meetings = tuple(CycleMeeting(dict(m["theme"]), str(m["method"])) for m in raw["meetings"])
        unknown = {m.method for m in meetings} - known
        if unknown:
            raise ValueError(f"{CYCLES_FILE.name}: cycle {cid} names unknown methods {sorted(unknown)}")
        found[cid] = Cycle(cid, dict(raw["name"]), int(raw["minutes"]), meetings)
    return found


def cycles_view() -> list[dict[str, Any]]:
    """The cycles as the API and the group pages hand them out: each meeting's theme and werkvorm."""
    return [
        {
            "id": c.id,
            "name": c.name,
            "minutes": c.minutes,
            "meetings": [{"theme": m.theme, "method": m.method} for m in c.meetings],
        }
        for c in cycles().values()
    ]


def series_dates(start: date, weekday: int, every_weeks: int, count: int | None, until: date | None) -> list[date]:
    """The first `weekday` (0 = Monday) on or after `start`, then every `every_weeks` weeks,
    `count` times or up to and including `until`; ScheduleError beyond MAX_SERIES."""
    if (count is None) == (until is None):
        raise ScheduleError("give either 'count' or 'until'")
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        raise ScheduleError(f"'every_weeks' must be 1-{MAX_EVERY_WEEKS}")
    first = start + timedelta(days=(weekday - start.weekday()) % 7)
    step = timedelta(weeks=every_weeks)
    if count is not None:
        if not 1 <= count <= MAX_SERIES:
            raise ScheduleError(f"'count' must be 1-{MAX_SERIES}")
        return [first + i * step for i in range(count)]
    assert until is not None
    if until < first:
        raise ScheduleError("'until' lies before the first meeting")
    n = (until - first) // step + 1
    if n > MAX_SERIES:
        raise ScheduleError(f"that is {n} meetings; a series adds at most {MAX_SERIES}")
    return [first + i * step for i in range(n)]


def plan(
    dates: list[date],
    start: time,
    minutes: int | None,
    method_id: str | None,
    theme: str | None,
    cycle_id: str | None,
    language: str,
) -> list[Planned]:
    """The meetings of a series: one per date, with the cycle's themes and werkvormen in
    order when a cycle is given (then `method` and `theme` may not be)."""
    if cycle_id is None:
        chosen = method_id or method.DEFAULT_METHOD
        return [Planned(d, start, minutes or 120, chosen, theme) for d in dates]
    cycle = cycles().get(cycle_id)
    if cycle is None:
        raise ScheduleError(f"'cycle' must be one of {', '.join(sorted(cycles()))}")
    if method_id is not None or theme is not None:
        raise ScheduleError("a cycle sets each meeting's method and theme; leave 'method' and 'theme' out")
    if len(dates) != len(cycle.meetings):
        raise ScheduleError(f"the cycle has {len(cycle.meetings)} meetings; leave out 'count' and 'until'")
    return [
        Planned(d, start, minutes or cycle.minutes, m.method, m.theme.get(language) or m.theme["nl"])
        for d, m in zip(dates, cycle.meetings, strict=True)
    ]
