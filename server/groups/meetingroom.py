"""A group's meeting as a room: starting it, members entering it with their link, and what
the group keeps when it ends. The I/O edge between the groups' database and the rooms'
backend; the room engine stays pure (rooms.rules.people.decide_member_entry).

A member's room token is derived from their group token T and the room's code (HMAC), so
the server never stores it and can hand the same one out again: entering twice is the same
participant. The room keeps only its hash, as for every participant.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from protocol import errors

from ..backends import Backend, RoomsFull, erase_if_ended, execute
from ..rooms import identity
from ..rooms.engine import decide_member_entry, new_room
from ..rooms.events import RoomError
from ..rooms.rules.closing import worth_totals
from ..rooms.state import FACILITATOR, OBSERVER, RoomState
from . import coaching, links
from .actions import ActionStore
from .errors import CONFLICT, GroupError
from .meetingstore import MeetingStore
from .rotastore import HELD

log = logging.getLogger("kring.groups")

ROOM_TOKEN_INFO = b"kring/room-token/"


def room_token(group_token: str, code: str) -> str:
    """The member's token for the room `code`: `CODE.` and 32 characters, like any room token."""
    mac = hmac.digest(group_token.encode("ascii"), ROOM_TOKEN_INFO + code.encode("ascii"), hashlib.sha256)
    return f"{code}.{links.b64url(mac)[:32]}"


@dataclass
class MeetingRooms:
    store: MeetingStore
    backend: Backend
    max_participants: int

    async def start(self, group_token: str, meeting_id: int, language: str) -> tuple[dict[str, Any], bool]:
        """The meeting's room (its code), opened now unless it was already: (meeting, new)."""
        token_hash = links.token_hash(group_token)
        start = await self.store.to_start(token_hash, meeting_id)
        if start.code is not None:
            if await self._alive(start.code):
                return await self._started(token_hash, meeting_id), False
            raise GroupError(CONFLICT, 409, HELD)
        meeting = start.meeting
        # a group that met before opens with the terugblik on last time's actions
        terugblik = await ActionStore(self.store.engine).has_previous(token_hash, meeting_id)
        first_timer = await coaching.leads_first_time(self.store, token_hash, meeting_id)
        rota: dict[str, list[str]] = {}
        for r in (await self.store.meeting(token_hash, meeting_id))["roles"]:  # in slot order
            if r["name"]:
                rota.setdefault(r["role"], []).append(r["name"])
        for _ in range(20):
            code = identity.new_room_code()
            state = new_room(
                code,
                identity.new_epoch(),
                identity.token_hash(room_token(group_token, code)),
                method_id=meeting["method"],
                language=language,
                facilitator_name=start.name,
                max_participants=self.max_participants,
                terugblik=terugblik,
                first_timer=first_timer,
                theme=meeting["theme"],
                rota=rota,
                call_link=start.call_link,
            )
            try:
                created = await self.backend.create(state)
            except RoomsFull:
                raise GroupError(
                    errors.UNAVAILABLE, 503, "the server holds as many rooms as it may; try later"
                ) from None
            if created:
                break
        else:
            raise GroupError(errors.UNAVAILABLE, 503, "no free room code")
        try:
            kept = await self.store.set_room(meeting_id, code)
        except BaseException:
            await self.backend.erase(code)  # the database did not take it: no room without a meeting
            raise
        if kept != code:  # another start was first: theirs is the meeting's room
            await self.backend.erase(code)
        return await self._started(token_hash, meeting_id), kept == code

    async def _started(self, token_hash: str, meeting_id: int) -> dict[str, Any]:
        view = await self.store.meeting(token_hash, meeting_id)
        meeting: dict[str, Any] = view["meeting"]
        return meeting

    async def _alive(self, code: str) -> bool:
        """Whether the room still serves; if it ended or expired unseen, the meeting is held now."""
        state = await self.backend.load(code)
        if state is not None and not state.ended:
            return True
        await self.held(code, state)
        if state is not None:
            await erase_if_ended(self.backend, state)
        return False

    async def enter(self, group_token: str, meeting_id: int, observer: bool = False) -> dict[str, Any]:
        """What a member's browser needs to open /room/CODE as themselves; `observer`: a
        begeleider comes in as a silent observer (coaching.check_observer)."""
        entry = await self.store.to_enter(links.token_hash(group_token), meeting_id)
        if observer:
            await coaching.check_observer(self.store, links.token_hash(group_token), meeting_id)
        token = room_token(group_token, entry.code)
        first_time = entry.facilitator and await coaching.leads_first_time(
            self.store, links.token_hash(group_token), meeting_id
        )

        def decide(state: RoomState, rng: object) -> Any:
            return decide_member_entry(
                state,
                entry.name,
                identity.token_hash(token),
                facilitator=entry.facilitator,
                cases=entry.cases,
                first_time=first_time,
                observer=observer,
            )

        try:
            decision, state = await execute(self.backend, entry.code, decide)
        except LookupError:
            await self._alive(entry.code)
            raise GroupError(CONFLICT, 409, HELD) from None
        except RoomError as err:
            if err.code == errors.UNKNOWN_ROOM:
                await self._alive(entry.code)
                raise GroupError(CONFLICT, 409, HELD) from None
            if err.code == errors.BAD_TOKEN:
                raise GroupError(errors.NOT_ALLOWED, 403, "you were removed from this meeting's room") from None
            raise GroupError(err.code, 409, err.detail) from None
        pid = decision.result["participant"]
        await self.store.entered(entry.meeting_id, entry.member_id, pid)
        return {"code": entry.code, "token": token, "participant": pid, "role": state.participants[pid].role}

    async def sweep(self, token_hash: str | None = None) -> None:
        """Mark held the meetings whose rooms are gone (expired, or ended while the database
        was away): the caller's group's, or every group's."""
        for code in await self.store.live_rooms(token_hash):
            try:
                await self._alive(code)
            except Exception:  # best effort: the room storage or the database is away; next time
                log.warning("sweeping the meeting room %s failed", code, exc_info=True)

    async def held(self, code: str, state: RoomState | None, proof: dict[str, Any] | None = None) -> bool:
        """The room `code` ended (`state`: as it was when it ended) or is gone (None)."""

        def roles_of(present: dict[int, str | None]) -> dict[int, str]:
            assert state is not None
            inbrengers = {*state.summaries, *([state.inbrenger] if state.inbrenger else [])}
            roles = {}
            for member_id, pid in present.items():
                p = state.participants.get(pid or "")
                if p is not None and p.role == FACILITATOR:
                    roles[member_id] = "facilitator"
                elif p is not None and p.role == OBSERVER:
                    roles[member_id] = "observer"
                elif pid in inbrengers:
                    roles[member_id] = "inbrenger"
            return roles

        times = (proof.get("started_at"), proof.get("ended_at")) if proof else (None, None)
        totals = worth_totals(state) if state is not None else None  # counts only, never an answer
        return await self.store.held(code, roles_of if state is not None else None, times, totals)

    async def room_ended(self, code: str, state: RoomState, proof: dict[str, Any] | None) -> None:
        """Called once where the `end` command ended the room (server/ws.py): if it was a
        group's meeting, the group records it. A database that fails now is caught up by
        the next sweep (the room is gone by then; the rota fills in the roles)."""
        try:
            await self.held(code, state, proof)
        except (SQLAlchemyError, OSError, TimeoutError):
            log.warning("recording a held meeting failed; the next sweep records it", exc_info=True)
