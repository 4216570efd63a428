"""Record the fold fixture: `python -m tests.record_folds` writes tests/fixtures/folds.json.

Run it again after a change to an event or the snapshot, and commit the result. It is
deterministic where it can be (seeded walks through the pure engine, tests/fold_walk.py,
and a choice among their cases, tests/fold_select.py); the real session's timelines
(tests/fold_session.py) carry the server's clock and room code, so they differ from run
to run in those.
See tests/fold_fixture.py for what the file holds.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from . import fold_session
from .fold_fixture import PATH, cases, event_types_of, server_event_types
from .fold_select import as_timeline, select
from .fold_walk import walks

SEEDS = range(2)  # walks per method: enough for every line of the fold, every form of every event


def cannot_follow(timelines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where a mirror must stop and ask for a fresh snapshot, from the shortest case: an
    event type this client does not know (a newer server), and a gap. And an event it
    already has, which it must fold only once."""
    first = min(cases({"timelines": timelines}), key=lambda case: len(json.dumps([case.snapshot, case.steps])))
    seq, snap = first.seq, first.snapshot
    event = next(step["event"] for step in first.steps if "event" in step)
    again = [*first.steps, {"event": event}, {"check": first.check}]
    line = {"me": first.me, "seq": seq, "snapshot": snap}
    stop = {"seq": seq, "snapshot": snap}
    return [
        {**_start(line, "an event from a newer server"), "steps": [
            {"event": {"t": "from_a_newer_server", "seq": seq + 1, "what": "anything"}},
            {"check": {**stop, "raises": "UnknownEventError"}},
        ]},
        {**_start(line, "a gap"), "steps": [
            {"event": {**event, "seq": seq + 2}},
            {"check": {**stop, "raises": "GapError"}},
        ]},
        {**_start(line, "an event folded once"), "steps": again},
    ]  # fmt: skip


def _start(line: dict[str, Any], name: str) -> dict[str, Any]:
    return {"name": name, "me": line["me"], "seq": line["seq"], "snapshot": copy.deepcopy(line["snapshot"])}


def write(fixture: dict[str, Any], path: Path = PATH) -> None:
    """Compact, one step a line, so that a change shows as lines in a diff."""
    dump = lambda x: json.dumps(x, ensure_ascii=False, separators=(",", ":"), sort_keys=True)  # noqa: E731
    out = ['{"event_types":' + dump(fixture["event_types"]) + ',"timelines":[']
    for i, line in enumerate(fixture["timelines"]):
        head = dump({k: v for k, v in line.items() if k != "steps"})[:-1]
        steps = ",\n".join(dump(step) for step in line["steps"])
        out.append(head + ',"steps":[\n' + steps + "\n]}" + ("," if i < len(fixture["timelines"]) - 1 else ""))
    out.append("]}\n")
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


def from_walks(seeds: range = SEEDS) -> list[dict[str, Any]]:
    """The cases of the engine walks worth keeping (tests/fold_select.py), a timeline each."""
    return [as_timeline(case) for case in select(cases({"timelines": walks(seeds)}))]


def main() -> None:
    types = server_event_types()
    timelines = from_walks()
    missing = set(types) - event_types_of({"timelines": timelines})
    assert not missing, f"no walk brought {sorted(missing)} to a viewer: walk further (SEEDS)"
    timelines += cannot_follow(timelines) + fold_session.record()
    write({"event_types": types, "timelines": timelines})
    size = PATH.stat().st_size
    print(f"{PATH}: {len(timelines)} timelines, {sum(1 for _ in cases({'timelines': timelines}))} cases, {size} bytes")


if __name__ == "__main__":
    main()
