"""Rooms spread over several Redis servers (issue 15): which server a room goes to, that it
stays there, and that each server on its own keeps every guarantee of one Redis.

The backend tests use two real redis-servers and two ShardedRedis objects on them (what two
processes would see); the last test runs two real server processes on two redis-servers
and kills one of the servers, then one of the processes."""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from server.backends import RoomsFull, open_backend, read
from server.backends.redis import RedisBackend
from server.backends.redis_shards import ShardedRedis, preference
from server.config import ConfigError, Settings
from server.rooms import identity
from server.rooms.engine import new_room

from .servers import RedisServer, running_redis, running_servers
from .session import Session, open_session
from .test_backends import Recorder, _join
from .test_redis import ask_many, assert_each_question_once, event_sequences_agree, to_questions_round
from .test_redis_expiry import get

CODES = ["".join(random.Random(i).choices(string.ascii_uppercase + string.digits, k=6)) for i in range(4000)]


def test_a_code_prefers_the_same_server_whatever_the_order_and_new_servers_take_only_their_share():
    two = ["redis://a:6379/0", "redis://b:6379/0"]
    three = [*two, "redis://c:6379/0"]
    firsts = [two[preference(code, two)[0]] for code in CODES]
    assert firsts == [list(reversed(two))[preference(code, list(reversed(two)))[0]] for code in CODES]
    share = firsts.count(two[0]) / len(CODES)
    assert 0.45 < share < 0.55, share  # spread evenly
    moved = 0
    for code, before in zip(CODES, firsts, strict=True):
        after = three[preference(code, three)[0]]
        if after != before:
            assert after == three[2]  # a code only ever moves to the new server ...
            moved += 1
    assert 0.28 < moved / len(CODES) < 0.39, moved  # ... and a third of them do


def test_kring_redis_url_takes_several_servers_and_refuses_what_is_not_one():
    env = {"KRING_REDIS_URL": " redis://10.0.0.5:6379/0 , rediss://10.0.0.6:6380/0"}
    assert Settings.from_env(env).redis_urls == ("redis://10.0.0.5:6379/0", "rediss://10.0.0.6:6380/0")
    assert Settings.from_env({}).redis_urls == ()
    with pytest.raises(ConfigError, match="KRING_REDIS_URL: '10.0.0.5:6379'"):
        Settings.from_env({"KRING_REDIS_URL": "10.0.0.5:6379"})
    with pytest.raises(ConfigError, match="twice"):
        Settings.from_env({"KRING_REDIS_URL": "redis://a/0,redis://a/0"})


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[RedisServer, RedisServer]]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with running_redis(tmp_path / "a") as a, running_redis(tmp_path / "b") as b:
        yield a, b


@pytest.fixture
async def processes(stores: tuple[RedisServer, RedisServer]) -> AsyncIterator[tuple[ShardedRedis, ShardedRedis]]:
    urls = [stores[0].url, stores[1].url]
    one, two = open_backend(urls), open_backend(list(reversed(urls)))  # the order does not matter
    assert isinstance(one, ShardedRedis) and isinstance(two, ShardedRedis)
    await one.start()
    await two.start()
    yield one, two
    await one.close()
    await two.close()


def _state(code: str):
    return new_room(code, identity.new_epoch(), identity.token_hash("f"), method_id="drie-rondes")


async def _keys(url: str) -> set[str]:
    async with aioredis.Redis.from_url(url) as r:
        return {k.decode() for k in await r.keys("kring:{*")}


