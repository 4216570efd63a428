"""The path from guided to self-facilitating (issue 14): whether a member leads their group
for the first time. The room then coaches them (rooms.state.RoomState.first_timers): their
cockpit opens a short checklist before each round. Read from the ledger: a member who
never facilitated a held meeting of this group; a begeleider is never a first-timer.
And who may watch a meeting the members lead as a silent observer: a begeleider who is
not its facilitator."""

from __future__ import annotations

from sqlalchemy import func, select

from .errors import not_allowed
from .meetingstore import facilitator_of
from .store import GroupStore
from .tables import attendance, meetings


async def leads_first_time(store: GroupStore, token_hash: str, meeting_id: int) -> bool:
    """Whether the caller is this meeting's facilitator on the rota and a member (not a
    begeleider) who never facilitated a held meeting of the group."""
    async with store.engine.connect() as conn:
        me = await store._me(conn, token_hash)
        if me.role == "begeleider":
            return False
        lead = await facilitator_of(conn, meeting_id)
        if lead != me.member_id:
            return False
        before = (
            await conn.execute(
                select(func.count())
                .select_from(attendance.join(meetings, meetings.c.id == attendance.c.meeting_id))
                .where(
                    attendance.c.member_id == me.member_id,
                    attendance.c.role == "facilitator",
                    meetings.c.ended_at.is_not(None),
                )
            )
        ).scalar_one()
        return before == 0


async def check_observer(store: GroupStore, token_hash: str, meeting_id: int) -> None:
    """A silent observer is a begeleider of the group who is not the meeting's facilitator
    on the rota (403 otherwise)."""
    async with store.engine.connect() as conn:
        me = await store._me(conn, token_hash)
        lead = await facilitator_of(conn, meeting_id)
    if me.role != "begeleider" or lead == me.member_id:
        raise not_allowed("only a begeleider who does not facilitate this meeting may observe it")
