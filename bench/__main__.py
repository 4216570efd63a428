"""Run the benchmark: `python -m bench` runs the standard set (bench/README.md), prints
the table with ratios and the targets, and writes every figure to a JSON file."""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

from .kinds import KINDS
from .procs import raise_open_files
from .profile import render as render_profile
from .report import LABELS, render, render_targets, targets
from .scenarios import STANDARD, rotation, run_one

RESULTS = Path(__file__).parent / "results"


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--scenarios", type=_csv, default=list(STANDARD), help=f"any of {','.join(STANDARD)}")
    p.add_argument("--kinds", type=_csv, default=list(KINDS), help=f"any of {','.join(KINDS)}")
    p.add_argument("--backends", type=_csv, default=["memory", "redis"], help="memory, redis or both")
    p.add_argument("--scale", type=float, default=1.0, help="multiply measured durations (0.3: a quick look)")
    p.add_argument("--quick", action="store_true", help="--scale 0.3 and 2,000 idle connections")
    p.add_argument("--connections", type=int, default=None, help="idle connections in the capacity scenario (5,000)")
    p.add_argument(
        "--redis-durable",
        action="store_true",
        help="Redis with appendonly and fsync always (Kring's production advice)",
    )
    p.add_argument("--profile", action="store_true", help="sample every server with py-spy (bench/results/)")
    p.add_argument("--json", type=Path, default=None, help="where the figures go (default bench/results/…json)")
    args = p.parse_args(argv)
    if args.quick:
        args.scale = 0.3
    if args.connections is None:
        args.connections = 2000 if args.quick else 5000
    for name in args.scenarios:
        if name not in STANDARD:
            p.error(f"unknown scenario {name!r}")
    for name in args.kinds:
        if name not in KINDS:
            p.error(f"unknown server kind {name!r}")
    for name in args.backends:
        if name not in ("memory", "redis"):
            p.error(f"unknown backend {name!r}")
    return args


def scenarios(args: argparse.Namespace) -> list:
    out = []
    for name in args.scenarios:
        sc = STANDARD[name].scaled(args.scale)
        if sc.kind == "idle":
            rooms = max(1, args.connections // sc.size)
            title = f"{rooms * sc.size:,} idle connections (rooms of {sc.size})"
            sc = dataclasses.replace(sc, rooms=rooms, title=title)
        out.append(sc)
    return out


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "load_average_at_start": os.getloadavg(),
    }


async def run_all(args: argparse.Namespace, scs: list) -> list[dict[str, Any]]:
    results = []
    # turned by scenario + backend: on each backend, each kind goes first in turn
    for s_index, sc in enumerate(scs):
        for b_index, backend in enumerate(args.backends):
            if sc.backends and backend not in sc.backends:
                print(f"  {sc.name} · {backend}: not run (only on {', '.join(sc.backends)})", flush=True)
                continue
            kinds = [k for k in args.kinds if not sc.kinds or k in sc.kinds]
            if not kinds:
                continue
            order = rotation(kinds, s_index + b_index)
            skipped = [k for k in args.kinds if k not in kinds]
            note = f" ({', '.join(skipped)}: not run, see bench/README.md)" if skipped else ""
            print(f"  {sc.name} · {backend}: in the order {', '.join(order)}{note}", flush=True)
            for kind in order:
                # scaling: once per number of Redis servers (the others run once, on one)
                for shards in sc.shards if backend == "redis" else (1,):
                    t0 = time.monotonic()
                    prof = RESULTS if args.profile else None
                    r = await run_one(
                        kind, backend, sc, profile_dir=prof, log_dir=RESULTS, durable=args.redis_durable, shards=shards
                    )
                    r["wall_s"] = round(time.monotonic() - t0, 1)
                    results.append(r)
                    status = "ok" if r["ok"] else "FAILED"
                    note = (
                        f"  ({r['server_tracebacks']} tracebacks in {r['server_log']})"
                        if r.get("server_tracebacks")
                        else ""
                    )
                    where = backend if shards == 1 else f"{backend}×{shards}"
                    print(
                        f"  {sc.name:<10} {where:<8} {LABELS[kind]:<16} {status:<6} {r['wall_s']:>6.1f} s{note}",
                        flush=True,
                    )
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    limit = raise_open_files()
    started = datetime.datetime.now(datetime.UTC)
    print(f"Kring benchmark: {', '.join(args.scenarios)} × {', '.join(args.backends)} × {', '.join(args.kinds)}")
    print(f"scale {args.scale}; open files {limit}; load average {os.getloadavg()[0]:.2f} at start", flush=True)
    scs = scenarios(args)
    results = uvloop.run(run_all(args, scs))
    verdicts = targets(results)
    titles = {sc.name: sc.title for sc in scs}
    for line in render(results, titles) + render_targets(verdicts):
        print(line)
    for r in results:
        if "profile" in r:
            for line in render_profile(f"{r['scenario']} · {r['backend']} · {r['kind']}", r["profile"]):
                print(line)
    path = args.json or RESULTS / f"bench-{started:%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "started": started.isoformat(),
        "machine": machine(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "scenarios": {sc.name: dataclasses.asdict(sc) for sc in scs},
        "results": results,
        "targets": verdicts,
    }
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False))
    print(f"\nfigures: {path}")
    kring_failed = [r for r in results if r["kind"] == "kring" and not r["ok"]]
    return 1 if kring_failed else 0


if __name__ == "__main__":
    sys.exit(main())
