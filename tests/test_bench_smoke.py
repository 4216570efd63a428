"""The benchmark's own code, run tiny: every server kind on both backends gets a few
rooms and a few events, through the same generator, servers and counting as
`python -m bench`. Correctness only: every event reaches every member, nothing is lost,
every command is answered. No timing is asserted (bench/README.md has the figures)."""

from __future__ import annotations

from pathlib import Path

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


# ---------------------------------------------------------------------- a fair comparison


def test_every_baseline_runs_with_krings_gc_settings() -> None:
    """Kring tunes its collector at the end of start-up (server/app.py); the baselines copy
    the settings (bench/baselines/__init__.py), so the copy must stay equal."""
    import re

    from bench.baselines import GC_THRESHOLD

    app = (Path(__file__).parents[1] / "server" / "app.py").read_text()
    assert "gc.freeze()" in app
    found = re.search(r"gc\.set_threshold\(([^)]*)\)", app)
    assert found is not None
    assert tuple(int(x.replace("_", "")) for x in found.group(1).split(",")) == GC_THRESHOLD


def test_the_kinds_take_turns_going_first() -> None:
    from bench.scenarios import rotation

    kinds = ["kring", "floor", "socketio", "broadcaster"]
    orders = [rotation(kinds, n) for n in range(8)]
    assert [o[0] for o in orders[:4]] == kinds  # each kind first once in four
    assert orders[4] == orders[0]  # deterministic
    assert all(sorted(o) == sorted(kinds) for o in orders)
    assert rotation([], 3) == []


def _result(kind: str, scenario: str = "rooms", backend: str = "memory", ok: bool = True, **figures: object) -> dict:
    return {"kind": kind, "scenario": scenario, "backend": backend, "ok": ok, **figures}


def _target(items: list[dict], start: str) -> dict:
    return next(t for t in items if t["target"].startswith(start))


def test_a_ratio_against_a_failed_baseline_is_not_judged() -> None:
    from bench.report import render_targets, targets

    cheap = {"server_cpu_us_per_frame": 10.0}
    results = [_result("kring", **cheap), _result("floor", ok=False, server_cpu_us_per_frame=20.0)]
    t = _target(targets(results), "memory backend: CPU per frame")
    assert t["met"] is None  # Kring is "cheaper" than a floor that fell over: that proves nothing
    assert "floor run failed" in " ".join(t["figures"])
    assert any("not judged" in line for line in render_targets([t]))
    # the same figures against a run that succeeded are judged
    results[1]["ok"] = True
    assert _target(targets(results), "memory backend: CPU per frame")["met"] is True
    # a failed Kring run is judged: not met
    results[0]["ok"] = False
    assert _target(targets(results), "memory backend: CPU per frame")["met"] is False


def test_a_generator_bound_saturation_run_is_not_judged_never_met() -> None:
    from bench.report import targets

    results = [
        _result("kring", "saturation", "redis", deliveries_per_s=500, generator_bound=True),
        _result("floor", "saturation", "redis", deliveries_per_s=1000),
    ]
    t = _target(targets(results), "closed loop through Redis")
    assert t["met"] is None
    assert "generator was the limit" in " ".join(t["figures"])
    results[0]["generator_bound"] = False
    assert _target(targets(results), "closed loop through Redis")["met"] is False  # 0.5× is a miss
    results[0]["deliveries_per_s"] = 600
    assert _target(targets(results), "closed loop through Redis")["met"] is True  # 0.6× meets it


# the issue-15 targets: (start of the target, scenario, backend, baseline, figure, Kring's
# figure that meets it, one that misses it, the baseline's)
ISSUE_15 = [
    ("50 × 12 at 1,000 events/s through Redis: CPU", "rooms", "redis", "floor", "server_cpu_us_per_frame", 13, 14, 10),
    ("50 × 12 at 1,000 events/s through Redis: p99", "rooms", "redis", "floor", "latency_ms", 3.0, 3.1, 1.0),
    ("50 × 12 at 1,000 events/s through Redis: ≥ 1.8×", "rooms", "redis", "socketio",
     "deliveries_per_server_cpu_s", 1800, 1700, 1000),
    ("closed loop through Redis", "saturation", "redis", "floor", "deliveries_per_s", 600, 590, 1000),
    ("joins through Redis", "idle", "redis", "floor", "connects_per_s", 700, 690, 1000),
    ("memory backend: CPU per frame", "rooms", "memory", "floor", "server_cpu_us_per_frame", 12, 12.5, 10),
]  # fmt: skip


def _figure(path: str, value: float) -> dict:
    return {"latency_ms": {"p99": value}} if path == "latency_ms" else {path: value}


