"""The store's part for one meeting beyond its rota (rotastore.py): the cases members
prepare for it, its room while it lives, and who was there in which role once it is held.
Each call is one transaction, as in store.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from protocol import errors, limits

from . import ledger, rota, trend
from .errors import CONFLICT, GroupError, not_allowed, not_found
from .rotastore import HELD, RotaStore
from .store import _now, meeting_view
from .tables import attendance, groups, meeting_roles, meetings, members, prepared_cases

T = TypeVar("T")

#: Prepared cases one member may bring to one meeting.
MAX_PREPARED = 2


@dataclass(frozen=True, slots=True)
class Entry:
    """What entering a meeting's room needs to know about the member and the meeting."""

    meeting_id: int
    member_id: int
    name: str
    code: str
    facilitator: bool
    cases: list[tuple[str, str]]  # (title, question) of their prepared cases


@dataclass(frozen=True, slots=True)
class Start:
    meeting: dict[str, Any]
    name: str  # the starter's display name: they are the room's first facilitator
    code: str | None  # the room already started, if any
    call_link: str | None = None  # the group's video call, for the room to show


def _at(moment: float | None) -> datetime | None:
    return datetime.fromtimestamp(moment, UTC) if moment else None


async def facilitator_of(conn: AsyncConnection, meeting_id: int) -> int | None:
    """The member the rota has as the meeting's facilitator (None while it proposed nobody)."""
    found = await conn.execute(
        select(meeting_roles.c.member_id).where(
            meeting_roles.c.meeting_id == meeting_id, meeting_roles.c.role == rota.FACILITATOR
        )
    )
    lead: int | None = found.scalar()
    return lead


