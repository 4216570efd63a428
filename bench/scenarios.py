"""The scenarios of the standard set, and how one of them runs against one server kind
on one backend. Each run starts its own server processes (and redis-server), so runs do
not share heaps, caches or rooms."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import re
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis

from server.backends.redis import SNAPSHOT_EVERY

from .kinds import KINDS
from .load import SENDER_GAP_NS, Kind, Recorder, Room, closed_loop, drain, paced
from .procs import Service, generator_cpu, service
from .profile import Profiler

GENERATOR_BOUND = 0.85  # the generator's CPU share above which it, not the server, limits a run


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    kind: str  # "load", "slow", "idle", "saturation", "growing" or "scaling"
    rooms: int = 1
    size: int = 12  # connections per room (Kring: facilitator + inbrenger + group)
    rate: float = 0.0  # events per second, all rooms together
    warmup: float = 1.5
    seconds: float = 8.0  # measured (slow: the part with everyone reading; the stall follows)
    askers: int = 10  # per room
    question_chars: int = 0  # length of a question's text (0: an ordinary question, ~80)
    sndbuf: int = 0  # cap on the servers' kernel send buffer per connection (0: the kernel's)
    stall: float = 0.0  # slow: seconds the slow member stops reading, after `seconds` of reading
    steps: int = 0  # growing: commands per room in the questions round (not scaled)
    window: int = 0  # growing: commands per room in each window compared (the first and the last)
    kinds: tuple[str, ...] = ()  # the server kinds that can run it (empty: every kind)
    backends: tuple[str, ...] = ()  # the backends it runs on (empty: every backend)
    shards: tuple[int, ...] = (1,)  # scaling: run once per number of Redis servers here
    #: every connection of a room on one process (as a balancer that hashes on the
    #: websocket URL's ?room= does, protocol/routing.py), instead of spread over all
    affinity: bool = False

    @property
    def phase_every(self) -> int:
        """A phase change is one slot in this many: about 10% of a room's events, at most
        4 a second per room (a facilitator clicking fast)."""
        per_room = self.rate / self.rooms if self.rate else 20.0
        return max(10, math.ceil(per_room / 4))

    def scaled(self, factor: float) -> Scenario:
        d = asdict(self)
        d["seconds"] = max(1.0, self.seconds * factor)  # the stall is not scaled: the buffers take their time
        d["warmup"] = max(0.5, self.warmup * min(1.0, factor))
        return Scenario(**d)


STANDARD: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("rooms", "50 rooms × 12 at 1,000 events/s", "load", rooms=50, size=12, rate=1000, seconds=5),
        Scenario("big-room", "1 room × 1,000 at 10 events/s", "load", rooms=1, size=1000, rate=10, seconds=8),
        Scenario(
            "slow", "a slow client in a busy room (1 × 30 at 200 events/s)", "slow",
            size=30, rate=200, seconds=5, stall=12, askers=28, question_chars=500, sndbuf=65536,
        ),
        Scenario("idle", "5,000 idle connections (rooms of 10)", "idle", rooms=500, size=10),
        Scenario(
            "saturation", "50 rooms × 12, closed loop (each sender ≤ 18/s)", "saturation",
            rooms=50, size=12, seconds=4,
        ),
        Scenario(
            "affinity", "50 rooms × 12, closed loop, each room on one process (?room= routing)", "saturation",
            rooms=50, size=12, seconds=4, affinity=True, kinds=("kring", "floor"), backends=("redis",),
        ),
        Scenario(
            "growing", "4 rooms × 8 growing as a session does (300 questions and notes, then role cards)",
            "growing", rooms=4, size=8, steps=300, window=100, kinds=("kring",), backends=("redis",),
        ),
        Scenario(
            "scaling", "50 rooms × 12 at 1,000 events/s, 2 Kring processes on 1 and on 2 Redis servers",
            "scaling", rooms=50, size=12, rate=1000, seconds=5, kinds=("kring",), backends=("redis",), shards=(1, 2),
        ),
    )
}  # fmt: skip


def rotation(kinds: list[str], n: int) -> list[str]:
    """The kinds turned by n. A bench run turns them by scenario index + backend index, so
    that on each backend each kind goes first (on a machine that is warm, cold, or busy
    with something else) in turn. Deterministic, so a run can be repeated in the same
    order."""
    if not kinds:
        return []
    k = n % len(kinds)
    return kinds[k:] + kinds[:k]


def processes_for(backend: str) -> int:
    return 2 if backend == "redis" else 1


class Window:
    """CPU and wall clock over the measured part of a run."""

    def __init__(self, svc: Service, rooms: list[Room]):
        self.svc, self.rooms = svc, rooms
        self.wall = time.monotonic()
        self.cpu = svc.cpu()
        self.redis = svc.redis_cpu()
        self.gen = generator_cpu()
        self.fired = sum(r.fired for r in rooms)

    def close(self) -> dict[str, float]:
        wall = time.monotonic() - self.wall
        return {
            "wall": wall,
            "server_cpu": self.svc.cpu() - self.cpu,
            "redis_cpu": self.svc.redis_cpu() - self.redis,
            "generator_cpu": generator_cpu() - self.gen,
            "fired": sum(r.fired for r in self.rooms) - self.fired,
        }


def percentiles(values: Any) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None}
    s = sorted(values)
    n = len(s)

    def at(q: float) -> float:
        return round(s[min(n - 1, math.ceil(q * n) - 1)] / 1e6, 3)

    return {"n": n, "p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": round(s[-1] / 1e6, 3)}


def _figures(
    rec: Recorder, rooms: list[Room], win: dict[str, float], send_seconds: float, drained: bool
) -> dict[str, Any]:
    expected = sum(r.expected for r in rooms)
    received = sum(r.received for r in rooms)
    frames = rec.delivered
    out: dict[str, Any] = {
        "events_per_s": round(win["fired"] / send_seconds, 1) if send_seconds else None,
        "skipped_slots": rec.skipped,
        "expected": expected,
        "received": received,
        "lost": max(0, expected - received),
        "drained": drained,
        "delivered": frames,
        "deliveries_per_s": round(frames / send_seconds, 1) if send_seconds else None,
        "latency_ms": percentiles(rec.latencies),
        "bytes_per_frame": round(rec.bytes / frames, 1) if frames else None,
        "server_cpu_pct": round(100 * win["server_cpu"] / win["wall"], 1),
        "redis_cpu_pct": round(100 * win["redis_cpu"] / win["wall"], 1),
        "generator_cpu_pct": round(100 * win["generator_cpu"] / win["wall"], 1),
        "server_cpu_us_per_frame": round(1e6 * win["server_cpu"] / frames, 2) if frames else None,
        "redis_cpu_us_per_frame": round(1e6 * win["redis_cpu"] / frames, 2) if frames else None,
        "deliveries_per_server_cpu_s": round(frames / win["server_cpu"]) if win["server_cpu"] > 0 else None,
        # the generator's whole CPU (sending, acks, bookkeeping) per delivery it received
        "generator_cpu_us_per_frame": round(1e6 * win["generator_cpu"] / frames, 2) if frames else None,
    }
    out["generator_bound"] = win["generator_cpu"] / win["wall"] >= GENERATOR_BOUND
    return out


async def _warm_mark(rec: Recorder, delay: float, box: dict[str, Any], svc: Service, rooms: list[Room]) -> None:
    await asyncio.sleep(delay)
    rec.measure_from = time.monotonic_ns()
    box["window"] = Window(svc, rooms)
    if svc.profiler is not None:
        svc.profiler.start(box["seconds"])
    if svc.redises and box.get("redis_stats"):
        box["redis0"] = await redis_stats(svc.redis_urls)


async def redis_stats(urls: list[str]) -> list[dict[str, Any]]:
    """Per Redis server: its CPU seconds (INFO cpu, user + system), the commands it has run
    (INFO commandstats: all calls but the bench's own INFO, and apart the script calls,
    EVALSHA and EVAL, which are Kring's commits, loads and creates; the commands a
    script runs count as calls too) and the rooms it holds (`kring:{*}:room` keys; and
    the `kring:rooms` index's size)."""
    out = []
    for url in urls:
        r = aioredis.Redis.from_url(url)
        try:
            cpu, cmds = await r.info("cpu"), await r.info("commandstats")
            rooms = 0
            async for _ in r.scan_iter(match="kring:{*}:room", count=1000):
                rooms += 1
            out.append(
                {
                    "url": url,
                    "cpu_s": float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]),
                    "calls": sum(v["calls"] for k, v in cmds.items() if k != "cmdstat_info"),
                    "scripts": sum(cmds.get(k, {}).get("calls", 0) for k in ("cmdstat_evalsha", "cmdstat_eval")),
                    "rooms": rooms,
                    "rooms_index": await r.zcard("kring:rooms"),
                }
            )
        finally:
            await r.aclose()
    return out


