"""The groups' store: every read and write of group data, each in one transaction.

A request's member is found by their token's hash inside the same transaction that acts,
so a link revoked a moment ago cannot slip a change in. A write either happens whole or
not at all: a series that collides with one meeting adds none. Edits name the version
they change; the loser of two edits at once gets `conflict` with the current row, and
nothing is lost silently.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from protocol import errors, limits

from . import retention
from .errors import BAD_LINK, CONFLICT, LINK_REISSUED, MEMBER_REMOVED, NAME_TAKEN, GroupError, not_allowed, not_found
from .schedule import MAX_MEETINGS, Planned
from .tables import actions, groups, ledger, meetings, members, revoked_links

MAX_MEMBERS = limits.MAX_PARTICIPANTS  # people in a group, begeleiders included


@dataclass(frozen=True, slots=True)
class Me:
    """Who a token belongs to."""

    group_id: str
    member_id: int
    role: str


@dataclass(frozen=True, slots=True)
class MeetingChange:
    """The fields an edit sets (None: unchanged; `theme` set to None only with clear_theme)."""

    date: date | None = None
    start: time | None = None
    minutes: int | None = None
    method: str | None = None
    theme: str | None = None
    clear_theme: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def member_view(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "name": m["name"],
        "role": m["role"],
        "generation": m["generation"],
        "joined": _iso(m["joined_at"]),
    }


#: Why a meeting is not changed or deleted (409 `conflict`, the meeting as it is in the body).
HELD_FIXED = "this meeting has been held; it stays in the ledger as it happened"
UNDER_WAY = "this meeting is under way; end it first"
CONFIRMED_STAYS = "this meeting's attendance has been confirmed; it stays in the ledger"


def meeting_view(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "date": m["date"].isoformat(),
        "start": m["start_time"].strftime("%H:%M"),
        "minutes": m["minutes"],
        "method": m["method"],
        "theme": m["theme"],
        "version": m["version"],
        # the room while the meeting is under way (members enter it with their link,
        # guests with this code); started and ended as times, ended once it is held
        "room": m["room_code"],
        "started": _iso(m["started_at"]) if m["started_at"] is not None else None,
        "ended": _iso(m["ended_at"]) if m["ended_at"] is not None else None,
    }


class GroupStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    # -- who is asking ------------------------------------------------------------------

    async def _me(self, conn: AsyncConnection, token_hash: str, begeleider: bool = False) -> Me:
        row = (
            await conn.execute(
                select(members.c.group_id, members.c.id, members.c.role).where(members.c.token_hash == token_hash)
            )
        ).first()
        if row is None:
            reason = (
                await conn.execute(select(revoked_links.c.reason).where(revoked_links.c.token_hash == token_hash))
            ).scalar()
            code = {"reissued": LINK_REISSUED, "removed": MEMBER_REMOVED}.get(reason or "", BAD_LINK)
            raise GroupError(code, 401)
        me = Me(row.group_id, row.id, row.role)
        if begeleider and me.role != "begeleider":
            raise not_allowed("only a begeleider of the group may do this")
        return me

    # -- groups ---------------------------------------------------------------------------

    async def create_group(self, name: str, begeleider_name: str, token_hash: str) -> dict[str, Any]:
        group_id = secrets.token_urlsafe(16)
        now = _now()
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(groups).values(id=group_id, name=name, created_at=now))
                await conn.execute(
                    insert(members).values(
                        group_id=group_id,
                        name=begeleider_name,
                        role="begeleider",
                        token_hash=token_hash,
                        generation=1,
                        joined_at=now,
                    )
                )
                return await self._group(conn, await self._me(conn, token_hash))
        except IntegrityError:
            raise GroupError(CONFLICT, 409, "this link's token is already in use; make a new link") from None

    async def group(self, token_hash: str) -> dict[str, Any]:
        async with self.engine.begin() as conn:
            return await self._group(conn, await self._me(conn, token_hash))

    async def _group(self, conn: AsyncConnection, me: Me) -> dict[str, Any]:
        group = (await conn.execute(select(groups).where(groups.c.id == me.group_id))).one()
        roster = await self._members(conn, me.group_id)
        return {
            "group": {
                "id": group.id,
                "name": group.name,
                "created": _iso(group.created_at),
                "guided_meetings": group.guided_meetings,
                "call_link": group.call_link,
            },
            "me": next(m for m in roster if m["id"] == me.member_id),
            "members": roster,
            "meetings": await self._meetings(conn, me.group_id),
        }

    async def delete_group(self, token_hash: str) -> None:
        """Erase the group and everything of it at once (the database cascades)."""
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash, begeleider=True)
            await conn.execute(delete(groups).where(groups.c.id == me.group_id))

    # -- members --------------------------------------------------------------------------

    async def _members(self, conn: AsyncConnection, group_id: str) -> list[dict[str, Any]]:
        rows = await conn.execute(select(members).where(members.c.group_id == group_id).order_by(members.c.id))
        return [member_view(row) for row in rows]

    async def add_member(self, token_hash: str, name: str, role: str, new_hash: str) -> dict[str, Any]:
        try:
            async with self.engine.begin() as conn:
                me = await self._me(conn, token_hash, begeleider=True)
                count = (await conn.execute(select(func.count()).where(members.c.group_id == me.group_id))).scalar_one()
                if count >= MAX_MEMBERS:
                    raise GroupError(errors.TOO_LARGE, 409, f"a group has at most {MAX_MEMBERS} members")
                await self._name_free(conn, me.group_id, name)
                row = (
                    await conn.execute(
                        insert(members)
                        .values(
                            group_id=me.group_id,
                            name=name,
                            role=role,
                            token_hash=new_hash,
                            generation=1,
                            joined_at=_now(),
                        )
                        .returning(*members.c)
                    )
                ).one()
                return member_view(row)
        except IntegrityError:  # the same name added at the same moment, or a reused token
            raise GroupError(NAME_TAKEN, 409) from None

    async def _name_free(self, conn: AsyncConnection, group_id: str, name: str, but: int | None = None) -> None:
        """Names differ by more than case: two "Anna"s in one group would confuse everyone."""
        query = select(members.c.id).where(members.c.group_id == group_id, func.lower(members.c.name) == name.lower())
        if but is not None:
            query = query.where(members.c.id != but)
        if (await conn.execute(query)).first() is not None:
            raise GroupError(NAME_TAKEN, 409)

    async def remove_member(self, token_hash: str, member_id: int) -> None:
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash, begeleider=True)
            row = await self._member(conn, me.group_id, member_id)
            if row.role == "begeleider":
                others = (
                    await conn.execute(
                        select(func.count()).where(
                            members.c.group_id == me.group_id,
                            members.c.role == "begeleider",
                            members.c.id != member_id,
                        )
                    )
                ).scalar_one()
                if not others:
                    raise GroupError(CONFLICT, 409, "a group keeps at least one begeleider")
            await self._revoke(conn, me.group_id, row.token_hash, "removed")
            await retention.forget(conn, member_id)  # their name leaves the ledger too
            await conn.execute(delete(members).where(members.c.id == member_id))

    async def _member(self, conn: AsyncConnection, group_id: str, member_id: int) -> Row[Any]:
        row = (
            await conn.execute(select(members).where(members.c.group_id == group_id, members.c.id == member_id))
        ).first()
        if row is None:
            raise not_found("member")
        return row

    async def _revoke(self, conn: AsyncConnection, group_id: str, token_hash: str, reason: str) -> None:
        await conn.execute(
            insert(revoked_links).values(token_hash=token_hash, group_id=group_id, reason=reason, revoked_at=_now())
        )

    async def reissue_link(self, token_hash: str, member_id: int, generation: int, new_hash: str) -> dict[str, Any]:
        """The member's old link stops working in the same transaction that stores the new one."""
        try:
            async with self.engine.begin() as conn:
                me = await self._me(conn, token_hash, begeleider=True)
                row = await self._member(conn, me.group_id, member_id)
                changed = await conn.execute(
                    update(members)
                    .where(members.c.id == member_id, members.c.generation == generation)
                    .values(token_hash=new_hash, generation=members.c.generation + 1)
                    .returning(*members.c)
                )
                new = changed.first()
                if new is None:
                    current = member_view(await self._member(conn, me.group_id, member_id))
                    raise GroupError(CONFLICT, 409, "the link was re-issued meanwhile", member=current)
                await self._revoke(conn, me.group_id, row.token_hash, "reissued")
                # the new link derives another key: what the old one encrypted is unreadable now
                await conn.execute(delete(actions).where(actions.c.member_id == member_id))
                return member_view(new)
        except IntegrityError:
            raise GroupError(CONFLICT, 409, "this link's token is already in use; make a new link") from None

    # -- the schedule ---------------------------------------------------------------------

    async def _meetings(self, conn: AsyncConnection, group_id: str) -> list[dict[str, Any]]:
        rows = await conn.execute(
            select(meetings)
            .where(meetings.c.group_id == group_id)
            .order_by(meetings.c.date, meetings.c.start_time, meetings.c.id)
        )
        return [meeting_view(row) for row in rows]

    async def meetings(self, token_hash: str) -> list[dict[str, Any]]:
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash)
            return await self._meetings(conn, me.group_id)

    async def add_meetings(self, token_hash: str, planned: Sequence[Planned]) -> list[dict[str, Any]]:
        """One meeting or a whole series, all or none."""
        try:
            async with self.engine.begin() as conn:
                me = await self._me(conn, token_hash, begeleider=True)
                count = (
                    await conn.execute(select(func.count()).where(meetings.c.group_id == me.group_id))
                ).scalar_one()
                if count + len(planned) > MAX_MEETINGS:
                    raise GroupError(errors.TOO_LARGE, 409, f"a schedule holds at most {MAX_MEETINGS} meetings")
                await self._moments_free(conn, me.group_id, [(p.date, p.start) for p in planned])
                rows = await conn.execute(
                    insert(meetings).returning(*meetings.c),
                    [
                        {
                            "group_id": me.group_id,
                            "date": p.date,
                            "start_time": p.start,
                            "minutes": p.minutes,
                            "method": p.method,
                            "theme": p.theme,
                            "version": 1,
                        }
                        for p in planned
                    ],
                )
                return sorted((meeting_view(row) for row in rows), key=lambda m: (m["date"], m["start"]))
        except IntegrityError:  # the same moment added by another request at the same time
            raise GroupError(CONFLICT, 409, "the group already has a meeting at that date and time") from None

    async def _moments_free(
        self, conn: AsyncConnection, group_id: str, moments: list[tuple[date, time]], but: int | None = None
    ) -> None:
        if len(set(moments)) < len(moments):
            raise GroupError(CONFLICT, 409, "two meetings at the same date and time")
        rows = await conn.execute(
            select(meetings.c.id, meetings.c.date, meetings.c.start_time).where(
                meetings.c.group_id == group_id, meetings.c.date.in_({d for d, _ in moments})
            )
        )
        taken = {(r.date, r.start_time) for r in rows if r.id != but}
        clash = sorted(taken & set(moments))
        if clash:
            d, t = clash[0]
            raise GroupError(CONFLICT, 409, f"the group already has a meeting on {d.isoformat()} at {t:%H:%M}")

    async def edit_meeting(
        self, token_hash: str, meeting_id: int, version: int, change: MeetingChange
    ) -> dict[str, Any]:
        try:
            async with self.engine.begin() as conn:
                me = await self._me(conn, token_hash, begeleider=True)
                current = await self._meeting(conn, me.group_id, meeting_id)
                if current.ended_at is not None or current.room_code is not None:
                    # what was held is in the ledger as it happened; a running room has its werkvorm
                    why = HELD_FIXED if current.ended_at is not None else UNDER_WAY
                    raise GroupError(CONFLICT, 409, why, meeting=meeting_view(current))
                if current.version != version:
                    raise GroupError(CONFLICT, 409, "the meeting was changed meanwhile", meeting=meeting_view(current))
                values: dict[str, Any] = {"version": meetings.c.version + 1}
                for key, column in (("date", "date"), ("start", "start_time"), ("minutes", "minutes")):
                    if getattr(change, key) is not None:
                        values[column] = getattr(change, key)
                if change.method is not None:
                    values["method"] = change.method
                if change.theme is not None or change.clear_theme:
                    values["theme"] = change.theme
                moment = (values.get("date", current.date), values.get("start_time", current.start_time))
                await self._moments_free(conn, me.group_id, [moment], but=meeting_id)
                # the version in the WHERE makes the check and the write one step on every database
                row = (
                    await conn.execute(
                        update(meetings)
                        .where(meetings.c.id == meeting_id, meetings.c.version == version)
                        .values(**values)
                        .returning(*meetings.c)
                    )
                ).first()
                if row is None:
                    latest = meeting_view(await self._meeting(conn, me.group_id, meeting_id))
                    raise GroupError(CONFLICT, 409, "the meeting was changed meanwhile", meeting=latest)
                return meeting_view(row)
        except IntegrityError:
            raise GroupError(CONFLICT, 409, "the group already has a meeting at that date and time") from None

    async def _meeting(self, conn: AsyncConnection, group_id: str, meeting_id: int) -> Row[Any]:
        row = (
            await conn.execute(select(meetings).where(meetings.c.group_id == group_id, meetings.c.id == meeting_id))
        ).first()
        if row is None:
            raise not_found("meeting")
        return row

    async def delete_meeting(self, token_hash: str, meeting_id: int) -> None:
        async with self.engine.begin() as conn:
            me = await self._me(conn, token_hash, begeleider=True)
            current = await self._meeting(conn, me.group_id, meeting_id)
            if current.room_code is not None:
                raise GroupError(CONFLICT, 409, UNDER_WAY, meeting=meeting_view(current))
            confirmed = await conn.execute(
                select(ledger.c.meeting_id).where(ledger.c.meeting_id == meeting_id, ledger.c.confirmed_at.is_not(None))
            )
            if confirmed.first() is not None:
                # members' proofs rest on it: it goes with the retention period or the group
                raise GroupError(CONFLICT, 409, CONFIRMED_STAYS, meeting=meeting_view(current))
            await conn.execute(delete(meetings).where(meetings.c.id == meeting_id))
