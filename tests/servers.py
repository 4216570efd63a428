"""Start the real server the way the Procfile does, on 127.0.0.1 and a free port."""

from __future__ import annotations

import atexit
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_command(port: int) -> list[str]:
    """The Procfile's web line, with $PORT filled in and bound to loopback only."""
    line = next(ln for ln in (ROOT / "Procfile").read_text().splitlines() if ln.startswith("web:"))
    args = shlex.split(line.removeprefix("web:").replace("$PORT", str(port)))
    args[args.index("--host") + 1] = "127.0.0.1"
    assert args[0] == "python"
    return [sys.executable, *args[1:], "--log-level", "warning"]


#: What every test server runs with unless a test sets its own: the test suite creates
#: hundreds of rooms and knocks with wrong codes on purpose, all from 127.0.0.1, and on the
#: shared redis-server every process counts against the same per-address limits. The
#: tests of those limits set them low themselves.
#: where a test server keeps its groups' database unless the test gives it one: never the
#: project's own data/ folder, and gone when the tests are
SCRATCH_DATA = tempfile.mkdtemp(prefix="kring-test-data-")
atexit.register(shutil.rmtree, SCRATCH_DATA, True)

TEST_ENV = {
    "KRING_FAILED_JOINS_PER_MINUTE": "100000",
    "KRING_ROOMS_PER_HOUR": "100000",
    "KRING_DATA_DIR": SCRATCH_DATA,
}


class ServerProcess:
    """The real server in its own process, as the Procfile starts it.

    `command` (port -> argv) starts another server that answers GET /healthz the same
    way: the benchmark's baselines (bench/baselines/).
    """

    def __init__(self, env: dict[str, str] | None = None, command: Callable[[int], list[str]] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ws = f"ws://127.0.0.1:{self.port}/ws"
        self.command = command or procfile_command
        self.start(env)

    def start(self, env: dict[str, str] | None = None) -> None:
        """Start the server on its port and wait until it is healthy; also to start a
        stopped server again on the same port, as after a deploy or a crash."""
        self.proc = subprocess.Popen(self.command(self.port), cwd=ROOT, env={**os.environ, **TEST_ENV, **(env or {})})
        try:
            self._wait_healthy()
        except BaseException:
            self.kill()
            raise

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        """kill -9: no goodbye to anyone, as in a crash."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def running_servers(
    n: int, env: dict[str, str] | None = None, command: Callable[[int], list[str]] | None = None
) -> Iterator[list[ServerProcess]]:
    """`n` server processes with the same settings (on one Redis: one service)."""
    servers: list[ServerProcess] = []
    try:
        for _ in range(n):
            servers.append(ServerProcess(env, command))
        yield servers
    finally:
        for server in servers:
            server.stop()


@contextmanager
def running_server(env: dict[str, str] | None = None) -> Iterator[str]:
    """Yield the base URL of a freshly started server; stop it afterwards."""
    with running_servers(1, env) as (server,):
        yield server.base


class RedisServer:
    """A real redis-server on a free loopback port, with its files in a temp dir."""

    def __init__(self, directory: Path, appendonly: bool = True):
        self.directory = directory
        self.port = free_port()
        self.appendonly = appendonly
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            "redis-server",
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.directory),
            "--appendonly", "yes" if self.appendonly else "no",
            "--appendfsync", "always",
            "--save", "",
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        """kill -9: what was acknowledged must already be in the append-only file."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@contextmanager
def running_redis(directory: Path, appendonly: bool = True) -> Iterator[RedisServer]:
    server = RedisServer(directory, appendonly)
    server.start()
    try:
        yield server
    finally:
        server.stop()