def per_redis(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What each Redis server did over the measured part: CPU per command and per script
    call (a commit is one script call), and the rooms it held at the end."""
    out = []
    for a, b in zip(before, after, strict=True):
        cpu, calls, scripts = b["cpu_s"] - a["cpu_s"], b["calls"] - a["calls"], b["scripts"] - a["scripts"]
        out.append(
            {
                "url": b["url"],
                "cpu_s": round(cpu, 3),
                "commands": calls,
                "script_calls": scripts,
                "cpu_us_per_command": round(1e6 * cpu / calls, 2) if calls else None,
                "cpu_us_per_script_call": round(1e6 * cpu / scripts, 2) if scripts else None,
                "rooms": b["rooms"],
                "rooms_index": b["rooms_index"],
            }
        )
    return out


def _profile(svc: Service, out: dict[str, Any]) -> None:
    if svc.profiler is not None:
        out["profile"] = svc.profiler.finish()


async def run_load(kind: Kind, svc: Service, sc: Scenario, concurrency: int) -> dict[str, Any]:
    rec = kind.rec
    rooms = [Room(i, phase_every=sc.phase_every) for i in range(sc.rooms)]
    t0, cpu0 = time.monotonic(), svc.cpu()
    await kind.setup(rooms, svc.bases, sc.size, concurrency, affinity=sc.affinity)
    setup = {"setup_s": round(time.monotonic() - t0, 2), "setup_server_cpu_s": round(svc.cpu() - cpu0, 2)}
    kind.start_tracking(rooms)
    gc.collect()
    box: dict[str, Any] = {"seconds": sc.seconds, "redis_stats": True}
    mark = asyncio.create_task(_warm_mark(rec, sc.warmup, box, svc, rooms))
    if sc.kind == "saturation":
        await closed_loop(kind, rooms, sc.warmup + sc.seconds)
    else:
        await paced(kind, rooms, sc.rate, sc.warmup + sc.seconds)
    await mark
    send_seconds = time.monotonic() - box["window"].wall
    drained = await drain(rooms, timeout=max(10.0, sc.seconds))
    win = box["window"].close()
    out = {**_figures(rec, rooms, win, send_seconds, drained), **setup, "rate_target": sc.rate or None}
    if "redis0" in box:
        # after the drain: the window's commands have all run
        out["redis_servers"] = per_redis(box["redis0"], await redis_stats(svc.redis_urls))
    _profile(svc, out)
    await _close_all(rooms)
    return out


async def run_slow(kind: Kind, svc: Service, sc: Scenario, concurrency: int) -> dict[str, Any]:
    """A busy room; after `seconds` one member stops reading for `stall` seconds. The
    others' latencies before and during the stall are kept apart."""
    rec = kind.rec
    rooms = [Room(0, phase_every=sc.phase_every)]
    await kind.setup(rooms, svc.bases, sc.size, concurrency)
    slow = await kind.join(kind.ws_url(svc.bases[0]), rooms[0], "Slaper", counted=False, rcvbuf=4096)
    rooms[0].members.append(slow)
    await kind.settle(rooms)
    kind.start_tracking(rooms)
    box: dict[str, Any] = {"seconds": sc.seconds + sc.stall}
    mark = asyncio.create_task(_warm_mark(rec, sc.warmup, box, svc, rooms))
    load = asyncio.create_task(paced(kind, rooms, sc.rate, sc.warmup + sc.seconds + sc.stall))
    await mark
    rss_at_start = svc.rss()
    await asyncio.sleep(sc.seconds)
    rss_at_pause = svc.rss()
    rec.split_at = time.monotonic_ns()
    slow.pause()
    paused_at = time.monotonic()
    port = slow.transport.get_extra_info("sockname")[1]  # type: ignore[union-attr]  # connected by now
    dropped_after = None
    while not load.done():
        # dropped = no server process holds a socket to it any more; the close (and FIN)
        # wait behind the unread data, so the stalled client itself cannot tell yet
        if dropped_after is None and not svc.holds(port):
            dropped_after = round(time.monotonic() - paused_at, 2)
        await asyncio.sleep(0.2)
    await load
    rss_end = svc.rss()
    slow.resume()  # read the backlog: the close frame at its end says why
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(slow.closed), 2)
    send_seconds = time.monotonic() - box["window"].wall
    drained = await drain(rooms, timeout=max(10.0, sc.seconds))
    win = box["window"].close()
    out = _figures(rec, rooms, win, send_seconds, drained)
    out["latency_ms"] = percentiles(rec.latencies)
    out["latency_stalled_ms"] = percentiles(rec.after)
    out["slow_dropped_after_s"] = dropped_after
    out["slow_close_code"] = slow.close_code
    # the server's memory grows anyway (Kring keeps a room's last events for resume); what
    # a stalled reader costs shows as the difference between the two rates
    out["rss_growth_reading_kb_s"] = round((rss_at_pause - rss_at_start) / 1024 / sc.seconds, 1)
    out["rss_growth_stalled_kb_s"] = round((rss_end - rss_at_pause) / 1024 / sc.stall, 1)
    out["rate_target"] = sc.rate
    _profile(svc, out)
    await _close_all(rooms)
    return out


