"""What a command costs Redis does not grow with the room (issue 15): a commit writes its
events, and the whole state only as a snapshot every SNAPSHOT_EVERY events. Measured where
it lands, in Redis's append-only file (`appendfsync always`, as the README advises), read
command by command: a room of eight asks 192 questions in three windows of 64 while the
room grows several times over, and each question costs the AOF the same, within twice the
bytes of the event it commits (386-391 bytes for 236-239-byte events when this was
written: the XADD with the event, one HSET of seq, MULTI/EXEC), and so does what the
commit sends Redis (414-418 bytes: the script call with its arguments). With
snapshots due every 32 events and the room's people on two processes, each snapshot is
written once, when it is due. Before this issue every commit wrote the whole state: the
bytes per question grew with the room."""

from __future__ import annotations

from pathlib import Path

import msgpack
import redis.asyncio as aioredis

from server.backends import redis_keys as keys

from .servers import running_redis, running_servers
from .session import server_snapshot, session_at

WINDOW = 64


def aof_file(directory: Path) -> Path:
    """The incremental AOF the commits go to (Redis 7 keeps a base and an incr file)."""
    return max(directory.rglob("*.incr.aof"), key=lambda p: p.stat().st_size)


def commands(data: bytes) -> list[tuple[list[bytes], int]]:
    """The commands of a piece of AOF (RESP arrays of bulk strings), each with its size."""
    out, i = [], 0
    while i < len(data):
        start = i
        assert data[i : i + 1] == b"*", data[i : i + 20]
        end = data.index(b"\r\n", i)
        n, i = int(data[i + 1 : end]), end + 2
        args = []
        for _ in range(n):
            end = data.index(b"\r\n", i)
            size = int(data[i + 1 : end])
            args.append(data[end + 2 : end + 2 + size])
            i = end + 2 + size + 2
        out.append((args, i - start))
    return out


async def asked(s, window: int, n: int) -> None:
    askers = s.members[1:]  # the group, each well under the per-connection rate
    for i in range(n):
        await askers[i % len(askers)].command("ask", text=f"Vraag {window}-{i}: wat maakt dit voor jou zo lastig?")


async def test_a_question_writes_as_much_to_redis_as_the_first_one(tmp_path: Path):
    with running_redis(tmp_path) as store, running_servers(1, {"KRING_REDIS_URL": store.url}) as (server,):
        s = await session_at(server.base, "vragenronde", n=8)
        try:
            room, log_key = keys.room(s.code)[:2]
            per_question, net_in, per_event, state_bytes = [], [], [], []
            async with aioredis.Redis.from_url(store.url) as r:
                for window in range(3):
                    aof = aof_file(tmp_path)
                    offset, seq_before = aof.stat().st_size, int(await r.hget(room, "seq"))
                    received = (await r.info("stats"))["total_net_input_bytes"]
                    await asked(s, window, WINDOW)
                    received = (await r.info("stats"))["total_net_input_bytes"] - received
                    net_in.append(received / WINDOW)
                    assert aof_file(tmp_path) == aof  # no AOF rewrite in between
                    written = commands(aof.read_bytes()[offset:])
                    assert not [args for args, _ in written if b"state" in args]  # no snapshot due yet
                    per_question.append(sum(size for _, size in written) / WINDOW)
                    entries = await r.xrange(log_key, min=str(seq_before + 1), max="+")
                    assert len(entries) == WINDOW
                    per_event.append(sum(len(fields[b"e"]) for _, fields in entries) / WINDOW)
                    _, snap = await server_snapshot(server.base, s.facilitator)
                    state_bytes.append(len(msgpack.packb(snap)))
            assert state_bytes[-1] > 2 * state_bytes[0], state_bytes  # the room grew
            assert max(per_question) < 1.05 * min(per_question), per_question  # what a question costs did not
            assert all(q <= 2 * e for q, e in zip(per_question, per_event, strict=True)), (per_question, per_event)
            # and what the commit sends Redis (the script call with its arguments, and the
            # presence heartbeats meanwhile): within twice the event too
            assert all(n <= 2 * e for n, e in zip(net_in, per_event, strict=True)), (net_in, per_event)
            print(f"per question: AOF {per_question}, sent to Redis {net_in}, event {per_event}")
            await s.settle()
        finally:
            await s.close()


async def test_a_snapshot_is_written_once_when_it_is_due(tmp_path: Path):
    """KRING_LOG_CAP=64: a snapshot every 32 events. Two processes commit in turn, each
    with its own (older) view of the last snapshot; commit.lua writes each one once."""
    env = {"KRING_LOG_CAP": "64"}
    with running_redis(tmp_path) as store, running_servers(2, {"KRING_REDIS_URL": store.url, **env}) as (a, b):
        s = await session_at(a.base, "vragenronde", n=8, others=[b.base])
        try:
            room = keys.room(s.code)[0]
            aof = aof_file(tmp_path)
            offset = aof.stat().st_size
            async with aioredis.Redis.from_url(store.url) as r:
                first = int(await r.hget(room, "snap"))
                await asked(s, 0, 100)
                seq, snap = (int(x) for x in await r.hmget(room, ["seq", "snap"]))
            snapshots = [
                int(args[args.index(b"snap") + 1])
                for args, _ in commands(aof.read_bytes()[offset:])
                if b"state" in args
            ]
            assert snapshots and snapshots[-1] == snap and 0 <= seq - snap < 32
            gaps = [y - x for x, y in zip([first, *snapshots], snapshots, strict=False)]
            assert all(32 <= g <= 33 for g in gaps), (first, snapshots)  # due, and once (a commit may hold 2 events)
            await s.settle()
        finally:
            await s.close()
