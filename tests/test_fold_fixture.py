"""Both client folds held to the server's: client/mirror.py here, and
client/web/static/js/mirror.js under node's test runner (tests/js/mirror.test.mjs), on
the same recorded cases (tests/fixtures/folds.json, see tests/fold_fixture.py).

A fold bug in either language fails here in a second, not only in a browser flow."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from client.mirror import FOLD, GapError

from .fold_fixture import Case, cases, event_types_of, fold_step, load, mirror_at, server_event_types
from .fold_walk import Walk, walks
from .record_folds import SEEDS
from .servers import ROOT

FIXTURE = load()


@pytest.mark.parametrize("case", list(cases(FIXTURE)), ids=lambda case: case.name)
def test_the_python_mirror_folds_as_the_server(case: Case) -> None:
    mirror = mirror_at(case)
    raised = None
    for i, step in enumerate(case.steps):
        try:
            fold_step(mirror, step)
        except GapError as err:
            assert i == len(case.steps) - 1, f"stopped at step {i}: {err}"
            raised = type(err).__name__
    check = case.check
    assert raised == check.get("raises")
    assert mirror.seq == check["seq"]
    assert mirror.state == check["snapshot"]
    assert (mirror.ended, mirror.proof) == (check.get("ended", False), check.get("proof"))


def test_the_js_mirror_folds_as_the_server() -> None:
    """Fails, rather than skips, without node: `make install` brings it for npm."""
    node = shutil.which("node")
    assert node is not None, "node is needed for the browser's fold (apt-get install nodejs)"
    test = ROOT / "tests" / "js" / "mirror.test.mjs"
    run = subprocess.run([node, "--test", str(test)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_fixture_holds_every_event_type_the_server_folds() -> None:
    types = server_event_types()
    assert FIXTURE["event_types"] == types, "the server's events changed: python -m tests.record_folds"
    assert not set(types) - event_types_of(FIXTURE)
    assert any(line["name"].startswith("real session") for line in FIXTURE["timelines"])


def test_the_recorder_still_brings_every_event_type_to_a_viewer() -> None:
    """So that `python -m tests.record_folds` can record the fixture again after a change."""
    assert event_types_of({"timelines": walks(SEEDS)}) >= set(server_event_types())


def test_the_python_mirror_folds_in_the_order_of_the_server() -> None:
    """So the three folds read side by side; the node test holds mirror.js to the same list."""
    assert list(FOLD) == server_event_types()


def test_a_hidden_note_of_an_earlier_phase_withdrawn_leaves_the_count_of_this_phase() -> None:
    """Found by the fold fixture's walks: in the kwaliteitenmethode two phases hide their
    notes until the reveal, and a note written in the first may be withdrawn in the second.
    Every viewer's `notes_hidden` then differs from the server's snapshot; no client can
    fold it right, since only the writer knows which phase the note was of."""
    w = Walk("kwaliteitenmethode", 0)
    w.run("p1", "set_method", {"method": "kwaliteitenmethode"})
    for _ in range(4):
        w.join()
    w.run("p1", "advance")
    for pid in ("p2", "p3", "p4", "p5"):  # the agreement, before anyone gets the case
        w.run(pid, "confirm")
    w.run("p1", "advance")  # the case: situatie
    case = w.run("p2", "propose_case")
    assert case is not None
    w.run("p1", "choose_case", {"case": case.result["case"]})
    w.run("p2", "share_case")
    w.run("p1", "advance")  # vragen
    w.run("p1", "advance")  # kwaliteit: notes hidden until the reveal
    note = w.run("p3", "note")
    assert note is not None
    w.run("p1", "advance")  # uitdaging: the same
    w.run("p4", "note")
    assert w.run("p3", "withdraw_note", {"note": note.result["note"]}) is not None
    for pid in list(w.viewers):
        w.unfollow(pid)
    for case in cases({"timelines": w.timelines}):
        mirror = mirror_at(case)
        for step in case.steps:
            fold_step(mirror, step)
        assert mirror.state["notes_hidden"] == case.check["snapshot"]["notes_hidden"], case.name
