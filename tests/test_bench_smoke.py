"""The benchmark's own code, run tiny: every server kind on both backends gets a few
rooms and a few events, through the same generator, servers and counting as
`python -m bench`. Correctness only: every event reaches every member, nothing is lost,
every command is answered. No timing is asserted (bench/README.md has the figures)."""

from __future__ import annotations

import pytest
import uvloop

from bench.kinds import KINDS
from bench.scenarios import Scenario, run_one

TINY = Scenario(
    "smoke", "3 rooms × 5, a few events", "load", rooms=3, size=5, rate=60, warmup=0.3, seconds=1.0, askers=3
)


@pytest.mark.parametrize("backend", ["memory", "redis"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_event_reaches_every_member(kind: str, backend: str) -> None:
    # connections open several at a time, as in the full benchmark: people join a room at
    # once through both processes
    result = uvloop.run(run_one(kind, backend, TINY, concurrency=8))
    assert result["failures"] == []
    assert result["drained"], "some events or acks never arrived"
    assert result["expected"] > 0
    assert result["received"] == result["expected"]
    assert result["lost"] == 0
    # the measured part saw events too, each with a latency
    assert result["delivered"] == result["latency_ms"]["n"] > 0
    assert result["ok"]
