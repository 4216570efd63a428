"""The scenarios of the standard set, and how one of them runs against one server kind
on one backend. Each run starts its own server processes (and redis-server), so runs do
not share heaps, caches or rooms."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .kinds import KINDS
from .load import Kind, Recorder, Room, closed_loop, drain, paced
from .procs import Service, generator_cpu, service
from .profile import Profiler

GENERATOR_BOUND = 0.85  # the generator's CPU share above which it, not the server, limits a run


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    kind: str  # "load", "slow", "idle" or "saturation"
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
    kinds: tuple[str, ...] = ()  # the server kinds that can run it (empty: every kind)

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
            "growing", "4 rooms × 8 growing as a session does (100 questions and notes, then role cards)",
            "growing", rooms=4, size=8, steps=100, kinds=("kring",),
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


def _profile(svc: Service, out: dict[str, Any]) -> None:
    if svc.profiler is not None:
        out["profile"] = svc.profiler.finish()


async def run_load(kind: Kind, svc: Service, sc: Scenario, concurrency: int) -> dict[str, Any]:
    rec = kind.rec
    rooms = [Room(i, phase_every=sc.phase_every) for i in range(sc.rooms)]
    t0, cpu0 = time.monotonic(), svc.cpu()
    await kind.setup(rooms, svc.bases, sc.size, concurrency)
    setup = {"setup_s": round(time.monotonic() - t0, 2), "setup_server_cpu_s": round(svc.cpu() - cpu0, 2)}
    kind.start_tracking(rooms)
    gc.collect()
    box: dict[str, Any] = {"seconds": sc.seconds}
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
    await _close_all(rooms)
    return out


async def _close_all(rooms: list[Room]) -> None:
    await asyncio.gather(*(ws.close() for r in rooms for ws in r.members), return_exceptions=True)


GROWING_TOML = (Path(__file__).parent / "method-growing.toml").read_text()
NOTE = "valt op dat de inbrenger twee keer 'eigenlijk' zegt als het over de teamleider gaat."
WINDOW = 20  # commands per room in each window the growing scenario compares


async def run_growing(kind: Kind, svc: Service, sc: Scenario, concurrency: int) -> dict[str, Any]:
    """Rooms that fill as a session does, one command per room at a time: in the questions
    round the group (members 2..) asks questions that stay and writes a note every fifth
    command; then the facilitator moves on and puts the role cards on the table, and each
    member of the group draws one and writes a perspective from it. On Redis: what Redis
    received (INFO stats total_net_input_bytes) and, with `--redis-durable`, how much its
    append-only file grew (INFO persistence aof_current_size), per command, over the first
    and the last WINDOW commands of the questions round and over the cards, beside the size
    of the event frames those commands made and each room's stored state after the window.
    Kring only: the baselines keep no room state that could grow."""
    from .kinds import KringKind, question_text

    if not isinstance(kind, KringKind):
        raise TypeError(f"{kind.name} keeps no room state: the growing scenario is Kring's only")
    kind.use_method(GROWING_TOML, "vragen")
    rooms = [Room(i) for i in range(sc.rooms)]
    await kind.setup(rooms, svc.bases, sc.size, concurrency)
    redis = None
    if svc.redis is not None:
        import redis.asyncio as aioredis

        redis = aioredis.Redis.from_url(svc.redis.url)

    async def probe() -> dict[str, Any]:
        # the facilitator (member 0) receives every event of its room that is not private
        out: dict[str, Any] = {"event_bytes": sum(r.members[0].state.event_bytes for r in rooms)}
        if redis is not None:
            stats, pers = await redis.info("stats"), await redis.info("persistence")
            out["net_in"] = stats["total_net_input_bytes"]
            out["aof"] = pers.get("aof_current_size") if pers.get("aof_enabled") else None
            out["state"] = [await redis.hstrlen(f"kring:{{{r.name}}}:room", "state") for r in rooms]
        return out

    async def step(sends: list[Any]) -> None:
        # acked = committed: what the command wrote to Redis is there (a probe first waits
        # until every event has reached every member too, so each window counts whole)
        await asyncio.gather(*sends)

    def group(room: Room) -> list[Any]:
        return room.members[2:]  # member 0 facilitates, member 1 brings the case in

    marks: dict[str, dict[str, Any]] = {}
    windows = {"first": (0, WINDOW), "last": (sc.steps - WINDOW, sc.steps)}
    t0 = time.monotonic()
    try:
        for i in range(sc.steps):
            for name, (start, _) in windows.items():
                if i == start:
                    await kind.settle(rooms)
                    marks[name + ".0"] = await probe()
            t = "note" if i % 5 == 4 else "ask"
            # a question's text starts as the generator's parser expects (bench/kinds.py)
            text = question_text(time.monotonic_ns(), 0) if t == "ask" else f"Notitie {i}: {NOTE}"
            await step([kind.command(group(r)[i % len(group(r))], t, text=text) for r in rooms])
            for name, (_, end) in windows.items():
                if i == end - 1:
                    await kind.settle(rooms)
                    marks[name + ".1"] = await probe()
        await step([kind.command(r.members[0], "advance") for r in rooms])
        await step([kind.command(r.members[0], "deal_cards") for r in rooms])
        await kind.settle(rooms)
        marks["cards.0"] = await probe()
        writers = min(len(group(r)) for r in rooms)
        for j in range(writers):
            texts = ["Ik voel me overvallen en een beetje boos.", "Ik denk dat ik dit eerder had moeten zeggen."]
            await step([kind.command(group(r)[j], "draw_card") for r in rooms])  # private cards: each takes one
            await step([kind.command(group(r)[j], "perspective", texts=texts) for r in rooms])
        await kind.settle(rooms)
        marks["cards.1"] = await probe()
    finally:
        if redis is not None:
            await redis.aclose()
    per_window = {"first": WINDOW, "last": WINDOW, "cards": 2 * writers}
    out: dict[str, Any] = {
        "commands_per_room": sc.steps + 2 + 2 * writers,
        "growing_s": round(time.monotonic() - t0, 1),
    }
    for name, n in per_window.items():
        a, b = marks[name + ".0"], marks[name + ".1"]
        cmds = n * len(rooms)
        w: dict[str, Any] = {
            "commands": cmds,
            "event_bytes_per_command": round((b["event_bytes"] - a["event_bytes"]) / cmds),
        }
        if "net_in" in a:
            w["redis_in_bytes_per_command"] = round((b["net_in"] - a["net_in"]) / cmds)
            w["state_bytes"] = round(sum(b["state"]) / len(rooms))
        if a.get("aof") is not None and b.get("aof") is not None:
            w["aof_bytes_per_command"] = round((b["aof"] - a["aof"]) / cmds)
        out[name] = w
    first, last = out["first"].get("redis_in_bytes_per_command"), out["last"].get("redis_in_bytes_per_command")
    if first and last:
        out["redis_in_growth"] = round(last / first, 2)  # 1.0: flat
    a_first, a_last = out["first"].get("aof_bytes_per_command"), out["last"].get("aof_bytes_per_command")
    if a_first and a_last:
        out["aof_growth"] = round(a_last / a_first, 2)
    out.update(expected=0, received=0, lost=0)
    return out


RUNNERS = {"load": run_load, "saturation": run_load, "slow": run_slow, "idle": run_idle, "growing": run_growing}


async def run_one(
    kind_name: str,
    backend: str,
    sc: Scenario,
    concurrency: int = 32,
    profile_dir: Path | None = None,
    log_dir: Path | None = None,
    durable: bool = False,
) -> dict[str, Any]:
    """One scenario against one server kind on one backend, in fresh processes; with
    `profile_dir`, py-spy samples the servers over the measured part; with `log_dir`,
    the servers' stderr goes to a file there and its tracebacks are counted."""
    rec = Recorder()
    # the type: ignore: KINDS holds subclasses of Kind whose __init__ take these keywords
    kind = KINDS[kind_name](rec, askers=sc.askers, question_chars=sc.question_chars)  # type: ignore[call-arg]
    procs = processes_for(backend)
    base = {"scenario": sc.name, "kind": kind_name, "backend": backend, "processes": procs}
    log = log_dir / f"server-{sc.name}-{backend}-{kind_name}.log" if log_dir else None
    if log is not None and log.exists():
        log.unlink()
    try:
        with service(kind, backend, procs, sc.sndbuf, log=log, durable=durable) as svc:
            base["placement"] = svc.note
            if profile_dir is not None:
                label = f"{sc.name}-{backend}-{kind_name}"
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
    out["ok"] = not rec.failures and out.get("lost", 1) == 0 and out.get("drained", True)
    return out
