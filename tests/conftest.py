from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .postgres import PostgresServer, running_postgres
from .servers import RedisServer, running_redis, running_server


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every server the tests start keeps its groups' SQLite file here, not in the repo's data/."""
    path = tmp_path_factory.mktemp("data")
    before = os.environ.get("KRING_DATA_DIR")
    os.environ["KRING_DATA_DIR"] = str(path)
    yield path
    if before is None:
        del os.environ["KRING_DATA_DIR"]
    else:
        os.environ["KRING_DATA_DIR"] = before


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL for the whole run, on a free port, removed afterwards."""
    with running_postgres() as server:
        yield server


@dataclass
class Database:
    """A groups database the tests point a server at, and a way to read all it holds."""

    kind: str  # "sqlite" or "postgresql"
    env: dict[str, str]
    path: Path | None = None  # sqlite: the folder
    postgres: PostgresServer | None = None
    name: str | None = None  # postgresql: the database

    def dump(self) -> bytes:
        """Every byte the database holds: the SQLite files, or pg_dump's text."""
        if self.postgres is not None and self.name is not None:
            return self.postgres.dump(self.name).encode()
        assert self.path is not None
        return b"".join(p.read_bytes() for p in sorted(self.path.glob("kring.sqlite3*")))


def new_database(kind: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Database:
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("groups-sqlite")
        return Database(kind, {"KRING_DATA_DIR": str(path)}, path=path)
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database()
    return Database(kind, {"KRING_DATABASE_URL": url}, postgres=server, name=url.rsplit("/", 1)[1])


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The groups' database; the group tests run on both."""
    return new_database(request.param, request, tmp_path_factory)


@pytest.fixture(scope="session")
def group_server(database: Database) -> Iterator[str]:
    """One real server per database (rooms in memory), shared by the group tests."""
    with running_server(database.env) as base:
        yield base


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server for the whole run (appendonly on)."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session", params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment that selects a backend; integration tests run on both."""
    if request.param == "memory":
        return {}
    return {"KRING_REDIS_URL": request.getfixturevalue("redis_server").url}


@pytest.fixture(scope="session")
def server(backend: dict[str, str]) -> Iterator[str]:
    """One real server per backend, shared by the integration tests."""
    with running_server(backend) as base:
        yield base


@pytest.fixture
def ws_url(server: str) -> str:
    return server.replace("http://", "ws://") + "/ws"


FIGURES: list[str] = []  # lines the tests measure (corpus precision and recall, fuzzed frames), shown at the end


@pytest.fixture(scope="session")
def figures() -> list[str]:
    return FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "figures: nudge and privacy corpora (precision and recall), wire fuzzer")
        for line in FIGURES:
            terminalreporter.write_line(line)
