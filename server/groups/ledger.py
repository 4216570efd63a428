"""The attendance ledger: what a held meeting leaves behind for registers, and the proofs
and lists made from it (docs/GROUPS.md, "The attendance ledger").

When a meeting is held, `snapshot` copies into `ledger` what a proof needs and must not
change later (the date it was held, its start and end, the minutes counted, werkvorm,
theme, the number present); who was present in which role stays in `attendance`. The
meeting's facilitator or a begeleider then confirms the list, correcting it first if need
be; a confirmation is final. Only confirmed meetings count towards a proof's total.

Nothing of a case is here: no title, no question, nothing said. Each call is one
transaction; every read first erases what has expired (retention.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..rooms import method
from . import retention
from .errors import CONFLICT, GroupError, invalid, not_allowed
from .store import GroupStore, Me, _iso, _now
from .tables import attendance, groups, ledger, meetings, members

#: Roles in the ledger, in the order lists show them; `participant` is everyone else.
ROLES = ("facilitator", "inbrenger", "timekeeper", "notes", "participant", "observer")

NOT_HELD = "this meeting has not been held yet"


@dataclass(frozen=True, slots=True)
class Period:
    """From and to, both days included (dates in the group's time zone)."""

    start: date
    end: date


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _local(moment: datetime) -> datetime:
    return _aware(moment).astimezone(retention.ZONE)


def method_name(method_id: str) -> dict[str, str]:
    """The werkvorm's name in Dutch and English; its id if it is no longer there."""
    try:
        return dict(method.load(method_id).name)
    except Exception:  # a method file removed since: the id still says which it was
        return {"nl": method_id, "en": method_id}


async def snapshot(conn: AsyncConnection, meeting_id: int) -> None:
    """Write the ledger entry of a meeting just held (in the transaction that records it as
    held, meetingstore.held); once: a meeting that has one keeps it."""
    m = (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).first()
    if m is None or m.started_at is None or m.ended_at is None:
        return
    if (await conn.execute(select(ledger.c.meeting_id).where(ledger.c.meeting_id == meeting_id))).first():
        return
    present = (
        await conn.execute(select(func.count()).select_from(attendance).where(attendance.c.meeting_id == meeting_id))
    ).scalar_one()
    started, ended = _aware(m.started_at), _aware(m.ended_at)
    try:
        async with conn.begin_nested():  # two reads making a missing entry at once: one is enough
            await conn.execute(
                insert(ledger).values(
                    meeting_id=meeting_id,
                    group_id=m.group_id,
                    held_on=_local(started).date(),
                    started_at=started,
                    ended_at=ended,
                    minutes=max(0, round((ended - started).total_seconds() / 60)),
                    method=m.method,
                    theme=m.theme,
                    group_size=present,
                )
            )
    except IntegrityError:
        pass


class LedgerStore(GroupStore):
    async def _ready(self, conn: AsyncConnection, group_id: str) -> None:
        """Before any read: give a meeting held before the ledger existed (or recorded
        without one) its entry, then erase what has expired."""
        missing = await conn.execute(
            select(meetings.c.id).where(
                meetings.c.group_id == group_id,
                meetings.c.ended_at.is_not(None),
                ~select(ledger.c.meeting_id).where(ledger.c.meeting_id == meetings.c.id).exists(),
            )
        )
        for meeting_id in missing.scalars().all():
            await snapshot(conn, meeting_id)
        await retention.sweep(conn, retention.today(), group_id)

    async def _entries(
        self, conn: AsyncConnection, group_id: str, period: Period | None = None, meeting_id: int | None = None
    ) -> list[dict[str, Any]]:
        query = (
            select(ledger, meetings.c.version)
            .join(meetings, meetings.c.id == ledger.c.meeting_id)
            .where(ledger.c.group_id == group_id)
            .order_by(ledger.c.held_on, ledger.c.started_at, ledger.c.meeting_id)
        )
        if period is not None:
            query = query.where(ledger.c.held_on >= period.start, ledger.c.held_on <= period.end)
        if meeting_id is not None:
            query = query.where(ledger.c.meeting_id == meeting_id)
        rows = list(await conn.execute(query))
        names = {
            r.id: r.name
            for r in await conn.execute(select(members.c.id, members.c.name).where(members.c.group_id == group_id))
        }
        present: dict[int, list[dict[str, Any]]] = defaultdict(list)
        ids = [r.meeting_id for r in rows]
        for r in await conn.execute(select(attendance).where(attendance.c.meeting_id.in_(ids))):
            present[r.meeting_id].append({"member": r.member_id, "name": names[r.member_id], "role": r.role})
        entries = []
        for r in rows:
            people = sorted(
                present[r.meeting_id], key=lambda p: (ROLES.index(p["role"]) if p["role"] in ROLES else 9, p["name"])
            )
            start, end = _local(r.started_at), _local(r.ended_at)
            confirmed = None
            if r.confirmed_at is not None:
                # the confirmer's name, unless they have left the group since (retention.forget)
                confirmed = {"by": r.confirmed_by, "at": _iso(r.confirmed_at)}
            entries.append(
                {
                    "meeting": r.meeting_id,
                    "version": r.version,
                    "date": r.held_on.isoformat(),
                    "start": start.strftime("%H:%M"),
                    "end": end.strftime("%H:%M"),
                    "minutes": r.minutes,
                    "method": r.method,
                    "method_name": method_name(r.method),
                    "theme": r.theme,
                    "group_size": r.group_size,
                    "present": people,
                    # present when it was held, no longer in the group: counted, not named
                    "former": max(0, r.group_size - len(people)),
                    "confirmed": confirmed,
                }
            )
        return entries

    async def _heading(self, conn: AsyncConnection, me: Me) -> dict[str, Any]:
        group = (await conn.execute(select(groups.c.name).where(groups.c.id == me.group_id))).scalar_one()
        name = (await conn.execute(select(members.c.name).where(members.c.id == me.member_id))).scalar_one()
        return {"group": group, "me": {"id": me.member_id, "name": name, "role": me.role}}

    # -- one meeting ----------------------------------------------------------------------

    async def entry(self, token_hash: str, meeting_id: int) -> dict[str, Any]:
        """One held meeting's entry: anyone in the group may read it (the meeting's page
        shows who was present too), so its facilitator can check it before confirming."""
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            await self._ready(conn, me.group_id)
            return await self._one(conn, me, meeting_id)

    async def _one(self, conn: AsyncConnection, me: Me, meeting_id: int) -> dict[str, Any]:
        await self._meeting(conn, me.group_id, meeting_id)
        found = await self._entries(conn, me.group_id, meeting_id=meeting_id)
        if not found:
            raise GroupError(CONFLICT, 409, NOT_HELD)
        return found[0]

    async def confirm(
        self, token_hash: str, meeting_id: int, version: int, present: list[tuple[int, str]] | None
    ) -> dict[str, Any]:
        """The facilitator (as the ledger has it) or a begeleider confirms who was present
        in which role, replacing the list with `present` first if given. Final: a confirmed
        entry no longer changes. Of two confirmations at once one wins; the other gets
        `conflict` with the entry as it is now (the meeting's version decides)."""
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            await self._ready(conn, me.group_id)
            current = await self._one(conn, me, meeting_id)
            if current["confirmed"] is not None:
                raise GroupError(CONFLICT, 409, "this meeting's attendance has been confirmed already", entry=current)
            leads = {p["member"] for p in current["present"] if p["role"] == "facilitator"}
            if me.role != "begeleider" and me.member_id not in leads:
                raise not_allowed("only the meeting's facilitator or a begeleider may confirm its attendance")
            changed = await conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting_id, meetings.c.version == version)
                .values(version=meetings.c.version + 1)
            )
            if changed.rowcount != 1:  # another confirmation (or edit) came first: show it as it is now
                latest = await self._one(conn, me, meeting_id)
                raise GroupError(CONFLICT, 409, "the meeting was changed meanwhile", entry=latest)
            size = current["group_size"]
            if present is not None:
                ours = set(
                    (
                        await conn.execute(
                            select(members.c.id).where(
                                members.c.group_id == me.group_id, members.c.id.in_([who for who, _ in present])
                            )
                        )
                    ).scalars()
                )
                stranger = next((who for who, _ in present if who not in ours), None)
                if stranger is not None:
                    raise invalid(f"'present': member {stranger} is not in this group")
                await conn.execute(delete(attendance).where(attendance.c.meeting_id == meeting_id))
                await conn.execute(
                    insert(attendance),
                    [{"meeting_id": meeting_id, "member_id": who, "role": role} for who, role in present],
                )
                size = len(present) + current["former"]
            name = (await conn.execute(select(members.c.name).where(members.c.id == me.member_id))).scalar_one()
            await conn.execute(
                update(ledger)
                .where(ledger.c.meeting_id == meeting_id)
                .values(confirmed_by=name, confirmed_by_id=me.member_id, confirmed_at=_now(), group_size=size)
            )
            return await self._one(conn, me, meeting_id)

    async def to_confirm(self, token_hash: str) -> list[dict[str, Any]]:
        """The held meetings not yet confirmed that the caller may confirm: all of them for
        a begeleider, those they facilitated for a member (the group page asks them)."""
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            await self._ready(conn, me.group_id)
            return [
                e
                for e in await self._entries(conn, me.group_id)
                if e["confirmed"] is None
                and (
                    me.role == "begeleider"
                    or any(p["member"] == me.member_id and p["role"] == "facilitator" for p in e["present"])
                )
            ]

    # -- lists and proofs -----------------------------------------------------------------

    async def attendance_list(self, token_hash: str, period: Period) -> dict[str, Any]:
        """The begeleider's list: every held meeting in `period`, who was there in which
        role, and its confirmation."""
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash, begeleider=True)
            await self._ready(conn, me.group_id)
            entries = await self._entries(conn, me.group_id, period)
            return {
                **await self._heading(conn, me),
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "made": _iso(_now()),
                "meetings": entries,
            }

    async def proof(self, token_hash: str, period: Period) -> dict[str, Any]:
        """A member's own proof: the held meetings in `period` they were present at, their
        role, the group size and the confirmation; the total of the confirmed minutes (an
        unconfirmed meeting is listed, marked, and totalled apart)."""
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            await self._ready(conn, me.group_id)
            rows = []
            for e in await self._entries(conn, me.group_id, period):
                mine = next((p for p in e["present"] if p["member"] == me.member_id), None)
                if mine is None:
                    continue
                rows.append(
                    {k: v for k, v in e.items() if k not in ("present", "former", "version")} | {"role": mine["role"]}
                )
            confirmed = sum(r["minutes"] for r in rows if r["confirmed"] is not None)
            open_ = sum(r["minutes"] for r in rows if r["confirmed"] is None)
            return {
                **await self._heading(conn, me),
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "made": _iso(_now()),
                "meetings": rows,
                "total": {"minutes": confirmed, "hours": round(confirmed / 60, 2)},
                "unconfirmed": {
                    "minutes": open_,
                    "hours": round(open_ / 60, 2),
                    "meetings": sum(1 for r in rows if r["confirmed"] is None),
                },
            }
