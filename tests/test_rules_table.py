"""The one table of who may do what (engine.RULES, merged from the feature tables of
server/rooms/rules/) against the other places that name commands: the protocol's
COMMANDS, and the handlers' own argument types. (PROTOCOL §6 against the table: the doc test.)"""

from __future__ import annotations

from collections import Counter
from typing import get_type_hints

import pytest

from protocol.args import COMMAND_ARGS
from protocol.messages import COMMANDS
from server.rooms import engine
from server.rooms.method import available, load


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


def test_every_handler_takes_its_commands_own_args():
    """So the type checker reads each handler against the fields its command carries."""
    for t, rule in engine.RULES.items():
        assert get_type_hints(rule.handler)["args"] is COMMAND_ARGS[t], t
