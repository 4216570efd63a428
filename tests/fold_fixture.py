"""The fold fixture (tests/fixtures/folds.json): what it holds and how it is read.

The room's state is folded from events three times: by the server (`apply`), by the
Python client (client/mirror.py) and by the browser (client/web/static/js/mirror.js).
The fixture holds what viewers really received, so that both clients are checked against
the server by a fast test in each language, not only by slow integration flows.

It is a list of timelines. A timeline is one viewer following the room for a while: the
snapshot it started from, then its steps in the order they reached it, each an event
frame, an ack, or a check (the snapshot the server holds for that viewer at that point).
Each stretch from one snapshot to the next check is one fold case; `cases` cuts them out,
so a case starts from the server's own snapshot and a wrong fold fails one case only.
tests/js/mirror.test.mjs reads the same file in the same way.

A check may also say the fold must stop (`raises`): what a mirror does when it cannot
follow (an event from a newer server, a gap), kept next to the server's cases so that both
languages are held to it alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from client.mirror import Mirror
from server.rooms.fold import FOLD

PATH = Path(__file__).resolve().parent / "fixtures" / "folds.json"


@dataclass(frozen=True)
class Case:
    """From `snapshot` at `seq`, fold `steps`; the mirror must then hold `check`."""

    name: str
    me: str
    seq: int
    snapshot: dict[str, Any]
    steps: list[dict[str, Any]]
    check: dict[str, Any]


def load(path: Path = PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def cases(fixture: dict[str, Any]) -> Iterator[Case]:
    """Every fold case of every timeline, each starting from a snapshot of the server's."""
    for line in fixture["timelines"]:
        seq, snap, steps, n = line["seq"], line["snapshot"], [], 0
        several = sum(1 for step in line["steps"] if "check" in step) > 1
        for step in line["steps"]:
            if "check" not in step:
                steps.append(step)
                continue
            n += 1
            check = step["check"]
            yield Case(f"{line['name']} #{n}" if several else line["name"], line["me"], seq, snap, steps, check)
            seq, snap, steps = check["seq"], check["snapshot"], []


def mirror_at(case: Case) -> Mirror:
    """The Python client's mirror as the case starts: the viewer's snapshot, at its seq."""
    mirror = Mirror()
    mirror.me = case.me
    mirror.reset(case.snapshot, case.seq)
    return mirror


def fold_step(mirror: Mirror, step: dict[str, Any]) -> None:
    """One step into the mirror, as client/connection.py hands it: an event, or an ack."""
    if "event" in step:
        mirror.apply(step["event"])
    else:
        mirror.on_ack(step["ack"]["command"], step["ack"]["args"], step["ack"]["result"])


def event_types_of(fixture: dict[str, Any]) -> set[str]:
    """The event types that reach a mirror in some case of the fixture."""
    return {step["event"]["t"] for line in fixture["timelines"] for step in line["steps"] if "event" in step}


def server_event_types() -> list[str]:
    """Every event type the server folds, in the order of its fold (server/rooms/fold.py)."""
    return list(FOLD)
