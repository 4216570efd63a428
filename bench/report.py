"""The table, the ratios against each baseline, and the targets (bench/README.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .kinds import KINDS
from .scenarios import STANDARD

LABELS = {name: kind.label for name, kind in KINDS.items()}
BASELINES = tuple(name for name in KINDS if name != "kring")
ORDER = {name: i for i, name in enumerate(KINDS)}

Result = dict[str, Any]


def _get(r: Result | None, path: str) -> Any:
    cur: Any = r
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _fmt(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if digits == -2:  # a share, as a percentage
        return f"{100 * v:.1f} %" if isinstance(v, int | float) else str(v)
    if digits < 0:
        return str(v)
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def ratio(a: Any, b: Any) -> float | None:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or b == 0:
        return None
    return a / b


def _ratio_str(a: Any, b: Any) -> str:
    r = ratio(a, b)
    return "–" if r is None else f"{r:.2f}×"


# column: (header, path, digits)
COLUMNS: dict[str, list[tuple[str, str, int]]] = {
    "load": [
        ("events/s", "events_per_s", 0),
        ("deliv/s", "deliveries_per_s", 0),
        ("p50 ms", "latency_ms.p50", 2),
        ("p90 ms", "latency_ms.p90", 2),
        ("p99 ms", "latency_ms.p99", 2),
        ("max ms", "latency_ms.max", 1),
        ("lost", "lost", 0),
        ("µs/frame", "server_cpu_us_per_frame", 1),
        ("redis µs", "redis_cpu_us_per_frame", 1),
        ("lost races", "redis_commits.lost_share", -2),
        ("B/frame", "bytes_per_frame", 0),
        ("srv CPU%", "server_cpu_pct", 0),
        ("gen CPU%", "generator_cpu_pct", 0),
        ("gen µs/frame", "generator_cpu_us_per_frame", 1),
    ],
    "slow": [
        ("events/s", "events_per_s", 0),
        ("p99 ms before", "latency_ms.p99", 2),
        ("p99 ms stalled", "latency_stalled_ms.p99", 2),
        ("max ms stalled", "latency_stalled_ms.max", 1),
        ("lost", "lost", 0),
        ("dropped after s", "slow_dropped_after_s", 1),
        ("close code", "slow_close_code", -1),
        ("RSS +KB/s reading", "rss_growth_reading_kb_s", 0),
        ("RSS +KB/s stalled", "rss_growth_stalled_kb_s", 0),
        ("gen CPU%", "generator_cpu_pct", 0),
    ],
    "idle": [
        ("connections", "connections", 0),
        ("connects/s", "connects_per_s", 0),
        ("srv µs/connect", "server_cpu_us_per_connect", 0),
        ("RSS KB/conn", "rss_kb_per_connection", 1),
        ("RSS MB after", "rss_after_mb", 0),
    ],
    "saturation": [
        ("events/s", "events_per_s", 0),
        ("deliv/s", "deliveries_per_s", 0),
        ("deliv/CPU-s", "deliveries_per_server_cpu_s", 0),
        ("p99 ms", "latency_ms.p99", 1),
        ("lost", "lost", 0),
        ("µs/frame", "server_cpu_us_per_frame", 1),
        ("lost races", "redis_commits.lost_share", -2),
        ("srv CPU%", "server_cpu_pct", 0),
        ("gen CPU%", "generator_cpu_pct", 0),
        ("gen µs/frame", "generator_cpu_us_per_frame", 1),
    ],
    # one row per window (bench.report.render_growing): what each command wrote, stored, sent
    "growing": [
        ("cmds/room", "commands_per_room", 0),
        ("Redis in B/cmd", "redis_in_bytes_per_command", 0),
        ("AOF B/cmd", "aof_bytes_per_command", 0),
        ("snapshots", "snapshots", 0),
        ("snap. share B/cmd", "snapshot_share_per_command", 0),
        ("in B/cmd amortized", "amortized_redis_in_bytes_per_command", 0),
        ("AOF B/cmd amortized", "amortized_aof_bytes_per_command", 0),
        ("stored events B/cmd", "stored_event_bytes_per_command", 0),
        ("frames B/cmd", "event_bytes_per_command", 0),
        ("in am. ÷ stored", "amortized_redis_in_per_stored", 2),
        ("AOF am. ÷ stored", "amortized_aof_per_stored", 2),
        ("state B after", "state_bytes", 0),
    ],
    "scaling": [
        ("events/s", "events_per_s", 0),
        ("deliv/s", "deliveries_per_s", 0),
        ("p50 ms", "latency_ms.p50", 2),
        ("p99 ms", "latency_ms.p99", 2),
        ("lost", "lost", 0),
        ("µs/frame", "server_cpu_us_per_frame", 1),
        ("redis µs", "redis_cpu_us_per_frame", 1),
        ("lost races", "redis_commits.lost_share", -2),
        ("gen CPU%", "generator_cpu_pct", 0),
    ],
}

# ratios printed under each table: (label, path); Kring ÷ baseline, so below 1 is better
# for costs and latencies, above 1 for rates
RATIOS: dict[str, list[tuple[str, str]]] = {
    "load": [
        ("CPU/frame", "server_cpu_us_per_frame"),
        ("deliv/CPU-s", "deliveries_per_server_cpu_s"),
        ("p50", "latency_ms.p50"),
        ("p90", "latency_ms.p90"),
        ("p99", "latency_ms.p99"),
        ("max", "latency_ms.max"),
    ],
    "slow": [("p99 before", "latency_ms.p99"), ("p99 stalled", "latency_stalled_ms.p99")],
    "idle": [
        ("RSS/conn", "rss_kb_per_connection"),
        ("connects/s", "connects_per_s"),
        ("CPU/connect", "server_cpu_us_per_connect"),
    ],
    "saturation": [
        ("deliv/s", "deliveries_per_s"),
        ("deliv/CPU-s", "deliveries_per_server_cpu_s"),
        ("CPU/frame", "server_cpu_us_per_frame"),
        ("p99", "latency_ms.p99"),
    ],
    "growing": [],  # Kring only: the baselines keep no room state
    "scaling": [],  # Kring only (the baselines cannot shard): 2 Redis ÷ 1 Redis instead
}

#: scaling: 2 Redis ÷ 1 Redis of these (path)
SCALING_RATIOS = [
    ("deliv/s", "deliveries_per_s"),
    ("µs/frame", "server_cpu_us_per_frame"),
    ("redis µs/frame", "redis_cpu_us_per_frame"),
    ("p99", "latency_ms.p99"),
]

FLAT = 1.2  # growing: the last window's commands may cost this much more than the first's and count as flat


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    out = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    for r in rows:
        out.append("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))
    return out


def find(results: Iterable[Result], scenario: str, backend: str, kind: str) -> Result | None:
    for r in results:
        if r["scenario"] == scenario and r["backend"] == backend and r["kind"] == kind:
            return r
    return None


def _name(r: Result) -> str:
    name = LABELS.get(r["kind"], r["kind"])
    if r.get("scenario") in SHARDED:
        name += f", {r.get('shards', 1)} Redis"
    if not r.get("ok"):
        name += " FAILED"
    elif r.get("generator_bound"):
        name += " (gen-bound)"
    return name


#: scenarios that run once per number of Redis servers (their rows say how many)
SHARDED = {name for name, sc in STANDARD.items() if len(sc.shards) > 1}


def commits_note(r: Result) -> str | None:
    """Kring on Redis: its commits over the whole run and how many lost a race, from the
    servers' shutdown lines (bench.scenarios.commit_counts)."""
    c = r.get("redis_commits")
    if r.get("kind") != "kring" or r.get("backend") != "redis":
        return None
    if not c:
        return "Kring's commits: no count in the log (did the servers shut down gracefully?)"
    share = _fmt(c.get("lost_share"), -2)
    note = f"commits (whole run, set-up included): {c['commits']:,}, {c['lost_races']:,} lost a race ({share})"
    if len(c.get("per_server", {})) > 1:
        note += "; per Redis: " + ", ".join(
            f"{url.split('//')[-1]} {p['commits']:,} / {p['lost_races']:,}" for url, p in c["per_server"].items()
        )
    if c.get("missing"):
        note += f"; {c['missing']} line(s) missing: a process did not shut down gracefully"
    return note


