from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import RedisServer, running_redis, running_server


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
