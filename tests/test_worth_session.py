"""'Was dit de tijd waard?' over real websockets (memory and Redis backends): every frame of
an answer is the same for everyone, the giver's own answer comes back in their ack only,
and Redis keeps no link between a person and their number."""

from __future__ import annotations

import asyncio
import json

from .redis_store import dump_room
from .session import server_snapshot, session_at
from .walk import strings

ANSWERS = [(4, "ja"), (2, "nee"), (5, "grotendeels"), (3, None), (4, "ja")]


async def test_worth_is_anonymous_on_the_wire_and_in_redis(server, backend):
    s = await session_at(server, "afsluiting", n=5)
    try:
        for c in s.everyone:
            c.frames.clear()
        acks = {}
        for m, (worth, process) in zip(s.members, ANSWERS, strict=True):
            acks[m.me["id"]] = await m.command("worth", worth=worth, process=process)
        await s.members[1].command("worth", worth=3, process="grotendeels")  # changed my mind
        await s.settle()

        # one frame per answer, and everyone got the very same one, the facilitator too
        seen = {json.dumps([f for f in c.frames if f.get("t") == "worth_given"]) for c in s.everyone}
        assert len(seen) == 1
        frames = json.loads(seen.pop())
        assert [f["worth_count"] for f in frames] == [1, 2, 3, 4, 5, 5]
        assert all(set(f) == {"t", "seq", "worth_count"} for f in frames)
        # the giver learns their own answer from the ack, which goes to them alone
        assert acks[s.members[0].me["id"]] == {"worth": 4, "process": "ja"}
        assert s.members[1].state["worth_mine"] == {"worth": 3, "process": "grotendeels"}
        assert s.facilitator.state["worth_mine"] is None and s.facilitator.state["worth_count"] == 5
        for c in s.everyone:  # the mirrors agree with the server's own snapshots
            assert c.state == (await server_snapshot(server, c))[1], c.me["name"]

        if "KRING_REDIS_URL" in backend:
            stored = dump_room(backend["KRING_REDIS_URL"], s.code)
            people = [(m.me["id"], m.me["name"], m.token or "-") for m in s.everyone]
            records = [v["worth"] for _, v in stored if isinstance(v, dict) and "participants" in v]
            records += [v for _, v in stored if isinstance(v, dict) and v.get("t") == "worth_given"]
            assert len(records) >= 6  # the state, and each answer's event in the stream
            for record in records:
                found = set(strings(record))
                for pid, name, token in people:
                    assert pid not in found and name not in found and token not in found, record
                assert "to" not in record and "prv" not in record and "fac" not in record
            for raw, _ in stored:
                for _, _, token in people:
                    assert token.encode() not in raw
            # the room as a process reads it (the stored snapshot with the later events folded
            # in) holds the five answers, each under a tag only its giver's token computes
            from server.backends import read
            from server.backends.redis import RedisBackend

            reader = RedisBackend(backend["KRING_REDIS_URL"])
            await reader.start()
            try:
                room = await read(reader, s.code)
            finally:
                await reader.close()
            assert room is not None and sorted(a for a, _ in room.worth.values()) == [3, 3, 4, 4, 5]
            assert not set(room.worth) & {pid for pid, _, _ in people}
    finally:
        await asyncio.gather(*(c.close() for c in s.everyone))