@pytest.mark.parametrize(("start", "scenario", "backend", "baseline", "path", "good", "bad", "base"), ISSUE_15)
def test_the_issue_15_targets_are_met_missed_or_not_judged(
    start: str, scenario: str, backend: str, baseline: str, path: str, good: float, bad: float, base: float
) -> None:
    from bench.report import targets

    def verdict(kring: float, base_ok: bool = True, kring_ok: bool = True) -> dict:
        results = [
            _result("kring", scenario, backend, ok=kring_ok, **_figure(path, kring)),
            _result(baseline, scenario, backend, ok=base_ok, **_figure(path, base)),
        ]
        return _target(targets(results), start)

    assert verdict(good)["met"] is True
    assert verdict(bad)["met"] is False
    failed = verdict(good, base_ok=False)
    assert failed["met"] is None  # against a baseline whose own run failed: not judged
    assert "run failed" in " ".join(failed["figures"])
    assert verdict(good, kring_ok=False)["met"] is False  # a failed Kring run is judged: not met
    # without the baseline's run there is nothing to compare with: not judged, never met
    alone = [_result("kring", scenario, backend, **_figure(path, good))]
    assert _target(targets(alone), start)["met"] is None
    # a target whose scenario did not run is left out
    assert not [t for t in targets([]) if t["target"].startswith(start)]


def test_the_memory_target_needs_every_load_scenario() -> None:
    from bench.report import targets

    results = [
        _result("kring", "rooms", server_cpu_us_per_frame=11.0),
        _result("floor", "rooms", server_cpu_us_per_frame=10.0),
        _result("kring", "big-room", server_cpu_us_per_frame=13.0),
        _result("floor", "big-room", server_cpu_us_per_frame=10.0),
    ]
    t = _target(targets(results), "memory backend")
    assert t["met"] is False  # rooms met, big-room missed
    results[3]["ok"] = False
    assert _target(targets(results), "memory backend")["met"] is None  # rooms met, big-room not judged


def _window(written: int, stored: int, *, aof: int | None = None) -> dict:
    # the target judges what was written with the snapshots at their share (amortized)
    w = {
        "amortized_redis_in_bytes_per_command": written,
        "stored_event_bytes_per_command": stored,
        "commands_per_room": 100,
    }
    if aof is not None:
        w["amortized_aof_bytes_per_command"] = aof
    return w


def test_the_growing_target_judges_the_aof_when_there_is_one() -> None:
    from bench.report import growing

    # net input: 2× the stored events and flat meets it
    assert growing(_result("kring", "growing", "redis", first=_window(600, 300), last=_window(620, 310)))[0] is True
    # more than 2× the events it stores
    assert growing(_result("kring", "growing", "redis", first=_window(700, 300), last=_window(700, 300)))[0] is False
    # within 2× but growing: the last window more than 1.2× the first
    assert growing(_result("kring", "growing", "redis", first=_window(400, 300), last=_window(500, 300)))[0] is False
    # with an AOF the AOF is judged, not what Redis received, and the note says which
    r = _result("kring", "growing", "redis", first=_window(2000, 300, aof=500), last=_window(2000, 300, aof=520))
    met, note = growing(r)
    assert met is True and note.startswith("AOF")
    r["last"]["amortized_aof_bytes_per_command"] = 700  # > 2× the events, and 1.4× the first window
    assert growing(r)[0] is False
    # no figure: not judged; a failed run: not met
    assert growing(_result("kring", "growing", "redis", first={}, last={}))[0] is None
    assert growing(_result("kring", "growing", "redis", ok=False))[0] is False


def test_the_growing_windows_arithmetic() -> None:
    from bench.scenarios import growing_windows, per_command

    assert growing_windows(300, 100) == {"first": (0, 100), "last": (200, 300)}
    assert growing_windows(30, 100) == {"first": (0, 30), "last": (0, 30)}  # never past the round
    # two rooms; room 0 snapshots at seq 10 (1,000 B) and 30 (4,000 B), room 1 at 20 (2,000 B)
    snaps = [[(0, 500), (10, 1000), (30, 4000)], [(0, 500), (20, 2000)]]
    a = {"event_bytes": 1000, "net_in": 10_000, "poll_bytes": 50, "aof": 4000, "state": [0, 0], "seqs": [10, 10]}
    b = {
        "event_bytes": 5000,
        "net_in": 90_050,  # 80,050 more, of which 50 the bench's own polls: 80,000 Kring's
        "poll_bytes": 100,
        "aof": 44_000,
        "state": [3000, 5000],
        "stored": 20_000,
        "stored_events": 40,
        "seqs": [30, 30],  # 20 events in each room
        "snaps": snaps,
    }
    w = per_command(a, b, 20, 2)  # 20 commands in each of 2 rooms
    assert w["commands"] == 40
    assert w["redis_in_bytes_per_command"] == 2000
    assert w["aof_bytes_per_command"] == 1000
    assert w["stored_event_bytes_per_command"] == 500
    assert w["event_bytes_per_command"] == 100
    assert w["state_bytes"] == 4000
    assert w["redis_in_per_stored"] == 4.0
    assert w["aof_per_stored"] == 2.0
    # the window (seqs 11..30) holds room 0's snapshot at 30 and room 1's at 20: 6,000 B
    assert w["snapshots"] == 2
    assert w["snapshot_bytes_written"] == 6000
    # its fair share: room 0's events 11..30 pay 4,000 B / 20 each; room 1's 11..20 pay
    # 2,000 B / 20 each, and 21..30, in a cycle not closed yet, the same (estimated)
    assert w["snapshot_share_per_command"] == round((4000 + 1000 + 1000) / 40)
    assert w["snapshot_share_estimated_events"] == 10
    assert w["amortized_redis_in_bytes_per_command"] == round((80_000 - 6000 + 6000) / 40)
    assert w["amortized_aof_bytes_per_command"] == round((40_000 - 6000 + 6000) / 40)
    # without an append-only file there is no AOF figure
    w = per_command({**a, "aof": None}, {**b, "aof": None}, 20, 2)
    assert "aof_bytes_per_command" not in w and "amortized_aof_bytes_per_command" not in w


