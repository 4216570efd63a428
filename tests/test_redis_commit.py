"""What a command costs Redis does not grow with the room (issue 15): a commit writes its
events, and the whole state only as a snapshot every so often. Measured where it lands, in
Redis's append-only file (`appendfsync always`, as the README advises): a room of eight
asks 192 questions in three windows of 64, and the bytes the AOF grew per question stay
within a small factor while the stored room grows several times over (10.7, 17.6 and
28.7 KB; 940, 855 and 1,030 bytes per question when this was written). Before
this change, every commit wrote the whole state: the same measure grew with the room."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis

from server.backends import redis_keys as keys
from server.backends.redis import SNAPSHOT_EVERY

from .servers import running_redis, running_servers
from .session import session_at

WINDOW = 64


def aof_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*.aof"))


async def test_a_question_writes_as_much_to_redis_as_the_first_one(tmp_path: Path):
    with running_redis(tmp_path) as store, running_servers(1, {"KRING_REDIS_URL": store.url}) as (server,):
        s = await session_at(server.base, "vragenronde", n=8)
        try:
            askers = s.members[1:]  # the group, each well under the per-connection rate
            per_question, stored, snaps = [], [], []
            room = keys.room(s.code)[0]
            async with aioredis.Redis.from_url(store.url) as r:
                for window in range(3):
                    before = aof_bytes(tmp_path)
                    for i in range(WINDOW):
                        await askers[i % len(askers)].command(
                            "ask", text=f"Vraag {window}-{i}: wat maakt dit voor jou zo lastig?"
                        )
                    per_question.append((aof_bytes(tmp_path) - before) / WINDOW)
                    stored.append(len(await r.hget(room, "state") or b""))
                    seq, snap = await r.hmget(room, ["seq", "snap"])
                    snaps.append((int(seq), int(snap)))
            assert stored[-1] > 2 * stored[0], stored  # the room grew
            assert per_question[-1] < 1.5 * per_question[0], per_question  # what a question costs did not
            assert per_question[-1] < stored[-1] / 4, (per_question, stored)
            # snapshots were written as the room grew, each as of a seq whose later events the stream holds
            assert len({snap for _, snap in snaps}) == 3 and all(
                0 <= seq - snap < SNAPSHOT_EVERY for seq, snap in snaps
            )
            await s.settle()
        finally:
            await s.close()
