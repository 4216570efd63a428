"""How the group is doing, as numbers: the anonymous totals of each held meeting's closing
questions ("Was dit de tijd waard?" 1-5, "Bleven we bij de vraag van de inbrenger?") and
how many were present, in date order, for the trend on the group page (issue 14).

The room hands over only totals per value (rooms.rules.closing.worth_totals); nothing
here, nor in the database, says who gave which answer. In a small group even a total can
give an answer away (two answers, and you know your own), so a meeting shows its average
and its counts only from MIN_ANSWERS answers on; below that only how many answered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .store import GroupStore
from .tables import attendance, meeting_scores, meetings

#: answers from which a meeting's average and counts are shown (below: only how many)
MIN_ANSWERS = 3
PROCESS = ("ja", "grotendeels", "nee")
WORTH = tuple(f"worth_{n}" for n in range(1, 6))


async def record(conn: AsyncConnection, meeting_id: int, totals: dict[str, Any]) -> None:
    """Keep a held meeting's totals, in the transaction that marks it held (once: the
    caller's statement that clears the room code decides). Nothing when nobody answered."""
    worth, process = list(totals["worth"]), dict(totals["process"])
    if not any(worth):
        return
    row = {"meeting_id": meeting_id, **dict(zip(WORTH, worth, strict=True))}
    row |= {f"process_{k}": int(process.get(k, 0)) for k in PROCESS}
    await conn.execute(insert(meeting_scores).values(**row))


def meeting_trend(row: Any) -> dict[str, Any]:
    """One held meeting as the trend shows it: counts and average only from MIN_ANSWERS on."""
    worth = [int(getattr(row, c) or 0) for c in WORTH]
    answers = sum(worth)
    process = {k: int(getattr(row, f"process_{k}") or 0) for k in PROCESS}
    said = sum(process.values())
    shown = answers >= MIN_ANSWERS
    return {
        "id": row.id,
        "date": row.date.isoformat(),
        "start": row.start_time.strftime("%H:%M"),
        "method": row.method,
        "theme": row.theme,
        "present": int(row.present),
        "answers": answers,
        "average": round(sum(n * c for n, c in enumerate(worth, 1)) / answers, 1) if shown else None,
        "worth": worth if shown else None,
        "process_answers": said,
        "process": process if said >= MIN_ANSWERS else None,
    }


async def series(store: GroupStore, token_hash: str) -> dict[str, Any]:
    """The trend of the caller's group: every held meeting, oldest first."""
    async with store.engine.connect() as conn:
        me = await store._me(conn, token_hash)
        present = (
            select(attendance.c.meeting_id, func.count().label("present")).group_by(attendance.c.meeting_id).subquery()
        )
        rows = await conn.execute(
            select(
                meetings.c.id,
                meetings.c.date,
                meetings.c.start_time,
                meetings.c.method,
                meetings.c.theme,
                func.coalesce(present.c.present, 0).label("present"),
                *(meeting_scores.c[c] for c in WORTH),
                *(meeting_scores.c[f"process_{k}"] for k in PROCESS),
            )
            .select_from(
                meetings.outerjoin(present, present.c.meeting_id == meetings.c.id).outerjoin(
                    meeting_scores, meeting_scores.c.meeting_id == meetings.c.id
                )
            )
            .where(meetings.c.group_id == me.group_id, meetings.c.ended_at.is_not(None))
            .order_by(meetings.c.date, meetings.c.start_time, meetings.c.id)
        )
        return {"min_answers": MIN_ANSWERS, "meetings": [meeting_trend(r) for r in rows]}
