"""The store's part for one meeting: its rota (proposed, swapped, skipped), the cases members
prepare for it, its room while it lives, and who was there in which role once it is held.

Each call is one transaction, as in store.py. A rota edit names the meeting's `version` and
raises it in the same statement that checks it, so of two edits at once one wins and the
other gets `conflict` with the rota as it is now. A proposal is not an edit: it is written
the first time a meeting's rota is read (and wherever a slot is empty again), raising no
version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from protocol import errors, limits

from . import ledger, rota, trend
from .errors import CONFLICT, GroupError, invalid, not_allowed, not_found
from .store import GroupStore, Me, _iso, _now, meeting_view
from .tables import attendance, groups, meeting_roles, meetings, members, prepared_cases, rota_notes

T = TypeVar("T")

#: Prepared cases one member may bring to one meeting.
MAX_PREPARED = 2

HELD = "this meeting has been held"


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


class MeetingStore(GroupStore):
    async def _retry(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """`work` in one transaction; once more if a proposal written by another request at
        the same moment collided with this one's (PostgreSQL; SQLite runs one writer)."""
        for attempt in range(3):
            try:
                async with self.engine.begin() as conn:
                    return await work(conn)
            except IntegrityError:
                if attempt == 2:
                    raise GroupError(CONFLICT, 409, "the rota was changed meanwhile") from None
        raise AssertionError("unreachable")

    async def _held_meeting(self, conn: AsyncConnection, me: Me, meeting_id: int) -> Row[Any]:
        row = await self._meeting(conn, me.group_id, meeting_id)
        if row.ended_at is not None:
            raise GroupError(CONFLICT, 409, HELD)
        return row

    # -- the rota -------------------------------------------------------------------------

    async def _ensure_rota(self, conn: AsyncConnection, group_id: str, upto: int) -> None:
        """Fill every empty slot of the group's meetings not yet held, in date order, up to
        and including meeting `upto`: a later meeting's proposal counts the earlier ones'."""
        guided = (await conn.execute(select(groups.c.guided_meetings).where(groups.c.id == group_id))).scalar_one()
        ordered = list(
            await conn.execute(
                select(meetings)
                .where(meetings.c.group_id == group_id)
                .order_by(meetings.c.date, meetings.c.start_time, meetings.c.id)
            )
        )
        roster = list(
            await conn.execute(
                select(members.c.id, members.c.role, members.c.joined_at).where(members.c.group_id == group_id)
            )
        )
        ids = [m.id for m in ordered]
        planned: dict[int, dict[rota.Slot, int]] = defaultdict(dict)
        for r in await conn.execute(select(meeting_roles).where(meeting_roles.c.meeting_id.in_(ids))):
            planned[r.meeting_id][(r.role, r.slot)] = r.member_id
        held: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for r in await conn.execute(select(attendance).where(attendance.c.meeting_id.in_(ids))):
            if r.role is not None:
                held[r.meeting_id].append((r.member_id, r.role))
        skipped: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for r in await conn.execute(
            select(rota_notes).where(rota_notes.c.meeting_id.in_(ids), rota_notes.c.kind == "skip")
        ):
            skipped[r.meeting_id][r.role].add(r.member_id)
        attended = {who for m in ordered if m.ended_at is not None for who, _ in held[m.id]}
        people = [rota.Candidate(r.id, r.role, r.joined_at, r.id in attended) for r in roster]
        last_done: dict[tuple[int, str], date] = {}
        for index, m in enumerate(ordered):
            if m.ended_at is None:
                proposal = rota.propose(index, guided, m.minutes, people, last_done, planned[m.id], skipped[m.id])
                new = {slot: who for slot, who in proposal.items() if slot not in planned[m.id]}
                if new:
                    await conn.execute(
                        insert(meeting_roles),
                        [{"meeting_id": m.id, "role": r, "slot": n, "member_id": who} for (r, n), who in new.items()],
                    )
                planned[m.id] = proposal
                done = [(who, role) for (role, _), who in proposal.items()]
            else:
                done = held[m.id]
            for who, role in done:
                last_done[(who, role)] = m.date
            if m.id == upto:
                return

    async def _view(self, conn: AsyncConnection, me: Me, meeting_id: int) -> dict[str, Any]:
        m = await self._meeting(conn, me.group_id, meeting_id)
        names = {
            r.id: r.name
            for r in await conn.execute(select(members.c.id, members.c.name).where(members.c.group_id == me.group_id))
        }
        roles = [
            {"role": r.role, "slot": r.slot, "member": r.member_id, "name": names.get(r.member_id)}
            for r in await conn.execute(select(meeting_roles).where(meeting_roles.c.meeting_id == meeting_id))
        ]
        roles.sort(key=lambda r: (rota.ROLES.index(r["role"]), r["slot"]))
        notes = [
            {
                "kind": r.kind,
                "role": r.role,
                "member": r.member_id,
                "name": names.get(r.member_id),
                "with": r.other_id,
                "with_name": names.get(r.other_id) if r.other_id is not None else None,
                "reason": r.reason,
                "at": _iso(r.at),
            }
            for r in await conn.execute(
                select(rota_notes).where(rota_notes.c.meeting_id == meeting_id).order_by(rota_notes.c.id)
            )
        ]
        cases = []
        for r in await conn.execute(
            select(prepared_cases).where(prepared_cases.c.meeting_id == meeting_id).order_by(prepared_cases.c.id)
        ):
            case = {"id": r.id, "title": r.title, "member": r.member_id, "name": names.get(r.member_id)}
            if r.member_id == me.member_id:
                case["question"] = r.question  # the question is its owner's until the meeting
            cases.append(case)
        present = [
            {"member": r.member_id, "name": names.get(r.member_id), "role": r.role}
            for r in await conn.execute(
                select(attendance).where(attendance.c.meeting_id == meeting_id).order_by(attendance.c.member_id)
            )
        ]
        return {
            "meeting": meeting_view(m),
            "roles": roles,
            "notes": notes,
            "cases": cases,
            "attendance": present if m.ended_at is not None else [],
        }

    async def meeting(self, token_hash: str, meeting_id: int) -> dict[str, Any]:
        async def work(conn: AsyncConnection) -> dict[str, Any]:
            me = await self._me(conn, token_hash)
            await self._meeting(conn, me.group_id, meeting_id)
            await self._ensure_rota(conn, me.group_id, meeting_id)
            return await self._view(conn, me, meeting_id)

        return await self._retry(work)

    async def _edit(self, conn: AsyncConnection, me: Me, meeting_id: int, version: int) -> None:
        """Check and raise the meeting's version in one statement: the loser of two edits at
        once gets `conflict` with the rota as it is now."""
        await self._held_meeting(conn, me, meeting_id)
        changed = await conn.execute(
            update(meetings)
            .where(meetings.c.id == meeting_id, meetings.c.version == version)
            .values(version=meetings.c.version + 1)
        )
        if changed.rowcount != 1:
            current = await self._view(conn, me, meeting_id)
            raise GroupError(CONFLICT, 409, "the meeting was changed meanwhile", rota=current)

    async def _holder(self, conn: AsyncConnection, meeting_id: int, role: str, slot: int) -> int:
        who = (
            await conn.execute(
                select(meeting_roles.c.member_id).where(
                    meeting_roles.c.meeting_id == meeting_id, meeting_roles.c.role == role, meeting_roles.c.slot == slot
                )
            )
        ).scalar()
        if who is None:
            raise GroupError(CONFLICT, 409, "nobody has this role at this meeting")
        return int(who)

    async def swap(
        self, token_hash: str, meeting_id: int, version: int, role: str, slot: int, other: int, reason: str
    ) -> dict[str, Any]:
        """The holder of (`role`, `slot`) and member `other` exchange roles: `other` takes it,
        and the holder takes whatever role `other` had (or none)."""

        async def work(conn: AsyncConnection) -> dict[str, Any]:
            me = await self._me(conn, token_hash)
            await self._held_meeting(conn, me, meeting_id)
            await self._ensure_rota(conn, me.group_id, meeting_id)
            await self._edit(conn, me, meeting_id, version)
            holder = await self._holder(conn, meeting_id, role, slot)
            await self._member(conn, me.group_id, other)
            if other == holder:
                raise invalid("a swap needs two members: 'with' already has this role")
            theirs = (
                await conn.execute(
                    select(meeting_roles.c.role, meeting_roles.c.slot).where(
                        meeting_roles.c.meeting_id == meeting_id, meeting_roles.c.member_id == other
                    )
                )
            ).first()
            mine = (
                (meeting_roles.c.meeting_id == meeting_id)
                & (meeting_roles.c.role == role)
                & (meeting_roles.c.slot == slot)
            )
            if theirs is not None:
                # through a free value, so no moment holds one person twice
                await conn.execute(
                    delete(meeting_roles).where(
                        meeting_roles.c.meeting_id == meeting_id, meeting_roles.c.member_id == other
                    )
                )
            await conn.execute(update(meeting_roles).where(mine).values(member_id=other))
            if theirs is not None:
                await conn.execute(
                    insert(meeting_roles).values(
                        meeting_id=meeting_id, role=theirs.role, slot=theirs.slot, member_id=holder
                    )
                )
            await conn.execute(
                insert(rota_notes).values(
                    meeting_id=meeting_id,
                    kind="swap",
                    role=role,
                    member_id=holder,
                    other_id=other,
                    reason=reason,
                    at=_now(),
                )
            )
            return await self._view(conn, me, meeting_id)

        return await self._retry(work)

    async def skip(
        self, token_hash: str, meeting_id: int, version: int, role: str, slot: int, reason: str
    ) -> dict[str, Any]:
        """The holder of (`role`, `slot`) hands it back; the next proposal fills it, never
        with them again at this meeting."""

        async def work(conn: AsyncConnection) -> dict[str, Any]:
            me = await self._me(conn, token_hash)
            await self._held_meeting(conn, me, meeting_id)
            await self._ensure_rota(conn, me.group_id, meeting_id)
            await self._edit(conn, me, meeting_id, version)
            holder = await self._holder(conn, meeting_id, role, slot)
            await conn.execute(
                delete(meeting_roles).where(
                    meeting_roles.c.meeting_id == meeting_id, meeting_roles.c.role == role, meeting_roles.c.slot == slot
                )
            )
            await conn.execute(
                insert(rota_notes).values(
                    meeting_id=meeting_id, kind="skip", role=role, member_id=holder, reason=reason, at=_now()
                )
            )
            await self._ensure_rota(conn, me.group_id, meeting_id)
            return await self._view(conn, me, meeting_id)

        return await self._retry(work)

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
            return Start(meeting_view(m), name, m.room_code)

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

    async def set_guided(self, token_hash: str, guided: int) -> dict[str, Any]:
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash, begeleider=True)
            await conn.execute(update(groups).where(groups.c.id == me.group_id).values(guided_meetings=guided))
            return await self._group(conn, me)
