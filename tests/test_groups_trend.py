"""The trend of "Was dit de tijd waard?" through the real server, on SQLite and PostgreSQL:
three meetings are held, each ends with anonymous answers in the room, and the group keeps
only the totals per value (and who was present); the trend shows a meeting's average only
from three answers on. Nothing in the database says who gave which answer."""

from __future__ import annotations

import asyncio
from typing import Any

from client import KringClient

from .conftest import Database
from .group_client import Member
from .session import bring, settle, ws_url
from .test_groups_meetings import enter, meeting_ids, six


async def hold_with_answers(
    bea: Member, meeting: int, present: list[Member], answers: dict[str, tuple[int, str | None]]
) -> None:
    """Start the meeting, let Bea and `present` enter with their links, bring the room to
    the closing (the first of `present` brings the case), let each named in `answers`
    answer (a number, the process question), and end the meeting."""
    started = bea.call("POST", f"/meetings/{meeting}/start", {})
    assert started.status == 201, started
    entries = {m.name: enter(m, meeting) for m in [bea, *present]}
    clients = {name: await KringClient(ws_url(bea.base)).resume(e["token"]) for name, e in entries.items()}
    try:
        group = [clients[m.name] for m in present]
        await bring(clients["Bea"], group[0], "afsluiting", start="lobby", group=group)
        await settle(list(clients.values()), reconnected=True)
        for name, (worth, process) in answers.items():
            mine = await clients[name].command("worth", worth=worth, process=process)
            assert mine == {"worth": worth, "process": process}
        await clients["Bea"].command("end")
    finally:
        await asyncio.gather(*(c.close() for c in clients.values()))


def trend(member: Member) -> dict[str, Any]:
    answer = member.call("GET", "/trend")
    assert answer.status == 200, answer
    return answer.body


async def test_three_meetings_leave_a_trend_of_totals_only(group_server: str, database: Database):
    bea, (ali, bo, cas, dee, eli) = six(group_server)
    first, second, third = meeting_ids(bea)
    assert trend(eli) == {"min_answers": 3, "meetings": []}  # nothing held yet

    await hold_with_answers(
        bea,
        first,
        [ali, bo, cas, dee],
        {"Bea": (4, "ja"), "Ali": (5, "ja"), "Bo": (2, "nee"), "Cas": (4, "grotendeels"), "Dee": (3, None)},
    )
    await hold_with_answers(bea, second, [ali, bo, cas, dee, eli], {"Ali": (5, "ja"), "Eli": (1, "nee")})
    await hold_with_answers(bea, third, [bo, cas, eli], {"Bo": (5, "ja"), "Cas": (4, "ja"), "Eli": (3, "ja")})

    got = trend(eli)["meetings"]
    assert [m["id"] for m in got] == [first, second, third]  # oldest first
    assert [m["present"] for m in got] == [5, 6, 4]  # Bea and who entered with their link
    one, two, three = got
    assert one["answers"] == 5 and one["worth"] == [0, 1, 1, 2, 1] and one["average"] == 3.6
    assert one["process"] == {"ja": 2, "grotendeels": 1, "nee": 1} and one["process_answers"] == 4
    # two answers: an average or the counts would tell Ali what Eli said, and the other way round
    assert two["answers"] == 2 and two["average"] is None and two["worth"] is None and two["process"] is None
    assert three["average"] == 4.0 and three["process"] == {"ja": 3, "grotendeels": 0, "nee": 0}
    assert trend(bea) == trend(ali)  # the same for every member, the begeleider too

    # the database holds counts per meeting, nothing per person: no row names a member
    dump = database.dump()
    assert b"meeting_scores" in dump
    for secret in (m.link.token for m in (bea, ali, bo, cas, dee, eli)):
        assert secret.encode() not in dump

    # a wrong link gets nothing
    stranger = Member(group_server, "X", bea.link.__class__.new())
    assert stranger.call("GET", "/trend").status == 401
