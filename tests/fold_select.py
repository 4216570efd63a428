"""Which fold cases the fixture keeps: the few that, between them, do all the walks did.

The engine walks give thousands of cases, most of them alike. Kept are, greedily, the
fewest that between them run every line of the Python fold (client/mirror.py), make every
kind of change to the state that the fold makes (where, and to what kind of value: so that
a fold that stopped doing it would be seen), start from every kind of viewer, and hold
every form of every event and ack (a public and a private form differ in their fields);
the browser's
fold is the same table, function for function, so the cases that run a Python line run its
JavaScript twin too. That keeps the fixture small without losing what it tests.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any

from client import fold, mirror

from .fold_fixture import Case, fold_step, mirror_at

Feature = tuple[str, ...]


def kind_of(case: Case) -> str:
    """facilitator, participant, screen, or inbrenger: the viewer the case starts with."""
    snap = case.snapshot
    if snap["inbrenger"] == case.me:
        return "inbrenger"
    return next(p["role"] for p in snap["participants"] if p["id"] == case.me)


def features(case: Case) -> set[Feature]:
    """The lines of the fold the case runs, what each step does to the state, the kind of
    viewer, and each event and ack by the fields it has (the public and private forms of
    an event differ in them)."""
    lines, effects = _fold(case)
    found: set[Feature] = {("line", f"{name}:{n}") for name, n in lines} | effects | {("viewer", kind_of(case))}
    for step in case.steps:
        if "event" in step:
            found.add(("event", *sorted(step["event"])))
        elif "ack" in step:
            found.add(("ack", step["ack"]["command"], *sorted(step["ack"]["result"])))
    return found


def _fold(case: Case) -> tuple[set[tuple[str, int]], set[Feature]]:
    """Fold the case with the Python mirror: the lines of client/mirror.py and client/fold.py it runs, and per
    step what changed in the state (where, and to what kind of value)."""
    hit: set[tuple[str, int]] = set()
    effects: set[Feature] = set()
    here = {mirror.__file__: "mirror", fold.__file__: "fold"}

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        name = here.get(frame.f_code.co_filename)
        if name is None:
            return None
        if event == "line":
            hit.add((name, frame.f_lineno))
        return trace

    m = mirror_at(case)
    before = sys.gettrace()
    try:
        for step in case.steps:
            was = copy.deepcopy(m.state)
            sys.settrace(trace)
            fold_step(m, step)
            sys.settrace(before)
            what = step["event"]["t"] if "event" in step else "ack " + step["ack"]["command"]
            effects |= {(what, *change) for change in _changes(was, m.state)}
    except Exception:  # noqa: BLE001 - a fold that fails is the test's to report, not the choice's
        pass
    finally:
        sys.settrace(before)
    return hit, effects


def _changes(was: Any, now: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, to what) for each difference: lists as a whole (grew, shrank, changed),
    maps key by key, with the phases of `deals` and the cases of a tally as one key."""
    if was == now:
        return
    if isinstance(now, dict) and isinstance(was, dict | None):
        was = was or {}
        general = path.endswith(("deals", "tally"))
        for key in sorted(set(was) | set(now)):
            yield from _changes(was.get(key), now.get(key), f"{path}.{'*' if general else key}")
    elif isinstance(now, list) and isinstance(was, list):
        yield path, "grew" if len(now) > len(was) else "shrank" if len(now) < len(was) else "changed"
    else:
        yield path, str(now) if isinstance(now, bool) else type(now).__name__


def select(candidates: Iterable[Case]) -> list[Case]:
    """Greedily, the case with the most features not yet had for its size, until no case
    brings anything new; in the order they were recorded."""
    size = lambda case: len(json.dumps([case.snapshot, case.steps]))  # noqa: E731
    pool = [(i, case, features(case), size(case)) for i, case in enumerate(candidates)]
    had: set[Feature] = set()
    chosen: list[tuple[int, Case]] = []
    while True:
        best = max(pool, key=lambda x: len(x[2] - had) / x[3], default=None)
        if best is None or not best[2] - had:
            return [case for _, case in sorted(chosen, key=lambda x: x[0])]
        chosen.append((best[0], best[1]))
        had |= best[2]
        pool.remove(best)


def as_timeline(case: Case) -> dict[str, Any]:
    """The case as a timeline of its own, named for the walk, the viewer and its seqs."""
    name = f"{case.name.split(' from seq')[0]}, seq {case.seq} to {case.check['seq']}"
    return {"name": name, "me": case.me, "seq": case.seq, "snapshot": case.snapshot,
            "steps": [*case.steps, {"check": case.check}]}  # fmt: skip
