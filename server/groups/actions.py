"""A member's own actions ("what I will do before next time"): the store's part.

The server never holds an action it could read: the member's browser encrypts it with
AES-GCM under the key their link derives (never sent), with additional data that binds the
ciphertext to its group, member and meeting (AAD below), and sends the nonce and the
ciphertext. So all this module keeps is opaque text and where it belongs, and who may see
it: its owner, and nobody else (another member's request finds nothing: 404).

Kept until the owner deletes it, their link is re-issued (store.reissue_link deletes them in
the same transaction: the new link derives another key, so they could not be read anyway),
they are removed or the group is deleted (the database cascades), or one year has passed
since the meeting it was written at. That last one is enforced here: every call that reads
or writes a group's actions first deletes the group's expired ones.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from protocol import errors

from .errors import CONFLICT, GroupError, not_found
from .store import GroupStore, Me, _iso, _now
from .tables import actions, meetings, members

#: actions one member may write for one meeting
MAX_PER_MEETING = 3
#: how long an action is kept after the meeting it was written at
RETENTION = timedelta(days=365)
#: the AES-GCM additional data the browser binds each ciphertext with (js/group/actions.js)
AAD = "kring/action/v1|{group}|{member}|{meeting}"


def action_view(row: Row[Any]) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "meeting": m["meeting_id"],
        "generation": m["generation"],
        "iv": m["iv"],
        "ciphertext": m["ciphertext"],
        "created": _iso(m["created_at"]),
    }


def expired_before(today: date | None = None) -> date:
    """Actions written at a meeting before this date are past their year."""
    return (today or _now().date()) - RETENTION


class ActionStore(GroupStore):
    """Each call one transaction, the member found by their token's hash inside it (store.py)."""

    async def _expire(self, conn: AsyncConnection, group_id: str) -> None:
        old = select(meetings.c.id).where(meetings.c.group_id == group_id, meetings.c.date < expired_before())
        await conn.execute(delete(actions).where(actions.c.group_id == group_id, actions.c.meeting_id.in_(old)))

    async def _open(self, conn: AsyncConnection, token_hash: str) -> Me:
        me = await self._me(conn, token_hash)
        await self._expire(conn, me.group_id)
        return me

    async def add(self, token_hash: str, meeting_id: int, iv: str, ciphertext: str) -> dict[str, Any]:
        """Written at a meeting that is running (its room is open) or held: not before it,
        and not once the meeting is past the retention year."""
        async with self.engine.begin() as conn:
            me = await self._open(conn, token_hash)
            m = await self._meeting(conn, me.group_id, meeting_id)
            if m.room_code is None and m.ended_at is None:
                raise GroupError(CONFLICT, 409, "the meeting has not started yet: actions are written at or after it")
            if m.date < expired_before():
                raise GroupError(CONFLICT, 409, "this meeting is more than a year ago; its actions are not kept")
            count = (
                await conn.execute(
                    select(func.count()).where(actions.c.member_id == me.member_id, actions.c.meeting_id == meeting_id)
                )
            ).scalar_one()
            if count >= MAX_PER_MEETING:
                raise GroupError(errors.TOO_LARGE, 409, f"at most {MAX_PER_MEETING} actions per member per meeting")
            generation = (
                await conn.execute(select(members.c.generation).where(members.c.id == me.member_id))
            ).scalar_one()
            row = (
                await conn.execute(
                    insert(actions)
                    .values(
                        group_id=me.group_id,
                        member_id=me.member_id,
                        meeting_id=meeting_id,
                        generation=generation,
                        iv=iv,
                        ciphertext=ciphertext,
                        created_at=_now(),
                    )
                    .returning(*actions.c)
                )
            ).one()
            return action_view(row)

    async def mine(self, token_hash: str, meeting_id: int | None = None) -> list[dict[str, Any]]:
        """The caller's own actions, oldest first; of one meeting if asked."""
        async with self.engine.begin() as conn:
            me = await self._open(conn, token_hash)
            return await self._mine(conn, me, meeting_id)

    async def _mine(self, conn: AsyncConnection, me: Me, meeting_id: int | None) -> list[dict[str, Any]]:
        query = select(actions).where(actions.c.member_id == me.member_id)
        if meeting_id is not None:
            query = query.where(actions.c.meeting_id == meeting_id)
        return [action_view(r) for r in await conn.execute(query.order_by(actions.c.id))]

    async def delete(self, token_hash: str, action_id: int) -> None:
        """Only the owner's own: anyone else's is "no such action", as if it were not there."""
        async with self.engine.begin() as conn:
            me = await self._open(conn, token_hash)
            gone = await conn.execute(
                delete(actions).where(actions.c.id == action_id, actions.c.member_id == me.member_id)
            )
            if gone.rowcount != 1:
                raise not_found("action of yours")

    async def delete_all(self, token_hash: str) -> int:
        async with self.engine.begin() as conn:
            me = await self._open(conn, token_hash)
            gone = await conn.execute(delete(actions).where(actions.c.member_id == me.member_id))
            return int(gone.rowcount)

    async def _previous(self, conn: AsyncConnection, me: Me, meeting_id: int) -> Row[Any] | None:
        """The meeting held last before meeting `meeting_id` began (or before now, if it has
        not): the one whose actions its terugblik looks back on."""
        m = await self._meeting(conn, me.group_id, meeting_id)
        until = m.started_at or _now()
        return (
            await conn.execute(
                select(meetings)
                .where(
                    meetings.c.group_id == me.group_id,
                    meetings.c.id != meeting_id,
                    meetings.c.ended_at.is_not(None),
                    meetings.c.ended_at <= until,
                )
                .order_by(meetings.c.ended_at.desc(), meetings.c.id.desc())
                .limit(1)
            )
        ).first()

    async def has_previous(self, token_hash: str, meeting_id: int) -> bool:
        """Whether meeting `meeting_id` opens with a terugblik: the group held one before."""
        async with self.engine.connect() as conn:
            me = await self._me(conn, token_hash)
            return await self._previous(conn, me, meeting_id) is not None

    async def terugblik(self, token_hash: str, meeting_id: int) -> dict[str, Any]:
        """For meeting `meeting_id`'s terugblik: the meeting held before it, and the caller's
        own actions written there (ciphertext: only their browser can read them)."""
        async with self.engine.begin() as conn:
            me = await self._open(conn, token_hash)
            previous = await self._previous(conn, me, meeting_id)
            if previous is None:
                return {"meeting": None, "actions": []}
            return {
                "meeting": {"id": previous.id, "date": previous.date.isoformat(), "theme": previous.theme},
                "actions": await self._mine(conn, me, previous.id),
            }