def test_a_snapshot_is_spread_over_the_events_of_its_cycle() -> None:
    from bench.scenarios import snapshot_cycles, snapshot_share

    # as measured: two processes each write a snapshot at the same point, one event apart
    snaps = [(4, 5050), (44, 10625), (45, 10822), (124, 26178), (125, 26377)]
    cycles = snapshot_cycles(snaps)
    assert [(lo, hi) for lo, hi, _ in cycles] == [(4, 45), (45, 125)]  # the pairs close one cycle each
    assert cycles[0][2] == (10625 + 10822) / 41
    # a window of whole cycles pays exactly what was written in it
    whole = snapshot_share(snaps, 4, 125)
    assert whole["written"] == 10625 + 10822 + 26178 + 26377
    assert round(whole["share"]) == whole["written"]
    assert whole["estimated"] == 0
    # half a cycle pays half of it, whether the snapshot falls inside or not
    assert round(snapshot_share(snaps, 45, 85)["share"]) == round((26178 + 26377) / 2)
    assert snapshot_share(snaps, 45, 85)["written"] == 0
    # past the last snapshot: the last closed cycle's rate, said so
    late = snapshot_share(snaps, 125, 135)
    assert late["estimated"] == 10 and late["share"] == 10 * cycles[-1][2]
    # no closed cycle: the rate given (the room's size now over the snapshot interval), else none
    assert snapshot_share([(4, 5050)], 4, 20, rate=60.0) == {"written": 0, "share": 16 * 60.0, "estimated": 16}
    assert snapshot_share([(4, 5050)], 4, 20)["share"] is None


def test_the_commit_counts_come_from_the_runs_own_servers() -> None:
    from bench.scenarios import commit_counts

    mine = ["redis://127.0.0.1:7001/0", "redis://127.0.0.1:7002/0"]
    log = "\n".join(
        [
            "INFO:     Started server process [12]",
            "INFO:     kring.redis: redis redis://127.0.0.1:7001/0: 1234 commits, 56 lost a race",
            "INFO:     kring.redis: redis redis://127.0.0.1:7002/0: 766 commits, 4 lost a race",
            "INFO:     kring.redis: redis redis://127.0.0.1:7001/0: 1000 commits, 40 lost a race",
            # another run's Redis (another port): not this run's
            "INFO:     kring.redis: redis redis://127.0.0.1:6999/0: 5000 commits, 999 lost a race",
            "INFO:     Application shutdown complete.",
        ]
    )
    c = commit_counts(log, mine, processes=2)
    assert c is not None
    assert c["commits"] == 3000 and c["lost_races"] == 100
    assert c["lost_share"] == round(100 / 3000, 4)
    assert c["per_server"]["redis://127.0.0.1:7001/0"]["commits"] == 2234
    assert c["per_server"]["redis://127.0.0.1:7002/0"]["lost_races"] == 4
    assert c["missing"] == 1  # two processes on two Redis servers: four lines, three found
    assert commit_counts("INFO:     Application shutdown complete.", mine, processes=2) is None
    # the URL as the server writes it may differ (no database): host and port decide
    c = commit_counts("INFO:     kring.redis: redis redis://127.0.0.1:7002: 10 commits, 0 lost a race", mine, 1)
    assert c is not None and c["per_server"]["redis://127.0.0.1:7002/0"]["commits"] == 10


def test_a_growing_room_reports_what_each_command_writes_to_redis(tmp_path: Path) -> None:
    """Tiny: one room of five, two windows of the questions round back to back, on a Redis
    with its append-only file. Only that the figures are there, no sizes asserted."""
    from bench.scenarios import STANDARD

    tiny = Scenario("growing", "growing, tiny", "growing", rooms=1, size=5, steps=30, window=15, kinds=("kring",))
    assert STANDARD["growing"].kinds == ("kring",)  # the baselines keep no room state
    result = uvloop.run(run_one("kring", "redis", tiny, concurrency=8, durable=True, log_dir=tmp_path))
    assert result["failures"] == []
    assert result["ok"]
    for window in ("first", "last", "cards"):
        assert result[window]["redis_in_bytes_per_command"] > 0
        assert result[window]["aof_bytes_per_command"] > 0
        assert result[window]["event_bytes_per_command"] > 0
        assert result[window]["stored_event_bytes_per_command"] > 0
    assert result["redis_in_growth"] > 0
    assert result["redis_written"] == "AOF"
    # the servers shut down gracefully: their count of commits reached the log
    assert result["redis_commits"]["commits"] > 0
    assert result["redis_commits"]["missing"] == 0