async def run_idle(kind: Kind, svc: Service, sc: Scenario, concurrency: int) -> dict[str, Any]:
    """Connections that join a room and then only listen: memory per connection and
    how fast they can arrive."""
    warm = [Room(0)]
    await kind.setup(warm, svc.bases, 2, 2, start=False)  # lazy imports and first-use caches
    await _close_all(warm)
    await asyncio.sleep(0.5)
    rss0 = svc.rss()
    rooms = [Room(i + 1) for i in range(sc.rooms)]
    await kind.create_rooms(rooms, svc.bases, concurrency)
    cpu0, t0 = svc.cpu(), time.monotonic()
    if svc.profiler is not None:  # the joins: about the first 5 s of them
        svc.profiler.start(5)
    await kind.setup(rooms, svc.bases, sc.size, concurrency, start=False)
    connect_s = time.monotonic() - t0
    connect_cpu = svc.cpu() - cpu0
    await kind.settle(rooms)
    await asyncio.sleep(2.0)  # idle: whatever follows a join has gone out
    rss1 = svc.rss()
    n = sc.rooms * sc.size
    out = {
        "connections": n,
        "connect_s": round(connect_s, 2),
        "connects_per_s": round(n / connect_s, 1),
        "server_cpu_us_per_connect": round(1e6 * connect_cpu / n, 1),
        "rss_before_mb": round(rss0 / 2**20, 1),
        "rss_after_mb": round(rss1 / 2**20, 1),
        "rss_kb_per_connection": round((rss1 - rss0) / n / 1024, 2),
        "received": 0,
        "expected": 0,
        "lost": 0,
    }
    _profile(svc, out)
    await _close_all(rooms)
    return out


