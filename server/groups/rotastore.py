"""The store's part for a meeting's rota: proposed, swapped, skipped, and the meeting's page
that shows it (meetingstore.py builds on it).

Each call is one transaction, as in store.py. A rota edit names the meeting's `version` and
raises it in the same statement that checks it, so of two edits at once one wins and the
other gets `conflict` with the rota as it is now. A proposal is not an edit: it is written
the first time a meeting's rota is read (and wherever a slot is empty again), raising no
version.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from . import rota
from .errors import CONFLICT, GroupError, invalid
from .store import GroupStore, Me, _iso, _now, meeting_view
from .tables import attendance, groups, meeting_roles, meetings, members, prepared_cases, rota_notes

T = TypeVar("T")

HELD = "this meeting has been held"


class RotaStore(GroupStore):
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

    async def _edit(
        self, conn: AsyncConnection, token_hash: str, meeting_id: int, version: int, role: str, slot: int
    ) -> tuple[Me, int]:
        """The start of every rota edit: the member, the meeting not yet held, its rota
        filled, its version checked and raised in one statement (the loser of two edits at
        once gets `conflict` with the rota as it is now); returns the member and the
        holder of (`role`, `slot`)."""
        me = await self._me(conn, token_hash)
        await self._held_meeting(conn, me, meeting_id)
        await self._ensure_rota(conn, me.group_id, meeting_id)
        changed = await conn.execute(
            update(meetings)
            .where(meetings.c.id == meeting_id, meetings.c.version == version)
            .values(version=meetings.c.version + 1)
        )
        if changed.rowcount != 1:
            current = await self._view(conn, me, meeting_id)
            raise GroupError(CONFLICT, 409, "the meeting was changed meanwhile", rota=current)
        return me, await self._holder(conn, meeting_id, role, slot)

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
            me, holder = await self._edit(conn, token_hash, meeting_id, version, role, slot)
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
            me, holder = await self._edit(conn, token_hash, meeting_id, version, role, slot)
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
