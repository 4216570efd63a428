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
        ("srv CPU%", "server_cpu_pct", 0),
        ("gen CPU%", "generator_cpu_pct", 0),
        ("gen µs/frame", "generator_cpu_us_per_frame", 1),
    ],
    "growing": [
        ("Redis B/cmd first 20", "first.redis_in_bytes_per_command", 0),
        ("last 20", "last.redis_in_bytes_per_command", 0),
        ("last ÷ first", "redis_in_growth", 2),
        ("AOF B/cmd first 20", "first.aof_bytes_per_command", 0),
        ("last 20", "last.aof_bytes_per_command", 0),
        ("event B/cmd first", "first.event_bytes_per_command", 0),
        ("last", "last.event_bytes_per_command", 0),
        ("state B after first", "first.state_bytes", 0),
        ("after last", "last.state_bytes", 0),
        ("cards: Redis B/cmd", "cards.redis_in_bytes_per_command", 0),
        ("AOF B/cmd", "cards.aof_bytes_per_command", 0),
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
}

FLAT = 1.2  # growing: the last 20 commands may cost this much more than the first 20 and count as flat


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
            key=lambda r: ORDER.get(r["kind"], len(ORDER)),
        )
        shape = sc.kind if sc else "load"
        cols = COLUMNS["load" if shape == "load" else shape]
        place = next((r.get("placement") for r in group if r.get("placement")), "")
        lines.append("")
        title = titles.get(scenario) or (sc.title if sc else scenario)
        lines.append(f"== {title} · {backend} ({place})")
        rows = []
        for r in group:
            name = LABELS.get(r["kind"], r["kind"])
            if not r.get("ok"):
                name += " FAILED"
            elif r.get("generator_bound"):
                name += " (gen-bound)"
            rows.append([name, *(_fmt(_get(r, path), digits) for _, path, digits in cols)])
        lines += _table(["server", *(h for h, _, _ in cols)], rows)
        kring = find(group, scenario, backend, "kring")
        if kring is not None:
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
            for f in r.get("failures", [])[:3]:
                lines.append(f"  ! {LABELS.get(r['kind'], r['kind'])}: {f}")
            if not r.get("ok") and not r.get("failures"):
                lines.append(f"  ! {LABELS.get(r['kind'], r['kind'])}: lost {r.get('lost')} of {r.get('expected')}")
    return lines


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


def targets(results: list[Result]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def cpu_vs_floor(r: Result, backend: str, scenario: str) -> tuple[bool | None, str]:
        floor = find(results, scenario, backend, "floor")
        if (why := unjudged(r, floor)) is not None:
            return why
        q = ratio(r.get("server_cpu_us_per_frame"), _get(floor, "server_cpu_us_per_frame"))
        if q is None:
            return None, "not judged: no figure"
        # the type: ignore: q is a number only when both figures are there
        return q <= 1.5, f"{q:.2f}× ({r['server_cpu_us_per_frame']} vs {floor['server_cpu_us_per_frame']} µs)"  # type: ignore[index]

    verdicts, notes = [], []
    for scenario in ("rooms", "big-room"):
        v, n = _each_backend(results, scenario, lambda r, b, s=scenario: cpu_vs_floor(r, b, s))
        if n:
            verdicts.append(v)
            notes += [f"{scenario} {x}" for x in n]
    if notes:  # a target whose scenarios did not run is left out
        out.append(
            _verdict("CPU per delivered frame ≤ 1.5× the floor (every load scenario, both backends)", verdicts, notes)
        )

    def vs_socketio(r: Result, backend: str) -> tuple[bool | None, str]:
        sio = find(results, "rooms", backend, "socketio")
        if (why := unjudged(r, sio)) is not None:
            return why
        q = ratio(r.get("deliveries_per_server_cpu_s"), _get(sio, "deliveries_per_server_cpu_s"))
        if q is None:
            return None, "not judged: no figure"
        return q >= 3, f"{q:.2f}× deliveries per server CPU-second at 1,000 events/s"

    v1, n1 = _each_backend(results, "rooms", vs_socketio)

    def sat(r: Result, backend: str) -> tuple[bool | None, str]:
        sio = find(results, "saturation", backend, "socketio")
        if (why := unjudged(r, sio, achieved=True)) is not None:
            return why
        q = ratio(r.get("deliveries_per_s"), _get(sio, "deliveries_per_s"))
        if q is None:
            return None, "not judged: no figure"
        return q >= 3, f"{q:.2f}× deliveries/s at saturation"

    v2, n2 = _each_backend(results, "saturation", sat)
    if n1 or n2:
        parts = ([v1] if n1 else []) + ([v2] if n2 else [])
        out.append(_verdict("≥ 3× the deliveries/s of python-socketio", parts, n1 + n2))

    def p99_under(limit: float) -> Callable[[Result, str], tuple[bool | None, str]]:
        def check(r: Result, backend: str) -> tuple[bool | None, str]:
            p99 = _get(r, "latency_ms.p99")
            if p99 is None or not r.get("ok"):
                return False, f"p99 {p99} ms" + ("" if r.get("ok") else " (run failed)")
            return p99 <= limit, f"p99 {p99} ms"

        return check

    r = find(results, "rooms", "redis", "kring")
    if r is not None:
        v, n = p99_under(5.0)(r, "redis")
        out.append(_verdict("50 × 12 at 1,000 events/s through Redis: p99 ≤ 5 ms", [v], [f"redis: {n}"]))
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

    r = find(results, "growing", "redis", "kring")
    if r is not None:
        v, note = growing(r)
        out.append(
            _verdict(
                f"growing rooms: Redis bytes per command ≤ 2× the events' and flat (last 20 ≤ {FLAT}× first 20)",
                [v],
                [f"redis: {note}"],
            )
        )
    return out


def growing(r: Result) -> tuple[bool | None, str]:
    """The issue-15 target for a room that fills: what Redis receives per command stays
    within twice the event frames those commands made, and does not grow with the room.
    The event frames are those the facilitator receives (what is committed also holds
    fields no one is sent, e.g. an anonymous author's key, so they are a lower bound)."""
    if not r.get("ok"):
        return False, "Kring's run failed"
    first, last = _get(r, "first.redis_in_bytes_per_command"), _get(r, "last.redis_in_bytes_per_command")
    ev = _get(r, "last.event_bytes_per_command")
    if not first or not last or not ev:
        return None, "not judged: no figure"
    flat = last <= FLAT * first
    small = last <= 2 * ev
    aof = ""
    if _get(r, "first.aof_bytes_per_command") is not None:
        aof = f"; AOF {_get(r, 'first.aof_bytes_per_command')} → {_get(r, 'last.aof_bytes_per_command')} B"
    note = (
        f"{first} → {last} B per command into Redis over the first and last 20 ({last / first:.2f}×), "
        f"events {ev} B per command ({last / ev:.1f}×); stored state {_get(r, 'first.state_bytes')} → "
        f"{_get(r, 'last.state_bytes')} B{aof}"
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