async def _close_all(rooms: list[Room]) -> None:
    await asyncio.gather(*(ws.close() for r in rooms for ws in r.members), return_exceptions=True)


GROWING_TOML = (Path(__file__).parent / "method-growing.toml").read_text()
NOTE = "valt op dat de inbrenger twee keer 'eigenlijk' zegt als het over de teamleider gaat."


def growing_windows(steps: int, window: int) -> dict[str, tuple[int, int]]:
    """The two windows of the questions round the growing scenario compares, as command
    indexes [start, end): the first `window` commands of a room and the last `window`.
    They may overlap (a short round) but never reach past it."""
    window = max(1, min(window, steps))
    return {"first": (0, window), "last": (steps - window, steps)}


#: a snapshot this few events after the one before closes no cycle of its own: its bytes
#: join that one's (two processes may each write one at the same point: each counts the
#: events since the last snapshot from its own commits' replies)
SAME_POINT = 3


def snapshot_cycles(snaps: list[tuple[int, int]]) -> list[tuple[int, int, float]]:
    """A room's snapshot cycles, (from seq, to seq, snapshot bytes per event), from the
    snapshots seen, [(seq it is as of, bytes), …] in order, the one before the round first:
    the bytes of the snapshot(s) closing a cycle spread over its events."""
    points: list[list[int]] = []  # [seq, bytes] per group of snapshots at one point
    for seq, size in snaps:
        if points and seq - points[-1][0] <= SAME_POINT:
            points[-1] = [seq, points[-1][1] + size]
        else:
            points.append([seq, size])
    return [(lo, hi, size / (hi - lo)) for (lo, _), (hi, size) in zip(points, points[1:], strict=False)]