def redis_notes(r: Result) -> list[str]:
    """Per Redis server over the measured part: CPU per command and per script call, rooms."""
    out = []
    for srv in r.get("redis_servers", []):
        out.append(
            f"{srv['url'].split('//')[-1]}: {_fmt(srv.get('cpu_us_per_command'), 1)} µs Redis CPU per command "
            f"({srv['commands']:,} commands), {_fmt(srv.get('cpu_us_per_script_call'), 1)} µs per script call "
            f"({srv['script_calls']:,}: commits, loads), {srv['rooms']} rooms "
            f"(kring:rooms {srv['rooms_index']})"
        )
    return out


def render(results: list[Result], titles: dict[str, str] | None = None) -> list[str]:
    lines: list[str] = []
    seen = []
    for r in results:
        key = (r["scenario"], r["backend"])
        if key not in seen:
            seen.append(key)
    titles = titles or {}
    for scenario, backend in seen:
        sc = STANDARD.get(scenario)
        # the kinds run in rotating order (bench/__main__.py); the table lists them in one
        group = sorted(
            (r for r in results if r["scenario"] == scenario and r["backend"] == backend),
            key=lambda r: (ORDER.get(r["kind"], len(ORDER)), r.get("shards", 1)),
        )
        shape = sc.kind if sc else "load"
        cols = COLUMNS["load" if shape == "load" else shape]
        place = next((r.get("placement") for r in group if r.get("placement")), "")
        lines.append("")
        title = titles.get(scenario) or (sc.title if sc else scenario)
        lines.append(f"== {title} · {backend} ({place})")
        if shape == "growing":
            lines += render_growing(group)
            continue
        rows = [[_name(r), *(_fmt(_get(r, path), digits) for _, path, digits in cols)] for r in group]
        lines += _table(["server", *(h for h, _, _ in cols)], rows)
        kring = find(group, scenario, backend, "kring")
        if shape == "scaling":
            one = next((r for r in group if r["kind"] == "kring" and r.get("shards") == 1), None)
            two = next((r for r in group if r["kind"] == "kring" and r.get("shards") == 2), None)
            if one is not None and two is not None:
                label = "2 Redis ÷ 1 Redis" + ("" if one.get("ok") and two.get("ok") else " (a run FAILED)")
                rrow = [label, *(_ratio_str(_get(two, p), _get(one, p)) for _, p in SCALING_RATIOS)]
                lines += ["  " + ln for ln in _table(["ratio", *(h for h, _ in SCALING_RATIOS)], [rrow])]
        elif kring is not None:
            ratio_cols = RATIOS["load" if shape == "load" else shape]
            rrows = []
            for base in BASELINES:
                other = find(group, scenario, backend, base)
                if other is None:
                    continue
                # a ratio against a failed run is printed, but marked: no target counts it
                label = f"Kring ÷ {LABELS[base]}" + ("" if other.get("ok") else " (its run FAILED: not judged)")
                rrows.append([label, *(_ratio_str(_get(kring, p), _get(other, p)) for _, p in ratio_cols)])
            if rrows:
                lines += ["  " + ln for ln in _table(["ratio", *(h for h, _ in ratio_cols)], rrows)]
        for r in group:
            note = commits_note(r)
            if note:
                lines.append(f"  {_name(r)}: {note}")
            if shape == "scaling":
                lines += [f"  {_name(r)}: {n}" for n in redis_notes(r)]
                empty = [x["url"] for x in r.get("redis_servers", []) if not x["rooms"]]
                if len(r.get("redis_servers", [])) > 1 and empty:
                    lines.append(f"  ! {_name(r)}: no rooms on {', '.join(empty)}: did the server shard its rooms?")
        lines += _failures(group)
    return lines


