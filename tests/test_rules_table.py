"""The one table of who may do what (engine.RULES, merged from the feature tables of
server/rooms/rules/) against the other places that name commands: the protocol's
COMMANDS, and the engine tests' own lists of facilitator commands and phase inputs."""

from __future__ import annotations

from collections import Counter

import pytest

from protocol.messages import COMMANDS
from server.rooms import engine
from server.rooms.method import available, load

from .test_engine import FACILITATOR_COMMANDS, OTHER_COMMANDS, PHASE_INPUT


def test_the_table_names_exactly_the_protocols_commands():
    assert set(engine.RULES) == set(COMMANDS)
    assert set(engine.PERMISSIONS) == set(COMMANDS)


def test_every_command_is_in_exactly_one_feature_table():
    counts = Counter(t for table in engine.FEATURES.values() for t in table)
    assert [t for t, n in counts.items() if n != 1] == []
    merged = {t: rule for table in engine.FEATURES.values() for t, rule in table.items()}
    assert merged == engine.RULES


def test_a_command_in_two_feature_tables_is_refused():
    one = engine.FEATURES["questions"]
    with pytest.raises(ValueError, match="ask"):
        engine.merge_tables({"questions": one, "copy": {"ask": one["ask"]}})


def test_the_table_agrees_with_the_engine_tests_lists():
    facilitator = {t for t, may in engine.PERMISSIONS.items() if may["facilitator"]}
    assert facilitator == set(FACILITATOR_COMMANDS)
    inputs = {t: may["input"] for t, may in engine.PERMISSIONS.items() if may["input"] is not None}
    assert inputs == PHASE_INPUT
    rest = {t for t, may in engine.PERMISSIONS.items() if not may["facilitator"] and may["input"] is None}
    assert rest == set(OTHER_COMMANDS)


def test_the_plain_view_says_the_same_as_the_rows():
    for t, rule in engine.RULES.items():
        assert engine.PERMISSIONS[t] == {"facilitator": rule.facilitator, "input": rule.needs}
        assert not (rule.facilitator and rule.needs), f"{t}: facilitator commands give no phase input"
        assert not rule.own_check or rule.needs, f"{t}: an own check of no input"


def test_every_input_a_command_needs_is_one_a_phase_accepts():
    """A typo in a row would leave its command refused in every phase of every method."""
    accepted = {what for m in available() for phase in load(m).phases for what in phase.accepts}
    needed = {rule.needs for rule in engine.RULES.values() if rule.needs is not None}
    assert needed <= accepted