def snapshot_share(snaps: list[tuple[int, int]], a: int, b: int, rate: float | None = None) -> dict[str, Any]:
    """The snapshots of one room as seen by the bench (see snapshot_cycles) and a window of
    that room's events, seqs a+1 .. b. Returns `written`, the bytes of the snapshots written
    in the window, and `share`, the window's fair share of snapshot bytes: each event pays
    its cycle's snapshot bytes per event. Events in a cycle no snapshot has closed yet (at
    the end of the run) pay the last closed cycle's rate (`estimated` of them); with no
    closed cycle at all, `rate` (snapshot bytes per event, e.g. the room's size now over the
    backend's snapshot interval), or `share` is None without one."""
    written = sum(size for seq, size in snaps[1:] if a < seq <= b)
    cycles = snapshot_cycles(snaps)
    if not cycles:
        share = None if rate is None else rate * max(0, b - a)
        return {"written": written, "share": share, "estimated": max(0, b - a)}
    share = 0.0
    for lo, hi, rate in cycles:
        share += rate * max(0, min(hi, b) - max(lo, a))
    before, after = max(0, min(b, cycles[0][0]) - a), max(0, b - max(a, cycles[-1][1]))
    share += cycles[0][2] * before + cycles[-1][2] * after
    return {"written": written, "share": share, "estimated": before + after}


async def room_bytes(url: str, code: str) -> int:
    """The room as a snapshot written now would pack it: read as a Kring process reads it
    (its snapshot and the log after it, folded), packed as commit.lua would store it."""
    from server.backends.redis import RedisBackend
    from server.backends.redis_codec import pack_state

    backend = RedisBackend(url)
    try:
        state = await backend._fetch(code)
    finally:
        await backend.redis.aclose()
    return len(pack_state(state, state.applied)) if state is not None else 0


def per_command(a: dict[str, Any], b: dict[str, Any], commands: int, rooms: int) -> dict[str, Any]:
    """A growing window's figures from the probes at its start (`a`) and end (`b`), per
    command (`commands` per room, over `rooms` rooms): what Redis received, less the bytes
    of the bench's own polls; the growth of the append-only file; both also with the
    snapshots at their fair share (`amortized_…`: less the snapshots written in the
    window, plus the window's share of every snapshot, bench.scenarios.snapshot_share);
    the packed events the commits stored in the rooms' streams; the event frames the
    facilitator received; and their ratios."""
    cmds = commands * rooms
    w: dict[str, Any] = {
        "commands_per_room": commands,
        "commands": cmds,
        "event_bytes_per_command": round((b["event_bytes"] - a["event_bytes"]) / cmds),
    }
    if "net_in" in a:
        net = b["net_in"] - a["net_in"] - b.get("poll_bytes", 0) + a.get("poll_bytes", 0)
        w["redis_in_bytes_per_command"] = round(net / cmds)
        w["stored_event_bytes_per_command"] = round(b["stored"] / cmds)
        w["stored_events"] = b["stored_events"]
        w["state_bytes"] = round(sum(b["state"]) / rooms)
        aof = b["aof"] - a["aof"] if a.get("aof") is not None and b.get("aof") is not None else None
        if aof is not None:
            w["aof_bytes_per_command"] = round(aof / cmds)
        # a room none of whose snapshot cycles closed in the run pays what the next snapshot
        # would cost: the room's whole size now, over the backend's snapshot interval (an
        # upper bound for the window: the room only grows)
        rates = [size / SNAPSHOT_EVERY for size in b.get("room_bytes", [])] or [None] * rooms
        shares = [
            snapshot_share(snaps, x, y, rate)
            for snaps, x, y, rate in zip(b.get("snaps", []), a["seqs"], b["seqs"], rates, strict=False)
        ]
        w["snapshots"] = sum(1 for snaps, x, y in zip(b.get("snaps", []), a["seqs"], b["seqs"], strict=False)
                             for seq, _ in snaps[1:] if x < seq <= y)  # fmt: skip
        if shares and all(sh["share"] is not None for sh in shares):
            written = sum(sh["written"] for sh in shares)
            share = sum(sh["share"] for sh in shares)
            w["snapshot_bytes_written"] = written
            w["snapshot_share_per_command"] = round(share / cmds)
            w["snapshot_share_estimated_events"] = sum(sh["estimated"] for sh in shares)
            w["amortized_redis_in_bytes_per_command"] = round((net - written + share) / cmds)
            if aof is not None:
                w["amortized_aof_bytes_per_command"] = round((aof - written + share) / cmds)
        stored = w["stored_event_bytes_per_command"]
        if stored:
            for figure in ("redis_in", "aof", "amortized_redis_in", "amortized_aof"):
                if f"{figure}_bytes_per_command" in w:
                    w[f"{figure}_per_stored"] = round(w[f"{figure}_bytes_per_command"] / stored, 2)
    return w


