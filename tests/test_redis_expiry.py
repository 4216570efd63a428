"""Rooms in Redis expire only when idle and empty; a room that is gone says so; and
/healthz tells a load balancer whether this process can reach its Redis.

A room's TTL is Redis's own clock; these tests set a key's TTL to stand for "almost the
whole KRING_ROOM_TTL has passed" instead of waiting for it.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request

import pytest
import redis

from client import CommandError, KringClient
from protocol import errors

from .servers import RedisServer, running_redis, running_servers
from .session import open_session, ws_url

TTL = 60


def room_keys(r: redis.Redis, code: str) -> list[bytes]:
    return sorted(r.scan_iter(match=f"kring:{{{code}}}:*", count=1000))


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


async def test_an_empty_room_is_left_to_expire_and_one_with_people_in_it_never_is(redis_server: RedisServer):
    with running_servers(1, {"KRING_REDIS_URL": redis_server.url, "KRING_ROOM_TTL": str(TTL)}) as (server,):
        empty, busy = await open_session(server.base, n=2), await open_session(server.base, n=2)
        r = redis.Redis.from_url(redis_server.url)
        try:
            await empty.facilitator.command("advance")
            await empty.close()
            for key in room_keys(r, empty.code):
                # Redis drops it once the TTL runs out; -2: already gone since it was listed (the
                # presence of a room nobody is in any more); -1, a key kept forever, would fail
                ttl = r.ttl(key)
                assert ttl == -2 or 0 < ttl <= TTL, key
            # as if the busy room had been quiet for almost all of its TTL: with people
            # connected, the next presence heartbeat gives it the whole TTL again
            keys = room_keys(r, busy.code)
            assert keys
            for key in keys:
                r.pexpire(key, 8000)  # longer than a heartbeat interval (4 s)
            for _ in range(200):
                if min(r.pttl(key) for key in keys) > 10_000:
                    break
                await asyncio.sleep(0.05)
            assert all(r.pttl(key) > 10_000 for key in keys)
            await busy.facilitator.command("advance")  # and it is all still there
            await busy.settle()
            assert busy.members[1].state["phase"]["id"] == "opening"
        finally:
            await busy.close()
            r.close()


async def test_a_command_in_a_room_that_expired_is_told_so_and_the_connection_closes_4005(redis_server):
    """It used to drop the socket with 1006 and log a LookupError; the client kept trying."""
    with running_servers(1, {"KRING_REDIS_URL": redis_server.url}) as (server,):
        s = await open_session(server.base, n=2)
        r = redis.Redis.from_url(redis_server.url)
        try:
            anna = s.members[0]
            r.delete(*[k for k in room_keys(r, s.code) if not k.endswith(b":presence")])  # gone, as by its TTL
            with pytest.raises(CommandError) as err:
                await anna.command("ready", ready=True)
            assert err.value.code == errors.UNKNOWN_ROOM
            assert err.value.frame["detail"] == "this room no longer exists"
            await anna.wait_until(lambda c: c.close_code is not None)
            assert anna.close_code == errors.CLOSE_GONE
            with pytest.raises(CommandError) as err:  # final: the token leads nowhere now
                await KringClient(ws_url(server.base), reconnect=False).resume(anna.token or "")
            assert err.value.code == errors.BAD_TOKEN
        finally:
            await s.close()
            r.close()


async def test_healthz_says_unavailable_while_redis_is_away_and_livez_stays_ok(tmp_path):
    with running_redis(tmp_path) as own, running_servers(1, {"KRING_REDIS_URL": own.url}) as (server,):
        assert get(server.base + "/healthz") == (200, {"status": "ok", "backend": "RedisBackend"})
        own.stop()
        for _ in range(200):
            status, body = get(server.base + "/healthz")
            if status == 503:
                break
            await asyncio.sleep(0.05)
        assert status == 503 and body["status"] == "unavailable" and body["detail"]
        assert get(server.base + "/livez") == (200, {"status": "ok"})  # the process itself is fine
        own.start()
        for _ in range(200):
            if get(server.base + "/healthz")[0] == 200:
                break
            await asyncio.sleep(0.05)
        assert get(server.base + "/healthz") == (200, {"status": "ok", "backend": "RedisBackend"})