def _failures(group: list[Result]) -> list[str]:
    lines = []
    for r in group:
        for f in r.get("failures", [])[:3]:
            lines.append(f"  ! {LABELS.get(r['kind'], r['kind'])}: {f}")
        if not r.get("ok") and not r.get("failures"):
            lines.append(f"  ! {LABELS.get(r['kind'], r['kind'])}: lost {r.get('lost')} of {r.get('expected')}")
    return lines


def render_growing(group: list[Result]) -> list[str]:
    """Kring's growing rooms: a row per window (the first and last of the questions round,
    the cards), then the growth and which bytes the target judges."""
    cols = COLUMNS["growing"]
    lines = []
    for r in group:
        rows = [
            [f"{_name(r)} {w}", *(_fmt(_get(r.get(w), path), digits) for _, path, digits in cols)]
            for w in ("first", "last", "cards")
            if isinstance(r.get(w), dict)
        ]
        if rows:
            lines += _table(["window", *(h for h, _, _ in cols)], rows)
        lines.append(
            f"  last ÷ first per command: Redis in {_fmt(r.get('redis_in_growth'), 2)}×, "
            f"AOF {_fmt(r.get('aof_growth'), 2)}×; with the snapshots at their share: Redis in "
            f"{_fmt(r.get('amortized_redis_in_growth'), 2)}×, AOF {_fmt(r.get('amortized_aof_growth'), 2)}× "
            f"(the target judges {r.get('redis_written', '–')}, amortized); snapshots per room over the run: "
            f"{r.get('snapshots_per_room')}"
        )
        note = commits_note(r)
        if note:
            lines.append(f"  {note}")
    return lines + _failures(group)


