"""The backend contract, checked the same way against memory and a real redis-server.

For Redis, `peer` is a second backend object on the same server: what a second process
would see.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from server.backends import Backend, Conflict, MemoryBackend, execute, read
from server.backends import redis_keys as keys
from server.rooms import identity
from server.rooms.engine import decide_join, new_room
from server.rooms.events import Event


@pytest.fixture(params=["memory", "redis"])
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Backend, Backend]]:
    if request.param == "memory":
        backend = MemoryBackend()
        await backend.start()
        yield backend, backend
        await backend.close()
        return
    from server.backends.redis import RedisBackend

    url = request.getfixturevalue("redis_server").url
    first, second = RedisBackend(url), RedisBackend(url)
    await first.start()
    await second.start()
    yield first, second
    await first.close()
    await second.close()


async def _room(backend: Backend) -> str:
    code = identity.new_room_code()
    state = new_room(code, identity.new_epoch(), identity.token_hash("f"), method_id="drie-rondes")
    assert await backend.create(state)
    return code


async def _join(backend: Backend, code: str, name: str) -> str:
    decision, _ = await execute(backend, code, lambda s, rng: decide_join(s, name, identity.token_hash(name)))
    return decision.result["participant"]


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.arrived = asyncio.Event()

    def __call__(self, code: str, events: list[Event]) -> None:
        self.events.extend(events)
        self.arrived.set()

    async def until(self, seq: int) -> None:
        while not self.events or self.events[-1].seq < seq:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 10)


async def test_create_refuses_a_taken_code(pair):
    backend, peer = pair
    code = await _room(backend)
    state = new_room(code, identity.new_epoch(), identity.token_hash("g"), method_id="drie-rondes")
    assert not await peer.create(state)


async def test_a_stale_commit_conflicts_and_execute_decides_again(pair):
    backend, peer = pair
    code = await _room(backend)
    stale = await backend.load(code)
    assert stale is not None
    await _join(peer, code, "Anna")
    if backend is peer:  # memory: the loaded state is the live one; take a copy that is stale
        stale = dataclasses.replace(stale.clone(), seq=stale.seq - 1)
    with pytest.raises(Conflict):
        await backend.commit(stale, [Event("locked", {"locked": True})])
    # execute reloads and decides on the new state: both joins land, seqs gapless
    await _join(backend, code, "Bram")
    state = await read(peer, code)
    assert state is not None
    assert [p.name for p in state.participants.values()][-2:] == ["Anna", "Bram"]
    events = await peer.read_since(code, state.epoch, 0)
    assert events is not None and [e.seq for e in events] == list(range(1, state.seq + 1))


async def test_concurrent_commits_from_two_places_keep_every_event(pair):
    backend, peer = pair
    code = await _room(backend)
    names = [f"P{i}" for i in range(20)]
    await asyncio.gather(*(_join(backend if i % 2 else peer, code, n) for i, n in enumerate(names)))
    state = await read(backend, code)
    assert state is not None
    assert sorted(p.name for p in state.participants.values() if p.role == "participant") == sorted(names)
    events = await backend.read_since(code, state.epoch, 0)
    assert events is not None and [e.seq for e in events] == list(range(1, state.seq + 1))


async def _ten_joins_from_both(backend: Backend, peer: Backend, code: str) -> tuple[Recorder, Recorder, int]:
    """Each place listens, ten people join through one and the other in turn; returns the
    listeners once both have every event, and the room's seq."""
    here, there = Recorder(), Recorder()
    await backend.subscribe(code, here)
    await peer.subscribe(code, there)
    for i in range(10):
        await _join(backend if i % 2 else peer, code, f"P{i}")
    state = await read(backend, code)
    assert state is not None
    await here.until(state.seq)
    await there.until(state.seq)
    return here, there, state.seq


async def test_subscribers_get_every_commit_in_order(pair):
    backend, peer = pair
    code = await _room(backend)
    here, there, seq = await _ten_joins_from_both(backend, peer, code)
    assert [e.seq for e in here.events] == [e.seq for e in there.events] == list(range(1, seq + 1))
    await backend.unsubscribe(code, here)
    await peer.unsubscribe(code, there)