async def run_growing(kind: Kind, svc: Service, sc: Scenario, concurrency: int) -> dict[str, Any]:
    """Rooms that fill as a session does, one command per room at a time: in the questions
    round the group (members 2..) asks questions that stay and writes a note every fifth
    command; then the facilitator moves on and puts the role cards on the table, and each
    member of the group draws one and writes a perspective from it. On Redis, per command,
    over the first and the last `window` commands of the questions round and over the
    cards: what Redis received (INFO stats total_net_input_bytes), with `--redis-durable`
    how much its append-only file grew (INFO persistence aof_current_size), the packed
    events those commands stored (XRANGE over the window's seqs in each room's stream,
    field `e`), the event frames they made, how many snapshots of the state the window
    holds (the room hash's `snap`, polled after every step; the polls' own bytes are taken
    off what Redis received) and the stored state after it. The windows are wide enough
    to hold several snapshots each (the backend writes one once the events since the last
    are as large as it). Kring only: the baselines keep no room state that could grow."""
    from .kinds import KringKind, question_text

    if not isinstance(kind, KringKind):
        raise TypeError(f"{kind.name} keeps no room state: the growing scenario is Kring's only")
    kind.use_method(GROWING_TOML, "vragen")
    rooms = [Room(i) for i in range(sc.rooms)]
    await kind.setup(rooms, svc.bases, sc.size, concurrency)
    redis = None
    if svc.redis is not None:
        if len(svc.redises) > 1:
            raise ValueError("the growing scenario reads one Redis")
        redis = aioredis.Redis.from_url(svc.redis.url)
    room_keys = [f"kring:{{{r.name}}}:room" for r in rooms]
    # what one poll of the rooms' snapshots sends Redis, exactly (a pipeline sends the
    # commands back to back, nothing more): taken off what Redis received
    pack = aioredis.Connection().pack_command
    poll_size = sum(len(b"".join([*pack("HGET", k, "snap"), *pack("HSTRLEN", k, "state")])) for k in room_keys)
    polled = {"bytes": 0}
    # per room, each snapshot seen: (the seq it is as of, its bytes), the one before the round first
    snaps: list[list[tuple[int, int]]] = [[] for _ in rooms]

    async def poll() -> None:
        if redis is None:
            return
        pipe = redis.pipeline(transaction=False)
        for k in room_keys:
            pipe.hget(k, "snap")
            pipe.hstrlen(k, "state")
        replies = await pipe.execute()
        found = list(zip(replies[::2], replies[1::2], strict=True))
        polled["bytes"] += poll_size
        for seen, (snap, size) in zip(snaps, found, strict=True):
            if snap is not None and (not seen or seen[-1][0] != int(snap)):
                seen.append((int(snap), int(size or 0)))

    def seqs() -> list[int]:
        return [r.members[0].state.seq for r in rooms]  # after a settle, every member's

    async def probe(since: list[int] | None = None) -> dict[str, Any]:
        # the facilitator (member 0) receives every event of its room that is not private
        out: dict[str, Any] = {"event_bytes": sum(r.members[0].state.event_bytes for r in rooms), "seqs": seqs()}
        if redis is not None:
            stats, pers = await redis.info("stats"), await redis.info("persistence")
            out["net_in"] = stats["total_net_input_bytes"]
            out["poll_bytes"] = polled["bytes"]
            out["snaps"] = [list(seen) for seen in snaps]
            out["aof"] = pers.get("aof_current_size") if pers.get("aof_enabled") else None
            out["state"] = [await redis.hstrlen(k, "state") for k in room_keys]
            if since is not None:  # at a window's end, after INFO: its few bytes land in no window
                out["room_bytes"] = [await room_bytes(svc.redis.url, r.name) for r in rooms]
            # the packed events the window's commits stored: their seqs in each room's stream
            out["stored"] = out["stored_events"] = 0
            if since is not None:
                for r, a, b in zip(rooms, since, out["seqs"], strict=True):
                    if b > a:
                        entries = await redis.xrange(f"kring:{{{r.name}}}:log", min=f"{a + 1}-0", max=f"{b}-0")
                        out["stored"] += sum(len(fields[b"e"]) for _, fields in entries)
                        out["stored_events"] += len(entries)
        return out

    # each member of the group sends at most SENDER_RATE commands a second (Kring allows 20
    # sustained, 40 at once): a round of hundreds of commands would run into the limit
    next_ok: dict[int, int] = {}

    async def step(member: int, sends: list[Any]) -> None:
        # acked = committed: what the command wrote to Redis is there (a probe first waits
        # until every event has reached every member too, so each window counts whole)
        wait = next_ok.get(member, 0) - time.monotonic_ns()
        if wait > 0:
            await asyncio.sleep(wait / 1e9)
        next_ok[member] = time.monotonic_ns() + SENDER_GAP_NS
        await asyncio.gather(*sends)
        await poll()

    def group(room: Room) -> list[Any]:
        return room.members[2:]  # member 0 facilitates, member 1 brings the case in

    marks: dict[str, dict[str, Any]] = {}
    windows = growing_windows(sc.steps, sc.window)
    t0 = time.monotonic()
    try:
        await poll()
        for i in range(sc.steps):
            for name, (start, _) in windows.items():
                if i == start:
                    await kind.settle(rooms)
                    marks[name + ".0"] = await probe()
            t = "note" if i % 5 == 4 else "ask"
            # a question's text starts as the generator's parser expects (bench/kinds.py)
            text = question_text(time.monotonic_ns(), 0) if t == "ask" else f"Notitie {i}: {NOTE}"
            n = len(group(rooms[0]))
            await step(2 + i % n, [kind.command(group(r)[i % n], t, text=text) for r in rooms])
            for name, (_, end) in windows.items():
                if i == end - 1:
                    await kind.settle(rooms)
                    marks[name + ".1"] = await probe(marks[name + ".0"]["seqs"])
        await step(0, [kind.command(r.members[0], "advance") for r in rooms])
        await step(0, [kind.command(r.members[0], "deal_cards") for r in rooms])
        await kind.settle(rooms)
        marks["cards.0"] = await probe()
        writers = min(len(group(r)) for r in rooms)
        for j in range(writers):
            texts = ["Ik voel me overvallen en een beetje boos.", "Ik denk dat ik dit eerder had moeten zeggen."]
            # private cards: each takes one
            await step(2 + j, [kind.command(group(r)[j], "draw_card") for r in rooms])
            await step(2 + j, [kind.command(group(r)[j], "perspective", texts=texts) for r in rooms])
        await kind.settle(rooms)
        marks["cards.1"] = await probe(marks["cards.0"]["seqs"])
    finally:
        if redis is not None:
            await redis.aclose()
    out: dict[str, Any] = {
        "commands_per_room": sc.steps + 2 + 2 * writers,
        "growing_s": round(time.monotonic() - t0, 1),
        # what the target judges (bench.report.written)
        "redis_written": "AOF" if marks["first.0"].get("aof") is not None else "net input",
        "snapshots_per_room": [len(seen) - 1 for seen in snaps],
        "snapshots": snaps,  # per room: (the seq a snapshot is as of, its bytes), the one before the round first
    }
    per_window = {name: end - start for name, (start, end) in windows.items()} | {"cards": 2 * writers}
    for name in per_window:  # a window's share of a snapshot written after it (later in the round, the cards)
        marks[name + ".1"]["snaps"] = snaps
    for name, n in per_window.items():
        out[name] = per_command(marks[name + ".0"], marks[name + ".1"], n, len(rooms))
    for figure in ("redis_in", "aof", "amortized_redis_in", "amortized_aof"):
        first, last = out["first"].get(f"{figure}_bytes_per_command"), out["last"].get(f"{figure}_bytes_per_command")
        if first and last:
            out[f"{figure}_growth"] = round(last / first, 2)  # 1.0: flat
    out.update(expected=0, received=0, lost=0)
    return out


