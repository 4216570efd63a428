"""Where a server's time goes: py-spy samples the server processes over the measured
part of a run (`python -m bench --profile`), and the stacks are summed per function.

py-spy pauses a server for each sample (without that, stacks come out torn), so the
figures of a profiled run are a little worse than of a plain one.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

PY_SPY = Path(sys.executable).with_name("py-spy")
RATE = 200  # samples per second

_IDLE = ("select (", "_run_once (", "run_forever (", "poll (", "epoll")


class Profiler:
    """py-spy on each process; one collapsed-stacks file per process."""

    def __init__(self, pids: list[int], directory: Path, label: str):
        self.pids, self.directory, self.label = pids, directory, label
        self.procs: list[tuple[Path, subprocess.Popen]] = []

    def start(self, seconds: float) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for pid in self.pids:
            out = self.directory / f"profile-{self.label}-{pid}.txt"
            argv = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))]
            argv += ["--rate", str(RATE), "--gil", "--format", "raw", "--output", str(out)]
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs.append((out, proc))

    def finish(self, top: int = 25) -> dict[str, object]:
        files = []
        for out, proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if out.exists():
                files.append(out)
        return {"files": [str(f) for f in files], **summarize(files, top)}


_FRAME = re.compile(r"^(?P<fn>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
PROJECT = ("server/", "protocol/", "client/", "bench/")  # py-spy names project files from the repo root


def _name(frame: str) -> str:
    """`Hub.on_events (server/hub.py:123)` -> `server/hub.py:Hub.on_events`."""
    m = _FRAME.match(frame)
    return f"{m['file']}:{m['fn']}" if m else frame


def summarize(files: list[Path], top: int = 25) -> dict[str, object]:
    """Per function: share of busy samples spent in it (self), and for the project's own
    functions the share spent in it and everything it calls (total)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    busy = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = stack.split(";")
            if any(frames[-1].startswith(idle) for idle in _IDLE):
                continue  # waiting for I/O: not server work
            n = int(count)
            busy += n
            names = [_name(f) for f in frames]
            own[names[-1]] += n
            for name in set(names):
                if name.startswith(PROJECT):
                    total[name] += n
    if not busy:
        return {"busy_samples": 0, "self": [], "total": []}

    def pct(c: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / busy, 1)) for name, n in c.most_common(top)]

    return {"busy_samples": busy, "self": pct(own), "total": pct(total)}


def render(label: str, prof: dict[str, object], top: int = 15) -> list[str]:
    lines = ["", f"== profile: {label} ({prof.get('busy_samples')} busy samples; % of busy time)"]
    lines.append("  self:")
    for name, p in prof.get("self", [])[:top]:  # type: ignore[union-attr]  # a list, as profile() made it
        lines.append(f"    {p:5.1f}%  {name}")
    lines.append("  total, Kring's own functions (time in it and in what it calls):")
    for name, p in prof.get("total", [])[:top]:  # type: ignore[union-attr]  # as above
        lines.append(f"    {p:5.1f}%  {name}")
    return lines