async def test_read_since_gives_the_missed_events_or_none(pair):
    backend, peer = pair
    code = await _room(backend)
    for name in ("Anna", "Bram", "Chris"):
        await _join(backend, code, name)
    state = await read(peer, code)
    assert state is not None
    missed = await peer.read_since(code, state.epoch, 1)
    assert missed is not None and [e.seq for e in missed] == list(range(2, state.seq + 1))
    assert await peer.read_since(code, state.epoch, state.seq) == []
    assert await peer.read_since(code, "another-epoch", 1) is None
    assert await peer.read_since(code, state.epoch, state.seq + 5) is None
    assert await peer.read_since("NOROOM", state.epoch, 0) is None


async def test_erase_removes_the_room_everywhere(pair):
    backend, peer = pair
    code = await _room(backend)
    await _join(backend, code, "Anna")
    await backend.connected(code, "p2")
    epoch = (await read(backend, code)).epoch  # type: ignore[union-attr]  # created just above
    await peer.erase(code)
    assert await read(backend, code) is None
    assert await backend.read_since(code, epoch, 0) is None
    with pytest.raises(LookupError):
        await _join(backend, code, "Bram")


async def test_a_lost_redis_log_starts_a_new_epoch(redis_server):
    """If the stream is gone while the room lives on, no client may take the new log for
    the old one: the next commit opens a new epoch and old positions get a snapshot."""
    import redis.asyncio as aioredis

    from server.backends.redis import RedisBackend

    backend = RedisBackend(redis_server.url)
    await backend.start()
    try:
        code = await _room(backend)
        await _join(backend, code, "Anna")
        before = await read(backend, code)
        assert before is not None
        before = before.clone()  # as it was: a commit folds into the state a process holds
        async with aioredis.Redis.from_url(redis_server.url) as r:
            assert await r.delete(f"kring:{{{code}}}:log") == 1
        await _join(backend, code, "Bram")
        after = await read(backend, code)
        assert after is not None and after.epoch != before.epoch
        assert await backend.read_since(code, before.epoch, before.seq) is None
        assert [e.seq for e in await backend.read_since(code, after.epoch, before.seq) or []] == [after.seq]
    finally:
        await backend.erase(code)
        await backend.close()


async def test_a_lost_log_loses_nothing_a_process_holds(redis_server):
    """A process that holds the room (listeners here) commits events without the state; if
    the log is lost after the stored snapshot, the next commit is told so and writes the room
    whole, from what the process holds: nobody who joined is lost, and a new epoch opens."""
    import redis.asyncio as aioredis

    from server.backends.redis import RedisBackend

    backend = RedisBackend(redis_server.url)
    await backend.start()
    recorder = Recorder()
    try:
        code = await _room(backend)
        await backend.subscribe(code, recorder)
        names = ["Anna", "Bram", "Chris", "Dewi"]
        for name in names[:3]:
            await _join(backend, code, name)
        before = await read(backend, code)
        assert before is not None
        before = before.clone()  # as it was: a commit folds into the state a process holds
        async with aioredis.Redis.from_url(redis_server.url) as r:
            seq, snap = await r.hmget(f"kring:{{{code}}}:room", ["seq", "snap"])
            assert int(snap) < int(seq)  # the stored state is older than the room: the log has the rest
            assert await r.delete(f"kring:{{{code}}}:log") == 1
        await _join(backend, code, names[3])
        await backend.unsubscribe(code, recorder)
        after = await read(backend, code)  # read afresh from Redis: the snapshot is whole
        assert after is not None and after.epoch != before.epoch
        assert sorted(p.name for p in after.participants.values() if p.name in names) == sorted(names)
    finally:
        await backend.erase(code)
        await backend.close()


async def test_a_refusal_is_only_final_on_the_latest_state(pair):
    """A process whose copy lags behind another's commit must not refuse on it: the case
    that another process just stored is found, every time."""
    from protocol.messages import Command
    from server.rooms.engine import decide
    from server.rooms.events import Actor

    backend, peer = pair
    code = await _room(backend)
    watcher = Recorder()
    await backend.subscribe(code, watcher)  # `backend` keeps a cached copy, as a process with connections does
    try:
        pid = await _join(peer, code, "Anna")
        await execute(peer, code, lambda s, rng: decide(s, Actor("p1"), Command("advance", "a1", {}), rng))
        # Anna confirms the agreement: moving on past it, and proposing, wait for that
        await execute(peer, code, lambda s, rng: decide(s, Actor(pid, b"anna"), Command("confirm", "k1", {}), rng))
        await execute(peer, code, lambda s, rng: decide(s, Actor("p1"), Command("advance", "a2", {}), rng))
        for n in range(15):  # at most 20 cases per room
            await backend.load(code)  # the cache is current here ...
            proposed, _ = await execute(  # ... and behind once the other process commits
                peer,
                code,
                lambda s, rng, n=n: decide(
                    s, Actor(pid, b"anna"), Command("propose_case", f"p{n}", {"title": "T", "question": "Q"}), rng
                ),
            )
            case = proposed.result["case"]
            chosen, _ = await execute(
                backend,
                code,
                lambda s, rng, n=n, case=case: decide(
                    s, Actor("p1"), Command("choose_case", f"c{n}", {"case": case}), rng
                ),
            )
            assert chosen.events and chosen.events[0].public["case"] == case
    finally:
        await backend.unsubscribe(code, watcher)
        await backend.erase(code)