async def test_rooms_live_whole_on_the_server_their_code_prefers_and_both_processes_share_them(stores, processes):
    one, two = processes
    urls = one.urls
    codes = CODES[:12]
    for code in codes:
        assert await one.create(_state(code))
        assert not await two.create(_state(code))  # taken, whichever process asks
    here = {code: Recorder() for code in codes}
    there = {code: Recorder() for code in codes}
    for code in codes:
        await one.subscribe(code, here[code])
        await two.subscribe(code, there[code])
        for i in range(4):
            await _join(one if i % 2 else two, code, f"P{i}")
    for code in codes:
        await here[code].until(4)
        await there[code].until(4)
        assert [e.seq for e in here[code].events] == [e.seq for e in there[code].events] == [1, 2, 3, 4]
        state = await read(two, code)
        assert state is not None and state.seq == 4
    # every key of a room on its preferred server, none anywhere else
    held = {url: await _keys(url) for url in urls}
    for code in codes:
        home = urls[preference(code, urls)[0]]
        for url, found in held.items():
            mine = {k for k in found if k.startswith(f"kring:{{{code}}}:")}
            expected = {f"kring:{{{code}}}:room", f"kring:{{{code}}}:log"}  # no presence, no command ids here
            assert mine == (expected if url == home else set()), (code, url, mine)
    assert all(any(k.startswith(f"kring:{{{c}}}") for c in codes for k in held[url]) for url in urls)
    # each process has one pub/sub connection per server, whatever the number of rooms
    for url in urls:
        async with aioredis.Redis.from_url(url) as r:
            clients = await r.client_list(_type="pubsub")
            assert len(clients) == 2, clients
    for code in codes:
        await one.unsubscribe(code, here[code])
        await two.unsubscribe(code, there[code])
        await two.erase(code)
    for url in urls:
        assert not await _keys(url)


async def test_a_room_made_before_a_server_was_added_stays_where_it_is(stores):
    a, b = stores
    urls = [a.url, b.url]
    # codes that would go to the new server b, made while a was the only one
    moving = [code for code in CODES if urls[preference(code, urls)[0]] == b.url][:3]
    alone = RedisBackend(a.url)
    await alone.start()
    for code in moving:
        assert await alone.create(_state(code))
        await _join(alone, code, "Anna")
    await alone.close()

    grown = open_backend(urls)
    assert isinstance(grown, ShardedRedis)
    await grown.start()
    try:
        for code in moving:
            state = await read(grown, code)
            assert state is not None and state.seq == 1  # found where it was made
            await _join(grown, code, "Bram")  # and it goes on there
            assert not await grown.create(_state(code))  # its code is taken
        assert not await _keys(b.url)  # nothing of them on the new server
        assert {f"kring:{{{c}}}:room" for c in moving} <= await _keys(a.url)
        for code in moving:
            events = await grown.read_since(code, (await read(grown, code)).epoch, 0)  # type: ignore[union-attr]
            assert [e.t for e in events or []] == ["joined", "joined"]
        # a new room with such a code goes to the new server
        fresh = next(c for c in CODES[3000:] if urls[preference(c, urls)[0]] == b.url)
        assert await grown.create(_state(fresh))
        assert f"kring:{{{fresh}}}:room" in await _keys(b.url)
    finally:
        await grown.close()


