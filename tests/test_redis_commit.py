"""What a command costs Redis does not grow with the room (issue 15): a commit writes its
events, and the whole state only as a snapshot now and then. Measured where it lands, in
Redis's append-only file (`appendfsync always`, as the README advises): a room of eight
asks 192 questions in three windows of 64 while the stored room grows several times over.

The AOF is read command by command: what the commits wrote besides snapshots stays the same
per question from the first window to the last (about 510 bytes for a 234-byte event when
this was written: the XADD with the event, one HSET of seq and tail, the remembered result,
MULTI/EXEC), and the snapshots together cost at most 1/SNAPSHOT_TAIL of the events' bytes
(plus the one that was due when counting began). Before this change every commit wrote the
whole state: the bytes per question grew with the room."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis

from server.backends import redis_keys as keys
from server.backends.redis import SNAPSHOT_EVERY, SNAPSHOT_TAIL

from .servers import running_redis, running_servers
from .session import session_at

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


async def test_a_question_writes_as_much_to_redis_as_the_first_one(tmp_path: Path):
    with running_redis(tmp_path) as store, running_servers(1, {"KRING_REDIS_URL": store.url}) as (server,):
        s = await session_at(server.base, "vragenronde", n=8)
        try:
            askers = s.members[1:]  # the group, each well under the per-connection rate
            room, log_key = keys.room(s.code)[:2]
            besides, snapshots, event_bytes, stored = [], 0, 0, []
            async with aioredis.Redis.from_url(store.url) as r:
                for window in range(3):
                    aof = aof_file(tmp_path)
                    offset, seq_before = aof.stat().st_size, int(await r.hget(room, "seq"))
                    for i in range(WINDOW):
                        await askers[i % len(askers)].command(
                            "ask", text=f"Vraag {window}-{i}: wat maakt dit voor jou zo lastig?"
                        )
                    assert aof_file(tmp_path) == aof  # no AOF rewrite in between
                    written = commands(aof.read_bytes()[offset:])
                    snap = sum(size for args, size in written if args[0] == b"HSET" and b"state" in args)
                    snapshots += snap
                    besides.append((sum(size for _, size in written) - snap) / WINDOW)
                    entries = await r.xrange(log_key, min=str(seq_before + 1), max="+")
                    assert len(entries) == WINDOW
                    event_bytes += sum(len(fields[b"e"]) for _, fields in entries)
                    stored.append(len(await r.hget(room, "state") or b""))
                    seq, snap_seq = await r.hmget(room, ["seq", "snap"])
                    assert 0 <= int(seq) - int(snap_seq) < SNAPSHOT_EVERY
            per_event = event_bytes / (3 * WINDOW)
            assert stored[-1] > 2 * stored[0], stored  # the room grew
            # what a question costs besides snapshots did not, and it is the event plus a little
            assert max(besides) < 1.1 * min(besides), besides
            assert besides[-1] < per_event + 320, (besides, per_event)
            # snapshots are paid for by the events since the last one (the first may have been due)
            assert 0 < snapshots <= event_bytes / SNAPSHOT_TAIL + stored[0] + 200, (snapshots, event_bytes, stored)
            await s.settle()
        finally:
            await s.close()