async def test_an_ended_room_left_stored_is_erased_by_the_next_end_and_never_served(pair):
    """The process that committed `ended` died (or its erase failed) before erasing: the
    room stays stored but ended. A facilitator's next `end`, with the same id or a new
    one, erases it; a participant's does not; a hello that finds it erases it too."""
    from protocol.messages import Command
    from server.backends import end_and_erase, erase_if_ended
    from server.rooms.engine import decide
    from server.rooms.events import Actor, RoomError

    def end(pid: str, cid: str):
        return lambda s, rng: decide(s, Actor(pid), Command("end", cid, {}), rng)

    backend, peer = pair
    for resent_id in ("e1", "e2"):
        code = await _room(backend)
        anna = await _join(backend, code, "Anna")
        decision, _ = await execute(backend, code, end("p1", "e1"))  # committed; no erase follows
        assert [e.t for e in decision.events] == ["ended"]
        state = await read(peer, code)
        assert state is not None and state.ended
        with pytest.raises(RoomError):
            await end_and_erase(peer, code, anna, end(anna, "x"))  # not a facilitator
        assert await read(peer, code) is not None
        assert (await end_and_erase(peer, code, "p1", end("p1", resent_id)))[0].events == []
        assert await read(backend, code) is None and await read(peer, code) is None
        # ending a room that is gone already is done, not an error
        assert (await end_and_erase(backend, code, "p1", end("p1", "e3")))[0].events == []

    code = await _room(backend)
    await execute(backend, code, end("p1", "e1"))
    assert not await erase_if_ended(peer, await read(peer, "NOROOM"))
    assert await erase_if_ended(peer, await read(peer, code))
    assert await read(backend, code) is None


async def test_a_failed_commit_leaves_the_loaded_state_untouched(pair):
    """A state handed out by `load` (a welcome may be building its snapshot from it) never
    shows events of a commit that did not go through."""
    backend, peer = pair
    code = await _room(backend)
    watcher = Recorder()
    await backend.subscribe(code, watcher)  # a process with connections keeps a copy
    try:
        loaded = await backend.load(code)
        assert loaded is not None
        before = loaded.clone()
        await _join(peer, code, "Anna")
        if backend is peer:  # memory: the live state moved on; commit a stale copy
            loaded = before.clone()
        with pytest.raises(Conflict):
            await backend.commit(loaded, [Event("locked", {"locked": True})])
        assert loaded == before
    finally:
        await backend.unsubscribe(code, watcher)


async def test_a_subscribe_that_failed_is_done_again(tmp_path):
    """Redis is away while a room's first connection subscribes: the subscribe fails, and
    the next one really subscribes (it is not taken for done) once Redis is back."""
    from server.backends.redis import RedisBackend

    from .servers import running_redis

    with running_redis(tmp_path) as store:
        backend, peer = RedisBackend(store.url), RedisBackend(store.url)
        await backend.start()
        await peer.start()
        try:
            code = await _room(peer)
            store.kill()
            for _ in range(2):  # failed, and so not done: the next attempt tries again (and fails)
                with pytest.raises(RedisBackend.transient):
                    await backend.subscribe(code, Recorder())
            store.start()
            here = Recorder()

            async def once_back(step):  # a connection from before the restart fails once
                for _ in range(100):
                    try:
                        return await step()
                    except RedisBackend.transient:
                        await asyncio.sleep(0.1)

            await once_back(lambda: backend.subscribe(code, here))
            await once_back(lambda: _join(peer, code, "Anna"))  # committed and published elsewhere
            await here.until(1)
            assert [e.t for e in here.events] == ["joined"]
        finally:
            await backend.close()
            await peer.close()