# ---------------------------------------------------------------------- targets


def _each_backend(
    results: list[Result], scenario: str, fn: Callable[[Result, str], tuple[bool | None, str]]
) -> tuple[bool | None, list[str]]:
    verdicts, notes = [], []
    for backend in ("memory", "redis"):
        r = find(results, scenario, backend, "kring")
        if r is None:
            continue
        v, note = fn(r, backend)
        verdicts.append(v)
        notes.append(f"{backend}: {note}")
    if any(v is False for v in verdicts):
        return False, notes
    if not verdicts or any(v is None for v in verdicts):
        return None, notes
    return True, notes


def unjudged(kring: Result, baseline: Result | None, *, achieved: bool = False) -> tuple[bool | None, str] | None:
    """Why a ratio of Kring to `baseline` cannot be judged, as a verdict (None) and a note;
    None when it can. A ratio counts only against a baseline whose own run succeeded: a
    failed or partial run of it measured something else (a server that lost events or fell
    over does less work). A failed Kring run is judged: it does not meet the target. With
    `achieved` (a rate the run reached, not a cost), a run whose generator was the limit
    says nothing about the server on either side, so it is not judged either."""
    if baseline is None:
        return None, "not judged: no baseline run"
    label = LABELS.get(baseline["kind"], baseline["kind"])
    if not kring.get("ok"):
        return False, "Kring's run failed"
    if not baseline.get("ok"):
        return None, f"not judged: the {label} run failed"
    if achieved:
        bound = [LABELS.get(x["kind"], x["kind"]) for x in (kring, baseline) if x.get("generator_bound")]
        if bound:
            return None, f"not judged: the generator was the limit ({' and '.join(bound)} run gen-bound)"
    return None


def compare(
    results: list[Result],
    scenario: str,
    backend: str,
    baseline: str,
    path: str,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    achieved: bool = False,
    what: str = "",
) -> tuple[bool | None, str]:
    """One part of a target: Kring ÷ `baseline` of the figure at `path` in `scenario` on
    `backend`, at most `at_most` (a cost) or at least `at_least` (a rate); judged only when
    the baseline's own run succeeded (`unjudged`). None and a note when it cannot be judged."""
    kring = find(results, scenario, backend, "kring")
    if kring is None:
        return None, "not judged: no Kring run"
    other = find(results, scenario, backend, baseline)
    label = LABELS.get(baseline, baseline)
    if (why := unjudged(kring, other, achieved=achieved)) is not None:
        return why
    a, b = _get(kring, path), _get(other, path)
    q = ratio(a, b)
    if q is None:
        return None, "not judged: no figure"
    digits = 2 if isinstance(b, int | float) and abs(b) < 100 else 0
    note = f"{q:.2f}× {label}'s {what or path} ({_fmt(a, digits)} vs {_fmt(b, digits)})"
    if at_most is not None:
        return q <= at_most, note + f", target ≤ {at_most}×"
    assert at_least is not None
    return q >= at_least, note + f", target ≥ {at_least}×"


