from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import running_server


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """One real uvicorn server (memory backend) shared by the integration tests."""
    with running_server() as base:
        yield base


@pytest.fixture
def ws_url(server: str) -> str:
    return server.replace("http://", "ws://") + "/ws"
