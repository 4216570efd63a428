"""A real PostgreSQL (Debian's `postgresql` package) on a free loopback port, for the tests.

Its cluster lives in a temp dir that is removed afterwards. PostgreSQL refuses to run as
root, and CI runs as root: then initdb and postgres run as the `postgres` user (runuser),
in a dir that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .servers import free_port

USER = "kring"


def bin_dir() -> Path:
    """Where Debian keeps the server's programs (not on PATH): the newest installed version."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    assert initdb, "PostgreSQL is needed for the group tests: apt-get install postgresql (make test does)"
    return Path(initdb).resolve().parent


def _as_owner() -> list[str]:
    """The prefix that runs a command as the cluster's owner: `postgres` when we are root."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PostgresServer:
    def __init__(self) -> None:
        self.bin = bin_dir()
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="kring-pg-"))
        self.data = self.directory / "data"
        self.proc: subprocess.Popen[bytes] | None = None
        self.databases = 0

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*_as_owner(), *args], check=True, capture_output=True, text=True, timeout=120)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", USER, "-A", "trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        args = [
            *_as_owner(),
            str(self.bin / "postgres"),
            "-D", str(self.data),
            "-p", str(self.port),
            "-k", str(self.directory),  # the unix socket stays in our dir, not /var/run
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",  # a test cluster: speed over durability
            "-c", "full_page_writes=off",
            "-c", "synchronous_commit=off",
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("postgres did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        """A fast shutdown (SIGINT): open connections are cut, as when a database goes away."""
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(
                [*_as_owner(), str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=60,
            )
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def create_database(self) -> str:
        """A new, empty database; its URL."""
        self.databases += 1
        name = f"kring_{self.databases}"
        self.psql("postgres", f"CREATE DATABASE {name}")
        return self.url(name)

    def psql(self, database: str, sql: str) -> str:
        run = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", database]
            + ["-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return run.stdout

    def dump(self, database: str) -> str:
        """pg_dump of a database: schema and every row, as text."""
        run = subprocess.run(
            [str(self.bin / "pg_dump"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, database],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return run.stdout

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()