async def test_memory_rooms_expire_after_the_ttl_unless_someone_is_listening():
    import time

    backend = MemoryBackend(room_ttl=60)
    idle, watched = await _room(backend), await _room(backend)
    listener = Recorder()
    await backend.subscribe(watched, listener)
    now = time.monotonic()
    backend.expire(now + 30)
    assert await read(backend, idle) is not None
    backend.expire(now + 61)
    assert await read(backend, idle) is None
    assert await read(backend, watched) is not None  # someone is connected
    await backend.unsubscribe(watched, listener)  # the last one leaves: idle from now on
    backend.expire(time.monotonic() + 30)
    assert await read(backend, watched) is not None
    backend.expire(time.monotonic() + 61)
    assert await read(backend, watched) is None


def test_the_stored_snapshot_is_the_plain_state_with_the_results_passed() -> None:
    """Redis stores a room packed straight from its dataclasses, with the command results
    passed apart (a commit's copy of the state has none); it must be exactly the plain form
    that `RoomState.from_dict` reads back, whatever the room holds."""
    import msgpack

    from server.backends.redis_codec import pack_state
    from server.rooms.state import RoomState

    from .harness import draw, start_case

    room, _, group = start_case(6, phase="associatieronde")
    room.run(room.facilitator, "deal_cards")
    draw(room, group)
    room.run(group[0], "perspective", texts=["Ik voel onrust", "Ik denk: dit gaat mis"])
    room.goto("vragenronde")
    q = room.run(group[1], "ask", text="Wat maakt het lastig?").result["question"]
    room.run(group[2], "upvote", question=q, on=True)
    state = room.state
    assert state.applied  # there are results to carry
    packed = pack_state(state.clone(applied=False), state.applied)
    plain = dataclasses.asdict(state)
    plain["applied"] = list(state.applied.items())
    assert packed == msgpack.packb(plain, use_bin_type=True)
    back = RoomState.from_dict(msgpack.unpackb(packed, raw=False, strict_map_key=False))
    assert back == state and back.applied == state.applied
    copy = state.clone()
    assert copy == state and copy.deals is not state.deals


async def test_an_event_that_cannot_be_carried_is_refused_before_anything_is_committed(pair):
    """Once, a name no codec could encode was applied, then lost on the way out: a seq gap
    for everyone and a room nobody could enter. Events are encoded before the commit now,
    so such a command is refused whole and the room goes on as if it never came."""
    from server.rooms.events import RoomError

    backend, peer = pair
    code = await _room(backend)
    listener = Recorder()
    await backend.subscribe(code, listener)
    before = await read(backend, code)
    assert before is not None
    seq = before.seq
    with pytest.raises(RoomError) as err:  # straight to the engine: the door is not asked here
        await execute(backend, code, lambda s, rng: decide_join(s, "X\ud800", identity.token_hash("x")))
    assert err.value.code == "invalid_field"
    for b in (backend, peer):
        after = await read(b, code)
        assert after is not None and after.seq == seq and len(after.participants) == 1
    assert await backend.read_since(code, before.epoch, 0) is not None
    await _join(peer, code, "Anna")  # the next event follows without a gap
    await listener.until(seq + 1)
    assert [e.seq for e in listener.events] == [seq + 1]
    assert [e.seq for e in await peer.read_since(code, before.epoch, 0) or []] == list(range(1, seq + 2))
    await backend.unsubscribe(code, listener)


async def test_a_heartbeat_does_not_bring_back_someone_who_left_while_it_waited(redis_server):
    """The Redis heartbeat copies who is here, waits on Redis, then marks them present
    again. Someone who left during that wait stays offline: they used to come back online
    (a `presence` event, with nobody connected) until their entry expired 10 s later.
    (Found while checking tests/test_wire_fuzz.py for events nobody caused.)"""
    from server.backends.redis import RedisBackend

    backend = RedisBackend(redis_server.url)
    await backend.start()
    try:
        code = await _room(backend)
        anna = await _join(backend, code, "Anna")
        await backend.connected(code, anna)
        zadd = backend.redis.zadd

        async def anna_leaves_first(*args, **kwargs):  # she closes her tab while the heartbeat waits
            backend.redis.zadd = zadd
            await backend.disconnected(code, anna)
            return await zadd(*args, **kwargs)

        backend.redis.zadd = anna_leaves_first
        await backend._beat()
        state = await read(backend, code)
        assert state is not None and not state.participants[anna].online
        presence = [
            e.public["online"] for e in await backend.read_since(code, state.epoch, 0) or [] if e.t == "presence"
        ]
        assert presence == [True, False]
        assert not await backend._online_elsewhere(code, anna)  # and no entry of hers is left to expire
    finally:
        await backend.erase(code)
        await backend.close()