class MeetingStore(RotaStore):
    """A meeting beyond its rota: the cases members prepare for it, its room while it
    lives, and who was there in which role once it is held."""

    # -- prepared cases -------------------------------------------------------------------

    async def prepare_case(self, token_hash: str, meeting_id: int, title: str, question: str) -> dict[str, Any]:
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            m = await self._held_meeting(conn, me, meeting_id)
            if m.room_code is not None:
                raise GroupError(CONFLICT, 409, "the meeting has started; propose your case in the room")
            counts = (
                await conn.execute(
                    select(prepared_cases.c.member_id, func.count())
                    .where(prepared_cases.c.meeting_id == meeting_id)
                    .group_by(prepared_cases.c.member_id)
                )
            ).all()
            if dict((who, n) for who, n in counts).get(me.member_id, 0) >= MAX_PREPARED:
                raise GroupError(errors.TOO_LARGE, 409, f"at most {MAX_PREPARED} prepared cases per member per meeting")
            if sum(n for _, n in counts) >= limits.MAX_CASES:
                raise GroupError(errors.TOO_LARGE, 409, f"a meeting has at most {limits.MAX_CASES} cases")
            row = (
                await conn.execute(
                    insert(prepared_cases)
                    .values(
                        meeting_id=meeting_id, member_id=me.member_id, title=title, question=question, created_at=_now()
                    )
                    .returning(prepared_cases.c.id)
                )
            ).scalar_one()
            return {"id": row, "title": title, "question": question, "member": me.member_id}

    async def withdraw_case(self, token_hash: str, meeting_id: int, case_id: int) -> None:
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            await self._meeting(conn, me.group_id, meeting_id)
            owner = (
                await conn.execute(
                    select(prepared_cases.c.member_id).where(
                        prepared_cases.c.id == case_id, prepared_cases.c.meeting_id == meeting_id
                    )
                )
            ).scalar()
            if owner is None:
                raise not_found("case")
            if owner != me.member_id:
                raise not_allowed("only the member who brings a case can withdraw it")
            await conn.execute(delete(prepared_cases).where(prepared_cases.c.id == case_id))

    # -- the meeting's room ---------------------------------------------------------------

    async def to_start(self, token_hash: str, meeting_id: int) -> Start:
        """May this member start the meeting (the rota's facilitator or a begeleider), and
        has it a room already?"""

        async def work(conn: AsyncConnection) -> Start:
            me = await self._me(conn, token_hash)
            await self._held_meeting(conn, me, meeting_id)
            await self._ensure_rota(conn, me.group_id, meeting_id)
            m = await self._meeting(conn, me.group_id, meeting_id)
            lead = await facilitator_of(conn, meeting_id)
            if me.role != "begeleider" and lead != me.member_id:
                raise not_allowed("only the rota's facilitator or a begeleider may start the meeting")
            name = (await conn.execute(select(members.c.name).where(members.c.id == me.member_id))).scalar_one()
            call_link = (await conn.execute(select(groups.c.call_link).where(groups.c.id == me.group_id))).scalar_one()
            return Start(meeting_view(m), name, m.room_code, call_link)

        return await self._retry(work)

    async def set_room(self, meeting_id: int, code: str) -> str:
        """Keep `code` as the meeting's room unless another start was first; the room in
        effect. Of two starts at once one writes, in one statement that checks and writes."""
        async with self.engine.begin() as conn:
            await conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting_id, meetings.c.room_code.is_(None), meetings.c.ended_at.is_(None))
                .values(room_code=code, started_at=_now(), version=meetings.c.version + 1)
            )
            row = (
                await conn.execute(select(meetings.c.room_code, meetings.c.ended_at).where(meetings.c.id == meeting_id))
            ).one()
            if row.room_code is None:
                raise GroupError(CONFLICT, 409, HELD)
            return str(row.room_code)

    async def to_enter(self, token_hash: str, meeting_id: int) -> Entry:
        async def work(conn: AsyncConnection) -> Entry:
            me = await self._me(conn, token_hash)
            m = await self._held_meeting(conn, me, meeting_id)
            if m.room_code is None:
                raise GroupError(CONFLICT, 409, "the meeting has not started yet")
            lead = await facilitator_of(conn, meeting_id)
            name = (await conn.execute(select(members.c.name).where(members.c.id == me.member_id))).scalar_one()
            cases = [
                (r.title, r.question)
                for r in await conn.execute(
                    select(prepared_cases)
                    .where(prepared_cases.c.meeting_id == meeting_id, prepared_cases.c.member_id == me.member_id)
                    .order_by(prepared_cases.c.id)
                )
            ]
            return Entry(meeting_id, me.member_id, name, m.room_code, lead == me.member_id, cases)

        return await self._retry(work)

    async def entered(self, meeting_id: int, member_id: int, pid: str) -> None:
        """The member is in the room as `pid`: present (once, however often they enter)."""
        async with self.engine.begin() as conn:
            found = (
                await conn.execute(
                    select(attendance.c.pid).where(
                        attendance.c.meeting_id == meeting_id, attendance.c.member_id == member_id
                    )
                )
            ).first()
            if found is None:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            insert(attendance).values(meeting_id=meeting_id, member_id=member_id, pid=pid)
                        )
                except IntegrityError:
                    pass  # the same member entering twice at once: one row is enough
            elif found.pid != pid:
                await conn.execute(
                    update(attendance)
                    .where(attendance.c.meeting_id == meeting_id, attendance.c.member_id == member_id)
                    .values(pid=pid)
                )

    async def live_rooms(self, token_hash: str | None = None) -> list[str]:
        """The codes of the rooms of meetings under way: the caller's group's, or all."""
        async with self.engine.connect() as conn:
            query = select(meetings.c.room_code).where(meetings.c.room_code.is_not(None))
            if token_hash is not None:
                group = select(members.c.group_id).where(members.c.token_hash == token_hash).scalar_subquery()
                query = query.where(meetings.c.group_id == group)
            return [str(code) for code in (await conn.execute(query)).scalars()]

    async def held(
        self,
        code: str,
        roles_of: Callable[[dict[int, str | None]], dict[int, str]] | None,
        times: tuple[float | None, float | None] = (None, None),
        totals: dict[str, Any] | None = None,
    ) -> bool:
        """The meeting whose room `code` ended (or expired) is held: its times, who was
        present in which role; its prepared cases erased. Once: the statement that clears
        the room code decides, so a second call (another process, a sweep) does nothing.

        `roles_of(pid by present member)` says, from the room's last state, who facilitated
        and who brought a case; the rota adds timekeeper and notes. Without it (the room
        expired unseen) the rota says all. `totals`: the room's anonymous closing answers,
        counted (trend.record)."""
        async with self.engine.begin() as conn:
            m = (await conn.execute(select(meetings).where(meetings.c.room_code == code))).first()
            if m is None:
                return False
            started, ended = _at(times[0]) or m.started_at, _at(times[1]) or _now()
            changed = await conn.execute(
                update(meetings)
                .where(meetings.c.id == m.id, meetings.c.room_code == code)
                .values(room_code=None, started_at=started, ended_at=ended, version=meetings.c.version + 1)
            )
            if changed.rowcount != 1:
                return False
            present = {
                r.member_id: r.pid
                for r in await conn.execute(select(attendance).where(attendance.c.meeting_id == m.id))
            }
            planned = {
                r.member_id: r.role
                for r in await conn.execute(select(meeting_roles).where(meeting_roles.c.meeting_id == m.id))
            }
            room = roles_of(present) if roles_of is not None else None
            for member_id in present:
                plan = planned.get(member_id)
                if room is not None:
                    role = room.get(member_id) or (plan if plan in (rota.TIMEKEEPER, rota.NOTES) else None)
                else:
                    role = plan
                await conn.execute(
                    update(attendance)
                    .where(attendance.c.meeting_id == m.id, attendance.c.member_id == member_id)
                    .values(role=role or "participant", pid=None)
                )
            if totals is not None:
                await trend.record(conn, m.id, totals)
            # what members prepared for the meeting lives no longer than the meeting
            await conn.execute(delete(prepared_cases).where(prepared_cases.c.meeting_id == m.id))
            await ledger.snapshot(conn, m.id)  # what a proof needs, fixed as it is now
            return True

    async def set_call_link(self, token_hash: str, url: str | None) -> dict[str, Any]:
        """Any member sets (or, with None, clears) the group's call link."""
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            await conn.execute(update(groups).where(groups.c.id == me.group_id).values(call_link=url))
            return await self._group(conn, me)

    async def set_guided(self, token_hash: str, guided: int) -> dict[str, Any]:
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash, begeleider=True)
            await conn.execute(update(groups).where(groups.c.id == me.group_id).values(guided_meetings=guided))
            return await self._group(conn, me)