RUNNERS = {
    "load": run_load,
    "saturation": run_load,
    "scaling": run_load,
    "slow": run_slow,
    "idle": run_idle,
    "growing": run_growing,
}

#: the line Kring's Redis backend logs at shutdown, per Redis server it used
#: (server/backends/redis.py `close`)
COMMITS_LINE = re.compile(r"kring\.redis: redis (\S+): (\d+) commits, (\d+) lost a race")


def commit_counts(text: str, urls: list[str], processes: int) -> dict[str, Any] | None:
    """Kring's commits and the lost races among them, from its servers' shutdown lines in
    `text` (the run's part of its log), for the run's own Redis servers only (matched by
    host and port; a line about any other Redis is left out). None when no line was found.
    Each server process logs one line per Redis server it uses; fewer lines than that means
    a process did not shut down gracefully (its count is missing: said in `missing`)."""
    netlocs = {urlsplit(u).netloc: u for u in urls}
    per: dict[str, dict[str, int]] = {u: {"commits": 0, "lost_races": 0, "lines": 0} for u in urls}
    found = 0
    for m in COMMITS_LINE.finditer(text):
        url = netlocs.get(urlsplit(m.group(1)).netloc)
        if url is None:
            continue
        found += 1
        per[url]["commits"] += int(m.group(2))
        per[url]["lost_races"] += int(m.group(3))
        per[url]["lines"] += 1
    if not found:
        return None
    commits = sum(p["commits"] for p in per.values())
    lost = sum(p["lost_races"] for p in per.values())
    for p in per.values():
        p["lost_share"] = round(p["lost_races"] / p["commits"], 4) if p["commits"] else None  # type: ignore[assignment]
    return {
        "commits": commits,
        "lost_races": lost,
        "lost_share": round(lost / commits, 4) if commits else None,
        "missing": max(0, processes * len(urls) - found),
        "per_server": per,
    }