async def test_a_redis_server_down_stops_only_its_own_rooms_and_nothing_is_lost(stores):
    """One room on each server, members of each on both processes. Server a is killed while
    both rooms ask: the room on b goes on meanwhile, the room on a waits for a to come back
    from its append-only file; then a server process is killed -9 mid-burst. Every
    acknowledged question is there exactly once, in one sequence for everyone."""
    a, b = stores
    urls = [a.url, b.url]
    with running_servers(2, {"KRING_REDIS_URL": ",".join(urls)}) as (p, q):
        sessions: dict[str, Session] = {}
        extra: list[Session] = []
        try:
            while len(sessions) < 2:  # a room on each server (the code decides, see preference)
                s = await open_session(p.base, n=5, others=[q.base])
                home = urls[preference(s.code, urls)[0]]
                if home in sessions:
                    extra.append(s)
                else:
                    sessions[home] = s
            on_a, on_b = sessions[a.url], sessions[b.url]
            for s in (on_a, on_b):
                await to_questions_round(s)
            acked_a: dict[str, str] = {}
            acked_b: dict[str, str] = {}
            started_a, started_b = asyncio.Event(), asyncio.Event()
            asking_a = asyncio.create_task(ask_many(on_a, 8, acked_a, started_a, at=6))
            asking_b = asyncio.create_task(ask_many(on_b, 8, acked_b, started_b, at=6))
            await asyncio.wait_for(asyncio.gather(started_a.wait(), started_b.wait()), 30)
            a.kill()
            await asyncio.wait_for(asking_b, 60)  # b's room finishes while a is down ...
            assert not asking_a.done() and not any(c.unavailable for c in on_b.everyone)
            # the process stays ready (the balancer keeps it) and says which server is away
            status, body = get(p.base + "/healthz")
            assert status == 200 and body["backend"] == "ShardedRedis" and a.url in body["degraded"], body
            assert b.url not in body["degraded"]
            a.start()
            await asyncio.wait_for(asking_a, 90)  # ... and a's once it is back
            for s, acked in ((on_a, acked_a), (on_b, acked_b)):
                await s.settle()
                await assert_each_question_once(s, p.base, acked, expected=32)

            # a process killed -9 while both rooms ask: the clients fail over to the other one
            done = asyncio.Event()
            asking = [
                asyncio.create_task(ask_many(on_a, 4, acked_a, done, at=40, first=8)),
                asyncio.create_task(ask_many(on_b, 4, acked_b, asyncio.Event(), at=40, first=8)),
            ]
            await asyncio.wait_for(done.wait(), 30)
            q.kill()
            await asyncio.wait_for(asyncio.gather(*asking), 60)
            for s, acked in ((on_a, acked_a), (on_b, acked_b)):
                await s.settle()
                await assert_each_question_once(s, p.base, acked, expected=48)
                event_sequences_agree(s)
        finally:
            for s in [*sessions.values(), *extra]:
                await s.close()


async def test_a_room_is_found_on_its_server_while_another_server_is_away(stores):
    """A process that has not met the room yet looks for it in the code's order of servers;
    one that does not answer is passed over, not taken for "no such room" or for "away"."""
    a, b = stores
    urls = [a.url, b.url]
    code = next(c for c in CODES if urls[preference(c, urls)[0]] == a.url)  # prefers a ...
    alone = RedisBackend(b.url)  # ... but was made on b before a was added
    await alone.start()
    assert await alone.create(_state(code))
    await _join(alone, code, "Anna")
    await alone.close()
    a.kill()
    fresh = open_backend(urls)
    assert isinstance(fresh, ShardedRedis)
    assert fresh.shards[1].url == b.url
    await fresh.shards[1].start()  # b's half only: a is down
    try:
        state = await read(fresh, code)
        assert state is not None and state.seq == 1
        await _join(fresh, code, "Bram")
        other = next(c for c in CODES if urls[preference(c, urls)[0]] == a.url and c != code)
        with pytest.raises(fresh.transient):  # a room that may be on a: away, not missing
            await read(fresh, other)
    finally:
        a.start()
        await fresh.close()


async def test_the_room_cap_counts_every_server_and_forgets_rooms_that_expired(stores):
    """KRING_MAX_ROOMS holds for all servers together; a room that expired frees its place."""
    a, b = stores
    urls = [a.url, b.url]
    backend = open_backend(urls, max_rooms=4)
    assert isinstance(backend, ShardedRedis)
    await backend.start()
    try:
        on = {url: [c for c in CODES if urls[preference(c, urls)[0]] == url] for url in urls}
        codes = on[a.url][:2] + on[b.url][:2]
        for code in codes:
            assert await backend.create(_state(code))
        with pytest.raises(RoomsFull):
            await backend.create(_state(on[b.url][2]))
        async with aioredis.Redis.from_url(b.url) as r:  # one expires (its keys go; its code stays indexed)
            await r.delete(f"kring:{{{codes[3]}}}:room")
        assert await backend.create(_state(on[a.url][2]))
    finally:
        await backend.close()
