"""Limits per client address and per backend: failed joins, new rooms, rooms held, and the
settings that bound them. With Redis they hold across every process of the service.

The servers run with --proxy-headers, as README asks behind a balancer, so each test
speaks for addresses of its own through X-Forwarded-For (uvicorn trusts it from
127.0.0.1): one address's limit must never touch another's.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import msgpack
import pytest
import redis
from websockets.asyncio.client import connect

from protocol import errors, limits

from .servers import ROOT, ServerProcess, procfile_command, running_redis, running_servers


def behind_balancer(port: int) -> list[str]:
    return [*procfile_command(port), "--proxy-headers"]


@contextmanager
def service(backend: dict[str, str], env: dict[str, str]) -> Iterator[list[ServerProcess]]:
    """One process on memory; two on Redis, so that a limit must hold across them."""
    n = 2 if backend else 1
    with running_servers(n, {**backend, **env}, behind_balancer) as servers:
        yield servers


def an_address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def create(server: ServerProcess, address: str) -> tuple[int, dict, dict[str, str]]:
    req = urllib.request.Request(
        server.base + "/api/rooms", data=b"{}", headers={"X-Forwarded-For": address}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), dict(err.headers)


async def hello(server: ServerProcess, address: str, frame: dict) -> dict:
    """The answer to one hello from `address` (a welcome or an error)."""
    async with connect(
        server.ws, subprotocols=[limits.SUBPROTOCOL_MSGPACK], additional_headers={"X-Forwarded-For": address}
    ) as ws:
        await ws.send(msgpack.packb(frame))
        return msgpack.unpackb(await ws.recv())


async def test_failed_joins_are_counted_per_address_across_processes(backend):
    with service(backend, {"KRING_FAILED_JOINS_PER_MINUTE": "4"}) as servers:
        code = create(servers[0], an_address())[1]["code"]
        guesser, neighbour = an_address(), an_address()
        answers = [
            await hello(servers[i % len(servers)], guesser, {"t": "hello", "code": "ZZZZZZ", "name": "Rader"})
            for i in range(4)
        ]
        assert [a["code"] for a in answers] == ["unknown_room"] * 4
        for server in servers:  # used up, on every process, even with the right code
            refused = await hello(server, guesser, {"t": "hello", "code": code, "name": "Rader"})
            assert refused["code"] == errors.RATE_LIMITED
            assert 0 < refused["retry_after"] <= 60
        welcome = await hello(servers[-1], neighbour, {"t": "hello", "code": code, "name": "Buur"})
        assert welcome["t"] == "welcome"


def test_room_creation_is_limited_per_address_across_processes(backend):
    with service(backend, {"KRING_ROOMS_PER_HOUR": "3"}) as servers:
        busy, other = an_address(), an_address()
        statuses = [create(servers[i % len(servers)], busy)[0] for i in range(3)]
        assert statuses == [201, 201, 201]
        for server in servers:
            status, body, headers = create(server, busy)
            assert status == 429 and body["error"] == errors.RATE_LIMITED
            assert 0 < body["retry_after"] <= 3600 and 1 <= int(headers["retry-after"]) <= 3600
            assert body["message"] and body["message_nl"]
        assert create(servers[0], other)[0] == 201


def test_a_backend_holds_at_most_max_rooms_and_frees_a_place_when_a_room_is_gone(backend, tmp_path):
    """KRING_MAX_ROOMS: a clear 503 instead of filling memory or Redis (where noeviction
    would then refuse every write, and every room would break)."""
    # a Redis of its own: the shared one counts every room the other tests made
    with running_redis(tmp_path) if backend else contextlib.nullcontext() as own_redis:
        env = {"KRING_REDIS_URL": own_redis.url} if own_redis else {}
        with service(env, {"KRING_MAX_ROOMS": "3"}) as servers:
            made = [create(servers[i % len(servers)], an_address()) for i in range(3)]
            assert [status for status, _, _ in made] == [201, 201, 201]
            status, body, _ = create(servers[-1], an_address())
            assert status == 503 and body["error"] == errors.UNAVAILABLE
            assert body["detail"] == "the server holds as many rooms as it may; try later"
            if own_redis is None:
                return  # memory: an expired room leaves with the sweep (tests/test_backends.py)
            # a room expires in Redis by its TTL; the next creation finds its place free
            code = made[0][1]["code"]
            r = redis.Redis.from_url(own_redis.url)
            assert r.delete(*r.keys(f"kring:{{{code}}}:*"))
            assert create(servers[0], an_address())[0] == 201


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("KRING_ROOM_TTL", "2", "KRING_ROOM_TTL must be at least 60"),
        ("KRING_MAX_ROOMS", "veel", "KRING_MAX_ROOMS must be a number"),
        ("KRING_ROOMS_PER_HOUR", "0", "KRING_ROOMS_PER_HOUR must be at least 1"),
    ],
)
def test_a_setting_out_of_range_stops_the_server_before_it_serves(name, value, message):
    """A TTL of a few seconds once expired rooms with people in them between two
    heartbeats; now the server does not start with it, and says why."""
    done = subprocess.run(
        [sys.executable, "-m", "server", "--port", "0"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", name: value},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert message in done.stderr
