from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import running_server


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """One real uvicorn server (memory backend) shared by the integration tests."""
    # many tests knock with wrong codes and tokens on purpose from one address
    with running_server({"KRING_FAILED_JOINS_PER_MINUTE": "10000"}) as base:
        yield base


@pytest.fixture
def ws_url(server: str) -> str:
    return server.replace("http://", "ws://") + "/ws"