async def test_a_process_knows_its_own_pubsub_echo_without_decoding_it(redis_server, monkeypatch):
    """Each commit comes back over pub/sub to the process that made it too; it was delivered
    here when it was committed, so the echo is recognised by its bytes and dropped before
    decoding. Of ten commits from two processes, each payload is decoded once: by the other."""
    from server.backends import redis_fanout
    from server.backends.redis import RedisBackend

    decoded: list[int] = []
    real_unpack = redis_fanout.unpack

    def counting_unpack(data: bytes):
        out = real_unpack(data)
        decoded.extend(e["seq"] for e in out)
        return out

    monkeypatch.setattr(redis_fanout, "unpack", counting_unpack)
    backend, peer = RedisBackend(redis_server.url), RedisBackend(redis_server.url)
    await backend.start()
    await peer.start()
    try:
        code = await _room(backend)
        here, there, seq = await _ten_joins_from_both(backend, peer, code)
        for _ in range(500):  # the last echoes are on their way (nothing waits on them otherwise)
            if not backend.rooms[code].published and not peer.rooms[code].published:
                break
            await asyncio.sleep(0.01)
        assert [e.seq for e in here.events] == [e.seq for e in there.events] == list(range(1, seq + 1))
        assert sorted(decoded) == list(range(1, seq + 1))  # each once, none twice
        assert not backend.rooms[code].published and not peer.rooms[code].published
        await backend.unsubscribe(code, here)
        await peer.unsubscribe(code, there)
    finally:
        await backend.erase(code)
        await backend.close()
        await peer.close()


async def test_a_room_stored_before_results_went_into_the_log_keeps_them(redis_server):
    """Rooms live across a deploy: one stored by the version that kept command results in
    their own list (`kring:{CODE}:applied`) is read with them, and a re-sent command is
    still known after a reload; new results go into the log."""
    import msgpack
    import redis.asyncio as aioredis

    from server.backends.redis import RedisBackend

    backend = RedisBackend(redis_server.url)
    await backend.start()
    try:
        code = await _room(backend)
        old = msgpack.packb(["k-old", {"question": "q1"}], use_bin_type=True)
        async with aioredis.Redis.from_url(redis_server.url) as r:
            await r.rpush(f"kring:{{{code}}}:applied", old)
        state = await read(backend, code)
        assert state is not None and state.applied == {"k-old": {"question": "q1"}}

        def decide_with_result(s, rng):  # as the engine marks a command's first event
            decision = decide_join(s, "Anna", identity.token_hash("Anna"))
            first = decision.events[0]
            first.internal = {**(first.internal or {}), "cmd": ["k-new", decision.result]}
            return decision

        decision, after = await execute(backend, code, decide_with_result)
        fresh = await backend._fetch(code)  # as a process that never held the room reads it
        assert fresh is not None and list(fresh.applied) == ["k-old", "k-new"]
        assert fresh.applied["k-new"] == after.applied["k-new"]
    finally:
        await backend.erase(code)
        await backend.close()


async def test_someone_who_leaves_goes_offline_though_the_heartbeat_puts_their_entry_back(redis_server):
    """The heartbeat copies who is here, waits on Redis, then writes their entries. If it
    writes one back between a leave's removal of it and the check whether they are online
    elsewhere, that check must not count this process's own entry: they stayed online
    forever once, and the wire fuzzer's "everyone sees them leave" timed out."""
    from server.backends.redis import RedisBackend

    backend = RedisBackend(redis_server.url)
    await backend.start()
    try:
        code = await _room(backend)
        anna = await _join(backend, code, "Anna")
        await backend.connected(code, anna)
        zrem = backend.redis.zrem

        async def the_heartbeat_writes_back(*args, **kwargs):  # as _beat does with its copy
            backend.redis.zrem = zrem
            removed = await zrem(*args, **kwargs)
            await backend.redis.zadd(keys.room(code)[2], {backend._member(anna): time.time() + 10})
            return removed

        backend.redis.zrem = the_heartbeat_writes_back
        await backend.disconnected(code, anna)
        state = await read(backend, code)
        assert state is not None and not state.participants[anna].online
        presence = [
            e.public["online"] for e in await backend.read_since(code, state.epoch, 0) or [] if e.t == "presence"
        ]
        assert presence == [True, False]
    finally:
        await backend.erase(code)
        await backend.close()