def targets(results: list[Result]) -> list[dict[str, Any]]:
    """The targets of issue 15 (bench/README.md, Targets), and the older ones it keeps."""
    out: list[dict[str, Any]] = []

    def add(target: str, parts: list[tuple[str, tuple[bool | None, str]]]) -> None:
        # a target whose scenarios did not run is left out
        parts = [(where, vn) for where, vn in parts if vn[1] != "not judged: no Kring run"]
        if parts:
            out.append(_verdict(target, [v for _, (v, _) in parts], [f"{w}: {n}" for w, (_, n) in parts]))

    cpu = "server_cpu_us_per_frame"
    add(
        "50 × 12 at 1,000 events/s through Redis: CPU per frame ≤ 1.3× the floor's",
        [("rooms redis", compare(results, "rooms", "redis", "floor", cpu, at_most=1.3, what="µs per frame"))],
    )
    add(
        "50 × 12 at 1,000 events/s through Redis: p99 ≤ 3× the floor's p99",
        [("rooms redis", compare(results, "rooms", "redis", "floor", "latency_ms.p99", at_most=3.0, what="p99 ms"))],
    )
    add(
        "50 × 12 at 1,000 events/s through Redis: ≥ 1.8× python-socketio's deliveries per CPU-second",
        [
            (
                "rooms redis",
                compare(
                    results, "rooms", "redis", "socketio", "deliveries_per_server_cpu_s",
                    at_least=1.8, what="deliveries per server CPU-second",
                ),
            )
        ],
    )  # fmt: skip
    add(
        "closed loop through Redis: ≥ 0.6× the floor's deliveries/s",
        [
            (
                "saturation redis",
                compare(
                    results, "saturation", "redis", "floor", "deliveries_per_s",
                    at_least=0.6, achieved=True, what="deliveries/s",
                ),
            )
        ],
    )  # fmt: skip
    add(
        "joins through Redis: ≥ 0.7× the floor's connects/s",
        [
            (
                "idle redis",
                compare(results, "idle", "redis", "floor", "connects_per_s", at_least=0.7, what="connects/s"),
            )
        ],
    )
    add(
        "memory backend: CPU per frame ≤ 1.2× the floor's (equal GC settings)",
        [
            (f"{s} memory", compare(results, s, "memory", "floor", cpu, at_most=1.2, what="µs per frame"))
            for s in ("rooms", "big-room")
        ],
    )
    r = find(results, "growing", "redis", "kring")
    if r is not None:
        v, note = growing(r)
        out.append(
            _verdict(
                f"growing rooms: Redis bytes written per command ≤ 2× the events it stores, and flat "
                f"(the last window ≤ {FLAT}× the first)",
                [v],
                [f"redis: {note}"],
            )
        )

    # kept from before issue 15 (bench/README.md, Targets): absolute figures it gives no new value for
    def p99_under(limit: float) -> Callable[[Result, str], tuple[bool | None, str]]:
        def check(r: Result, backend: str) -> tuple[bool | None, str]:
            p99 = _get(r, "latency_ms.p99")
            if p99 is None or not r.get("ok"):
                return False, f"p99 {p99} ms" + ("" if r.get("ok") else " (run failed)")
            return p99 <= limit, f"p99 {p99} ms"

        return check

    v, n = _each_backend(results, "big-room", p99_under(150.0))
    if n:
        out.append(_verdict("1 × 1,000 at 10 events/s: p99 ≤ 150 ms", [v], n))

    def slow(r: Result, backend: str) -> tuple[bool | None, str]:
        before, during = _get(r, "latency_ms.p99"), _get(r, "latency_stalled_ms.p99")
        dropped = r.get("slow_dropped_after_s")
        if before is None or during is None:
            return None, "no figure"
        unmoved = during <= 1.5 * before + 1.0
        gone = f"dropped after {dropped} s" if dropped is not None else "not dropped"
        return unmoved and dropped is not None and r.get("ok", False), f"others' p99 {before} → {during} ms; {gone}"

    v, n = _each_backend(results, "slow", slow)
    if n:
        out.append(_verdict("a stalled reader is dropped and the others' p99 does not move (≤ 1.5× + 1 ms)", [v], n))

    def rss(r: Result, backend: str) -> tuple[bool | None, str]:
        kb = r.get("rss_kb_per_connection")
        if kb is None:
            return None, "no figure"
        return kb <= 35, f"{kb} KB per idle connection"

    v, n = _each_backend(results, "idle", rss)
    if n:
        out.append(_verdict("≤ 35 KB RSS per idle connection", [v], n))
    return out


