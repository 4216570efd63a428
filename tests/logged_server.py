"""The real server with everything it logs (at debug level, uvicorn's access log included)
written to a file, for the tests that grep the log for what must never be in it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .servers import ROOT, TEST_ENV, ServerProcess, procfile_command


class LoggedServer(ServerProcess):
    def __init__(self, log: Path, env: dict[str, str] | None = None):
        self.log = log
        super().__init__(env, command=lambda port: [*procfile_command(port), "--log-level", "debug"])

    def start(self, env: dict[str, str] | None = None) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command(self.port),
                cwd=ROOT,
                env={**os.environ, **TEST_ENV, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.kill()
            raise


@contextmanager
def logged_server(log: Path, env: dict[str, str] | None = None) -> Iterator[LoggedServer]:
    server = LoggedServer(log, env)
    try:
        yield server
    finally:
        server.stop()
