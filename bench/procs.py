"""The processes of a run: server processes and redis-server (started with the test
suite's helpers in tests/servers.py), CPU pinning, and their CPU time and memory."""

from __future__ import annotations

import contextlib
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tests.servers import RedisServer, ServerProcess, procfile_command, running_redis, running_servers

from .load import Kind

SERVER_CORE = 0
GENERATOR_CORE = 1


def raise_open_files(want: int = 20000) -> int:
    """5,000 connections need 5,000 descriptors here and as many in the servers (which
    inherit the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Service:
    """The servers of one run (and their Redis), as the generator sees them."""

    servers: list[ServerProcess]
    redises: list[RedisServer]  # empty on the memory backend; several when rooms are sharded
    note: str
    procs: list[psutil.Process] = field(default_factory=list)
    profiler: Any = None  # bench.profile.Profiler when the run is profiled

    def __post_init__(self) -> None:
        self.procs = [psutil.Process(s.proc.pid) for s in self.servers]
        self.redis_procs = [psutil.Process(r.proc.pid) for r in self.redises if r.proc]

    @property
    def redis(self) -> RedisServer | None:
        """The (first) Redis server."""
        return self.redises[0] if self.redises else None

    @property
    def redis_urls(self) -> list[str]:
        return [r.url for r in self.redises]

    @property
    def bases(self) -> list[str]:
        return [s.base for s in self.servers]

    def cpu(self) -> float:
        """CPU seconds (user + system) the server processes have used so far."""
        return sum(_cpu(p) for p in self.procs)

    def redis_cpu(self) -> float:
        """CPU seconds of all the Redis servers together."""
        return sum(_cpu(p) for p in self.redis_procs)

    def holds(self, port: int) -> bool:
        """Does a server process still have a socket to our local `port`?"""
        for p in self.procs:
            for c in p.net_connections(kind="tcp"):
                if c.raddr and c.raddr.port == port:
                    return True
        return False

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in self.procs)


def _cpu(p: psutil.Process) -> float:
    t = p.cpu_times()
    return t.user + t.system


def generator_cpu() -> float:
    return time.process_time()


def logged(command: Callable[[int], list[str]], log: Path) -> Callable[[int], list[str]]:
    """The same server, its stderr appended to `log` (exec: the pid stays the server's)."""
    return lambda port: ["sh", "-c", f'exec "$@" 2>>"{log}"', "sh", *command(port)]


@contextlib.contextmanager
def service(
    kind: Kind,
    backend: str,
    processes: int,
    sndbuf: int = 0,
    *,
    log: Path | None = None,
    durable: bool = False,
    shards: int = 1,
) -> Iterator[Service]:
    """Start `processes` servers of `kind` (on fresh redis-servers for the Redis backend:
    `shards` of them, their URLs separated by commas in KRING_REDIS_URL), pin them away
    from the generator when there is a core for each, and stop everything afterwards: the
    servers first, with SIGTERM (tests/servers.py `stop`), so that uvicorn runs the app's
    lifespan shutdown and Kring's Redis backend logs its commits and lost races, then
    Redis. `sndbuf` caps each connection's kernel send buffer; `log` collects the servers'
    stderr; `durable` runs Redis with the append-only file and fsync on every write, as
    Kring's README advises for production."""
    cores = sorted(os.sched_getaffinity(0))
    with contextlib.ExitStack() as stack:
        redises: list[RedisServer] = []
        if backend == "redis":
            for _ in range(shards):
                directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kring-bench-redis-")))
                redises.append(stack.enter_context(running_redis(directory, appendonly=durable)))
        url = ",".join(r.url for r in redises) or None
        env = kind.env(url)
        if sndbuf:
            env.update(KRING_SOCKET_SNDBUF=str(sndbuf), BENCH_SOCKET_SNDBUF=str(sndbuf))
        command = kind.server_command(url) or procfile_command
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            command = logged(command, log)
        servers = stack.enter_context(running_servers(processes, env, command))
        pinned = processes == 1 and not redises and len(cores) >= 2
        if pinned:
            for s in servers:
                os.sched_setaffinity(s.proc.pid, {cores[SERVER_CORE]})
            os.sched_setaffinity(0, {cores[GENERATOR_CORE]})
            note = f"server on core {cores[SERVER_CORE]}, generator on core {cores[GENERATOR_CORE]}"
        else:
            where = ""
            if redises:
                where = " + redis-server" if len(redises) == 1 else f" + {len(redises)} redis-servers"
            note = f"not pinned: {processes} server process(es){where} and the generator share {len(cores)} core(s)"
        try:
            yield Service(servers, redises, note)
        finally:
            os.sched_setaffinity(0, set(cores))