def written(w: dict[str, Any] | None) -> tuple[float | None, str]:
    """What a growing window's commands wrote to Redis, per command, with the snapshots at
    their fair share (bench.scenarios.snapshot_share): the append-only file's growth when
    Redis ran with it (`--redis-durable`), else what Redis received."""
    if not isinstance(w, dict):
        return None, ""
    if w.get("amortized_aof_bytes_per_command") is not None:
        return w["amortized_aof_bytes_per_command"], "AOF"
    return w.get("amortized_redis_in_bytes_per_command"), "net input"


def growing(r: Result) -> tuple[bool | None, str]:
    """The issue-15 target for a room that fills: what each command writes to Redis, with
    the snapshots at their fair share, stays within twice the events it stores (the packed
    events in the room's stream, read back with XRANGE), in the first and in the last
    window of the questions round, and does not grow with the room (the last window at
    most FLAT× the first)."""
    if not r.get("ok"):
        return False, "Kring's run failed"
    first, last = r.get("first"), r.get("last")
    (a, which), (b, _) = written(first), written(last)
    ev_a, ev_b = _get(r, "first.stored_event_bytes_per_command"), _get(r, "last.stored_event_bytes_per_command")
    if not a or not b or not ev_a or not ev_b:
        return None, "not judged: no figure"
    flat = b <= FLAT * a
    small = a <= 2 * ev_a and b <= 2 * ev_b
    n_first, n_last = _get(r, "first.commands_per_room"), _get(r, "last.commands_per_room")
    note = (
        f"{which}, snapshots at their share: {a:,} → {b:,} B per command over the first and last "
        f"{n_first} / {n_last} commands of a room ({b / a:.2f}×); stored events {ev_a:,} / {ev_b:,} B per command "
        f"({a / ev_a:.2f}× / {b / ev_b:.2f}×); snapshots written in the windows {_get(r, 'first.snapshots')} / "
        f"{_get(r, 'last.snapshots')}; stored state {_get(r, 'first.state_bytes')} → {_get(r, 'last.state_bytes')} B"
    )
    estimated = (_get(r, "last.snapshot_share_estimated_events") or 0) + (
        _get(r, "first.snapshot_share_estimated_events") or 0
    )
    if estimated:
        note += (
            f" ({estimated} events charged at an estimated rate: the last closed snapshot cycle's, or where none"
            " closed, the room's size at the window's end over the snapshot interval)"
        )
    return flat and small, note


def _verdict(target: str, verdicts: list[bool | None], notes: list[str]) -> dict[str, Any]:
    """Met only when every part was judged and met; not met when any judged part missed;
    otherwise not judged (a part that could not be judged never counts as met)."""
    met: bool | None
    if any(v is False for v in verdicts):
        met = False
    elif not verdicts or any(v is None for v in verdicts):
        met = None
    else:
        met = True
    return {"target": target, "met": met, "figures": notes}


def render_targets(items: list[dict[str, Any]]) -> list[str]:
    lines = ["", "== Targets (bench/README.md)"]
    for t in items:
        word = {True: "MET", False: "NOT MET", None: "not judged"}[t["met"]]
        lines.append(f"{word:>12}  {t['target']}")
        for note in t["figures"]:
            lines.append(f"{'':>14}{note}")
    return lines