async def run_one(
    kind_name: str,
    backend: str,
    sc: Scenario,
    concurrency: int = 32,
    profile_dir: Path | None = None,
    log_dir: Path | None = None,
    durable: bool = False,
    shards: int = 1,
) -> dict[str, Any]:
    """One scenario against one server kind on one backend, in fresh processes; with
    `profile_dir`, py-spy samples the servers over the measured part; with `log_dir`,
    the servers' stderr goes to a file there and its tracebacks are counted, and Kring's
    commits and lost races are read from it; `shards`: Redis servers (rooms sharded over
    them)."""
    rec = Recorder()
    # the type: ignore: KINDS holds subclasses of Kind whose __init__ take these keywords
    kind = KINDS[kind_name](rec, askers=sc.askers, question_chars=sc.question_chars)  # type: ignore[call-arg]
    procs = processes_for(backend)
    base: dict[str, Any] = {"scenario": sc.name, "kind": kind_name, "backend": backend, "processes": procs}
    if backend == "redis":
        base["shards"] = shards
    label = f"{sc.name}-{backend}" + (f"-x{shards}" if shards != 1 else "") + f"-{kind_name}"
    log = log_dir / f"server-{label}.log" if log_dir else None
    if log is not None and log.exists():
        log.unlink()  # the file holds this run's servers only
    urls: list[str] = []
    try:
        with service(kind, backend, procs, sc.sndbuf, log=log, durable=durable, shards=shards) as svc:
            base["placement"] = svc.note
            urls = svc.redis_urls
            if profile_dir is not None:
                svc.profiler = Profiler([p.pid for p in svc.procs], profile_dir, label)
            out = await RUNNERS[sc.kind](kind, svc, sc, concurrency)
    except Exception as exc:  # a server that falls over is a result, not a crash of the bench
        where = traceback.extract_tb(exc.__traceback__)[-1]
        rec.fail(f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:{where.lineno})")
        out = {}
    out = {**base, **out, "failures": list(rec.failures)}
    if log is not None and log.exists():
        text = log.read_text(errors="replace")
        out["server_log"] = str(log)
        out["server_tracebacks"] = text.count("Traceback (most recent call last)")
        last = [ln for ln in text.splitlines() if ln and not ln.startswith(" ") and "Error" in ln]
        if last:
            out["server_last_error"] = last[-1][:200]
        if kind_name == "kring" and urls:
            counts = commit_counts(text, urls, procs)
            if counts is not None:
                out["redis_commits"] = counts
                for server in out.get("redis_servers", []):
                    c = counts["per_server"].get(server["url"])
                    if c is not None:  # over the whole run (set-up included), not only the measured part
                        server["kring_commits"], server["kring_lost_races"] = c["commits"], c["lost_races"]
    out["ok"] = not rec.failures and out.get("lost", 1) == 0 and out.get("drained", True)
    return out
