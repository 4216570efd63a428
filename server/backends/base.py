"""The backend interface, and the decide-commit loop that every backend shares.

A backend stores each room's state and its event log (with an epoch that changes when a
log is lost), commits events with a version check, replays the log since a seq, and
calls local listeners with every committed event in seq order.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from limits.aio.storage import Storage

from ..rooms.engine import Decision
from ..rooms.events import Event, RoomError
from ..rooms.state import FACILITATOR, RoomState

Listener = Callable[[str, list[Event]], None]

LOG_CAP = 10_000  # events kept per room for resume (KRING_LOG_CAP); older clients get a snapshot
MAX_ROOMS = 10_000  # rooms a backend holds at most (KRING_MAX_ROOMS)
#: The shortest KRING_ROOM_TTL: a room with people connected is kept alive by their
#: presence (the Redis heartbeat refreshes it every few seconds), and a shorter TTL would
#: leave too little room for a heartbeat that is late or missed.
MIN_ROOM_TTL = 60


class Conflict(Exception):
    """Another process committed first; reload and decide again."""


class RoomsFull(Exception):
    """The backend holds as many rooms as it may (KRING_MAX_ROOMS); no new room now."""


class Backend(abc.ABC):
    #: Errors that mean "the store is away for now" (logged in one line, answered with
    #: `unavailable`); anything else is a bug and is logged with its traceback.
    transient: tuple[type[Exception], ...] = ()

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open connections, start housekeeping."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release everything."""

    async def health(self) -> str | None:
        """None when the room storage answers; else what is wrong, for /healthz."""
        return None

    async def degraded(self) -> str | None:
        """What did not answer at the last `health()` while the process can still serve
        rooms (one Redis server of several down: its rooms wait, the others go on), for
        /healthz right after it; else None."""
        return None

    @abc.abstractmethod
    def limit_storage(self) -> Storage:
        """Where per-address rate limits are counted: shared by every process that shares
        the rooms, so a limit holds behind a balancer too."""

    @abc.abstractmethod
    async def create(self, state: RoomState) -> bool:
        """Store a new room; False when its code is taken. Raises RoomsFull when the
        backend holds its maximum of rooms."""

    @abc.abstractmethod
    async def load(self, code: str) -> RoomState | None:
        """The room's current state to decide on (None if there is no such room)."""

    @abc.abstractmethod
    async def commit(self, state: RoomState, events: list[Event]) -> RoomState:
        """Append events decided on `state` (its seq is the expected version).

        Numbers and encodes `events` first (events.seal: RoomError, and nothing stored,
        if one cannot be carried), then folds them into the stored state, publishes them
        and returns the state after them. Raises Conflict when the room moved on since
        `state` was loaded; a state another reader holds never shows a commit that did not
        go through. Once the events are stored, handing them to local listeners never
        raises: a delivery that fails is made up from the log.
        """

    @abc.abstractmethod
    async def read_since(self, code: str, epoch: str, seq: int) -> list[Event] | None:
        """Events after `seq`, or None when the epoch differs or the log was trimmed."""

    @abc.abstractmethod
    async def subscribe(self, code: str, listener: Listener) -> None:
        """Start calling `listener` with this room's committed events."""

    @abc.abstractmethod
    async def unsubscribe(self, code: str, listener: Listener) -> None: ...

    @abc.abstractmethod
    async def erase(self, code: str) -> None:
        """Remove every trace of the room at once."""

    @abc.abstractmethod
    async def connected(self, code: str, pid: str) -> None:
        """This process has its first connection of `pid`: show them online."""

    @abc.abstractmethod
    async def disconnected(self, code: str, pid: str) -> None:
        """This process lost its last connection of `pid`: offline unless elsewhere."""

    async def confirm_current(self, state: RoomState) -> bool:
        """Is `state` the room's latest version? If not, forget this process's copy so the
        next load reads the latest. A refusal or a no-op is only final on the latest state:
        a case proposed through another process a moment ago must be found."""
        return True

    def room_lock(self, code: str) -> AbstractAsyncContextManager[object]:
        """Held from load to commit, so a process decides on one room at a time."""
        return contextlib.nullcontext()


MAX_ATTEMPTS = 20


async def read(backend: Backend, code: str) -> RoomState | None:
    """The room's state to read from (a welcome, a token check): never mid-commit, and at
    least as new as every event this process has delivered."""
    async with backend.room_lock(code):
        return await backend.load(code)


async def execute(
    backend: Backend, code: str, decide: Callable[[RoomState, random.Random], Decision]
) -> tuple[Decision, RoomState]:
    """Load, decide and commit, deciding again when another process won the race.

    Returns the decision (its events now carry their seq) and the state after it.
    Raises RoomError from `decide`, or LookupError when the room does not exist.
    """
    rng = random.SystemRandom()
    for attempt in range(MAX_ATTEMPTS):
        async with backend.room_lock(code):
            state = await backend.load(code)
            if state is None:
                raise LookupError(code)
            try:
                decision = decide(state, rng)
            except RoomError:
                if await backend.confirm_current(state):
                    raise
                continue
            if not decision.events:
                if await backend.confirm_current(state):
                    return decision, state
                continue
            try:
                state = await backend.commit(state, decision.events)
            except Conflict:
                pass
            else:
                return decision, state
        # Another process won the race. The backend has caught up already, so try again at
        # once; from the second collision on, step aside a random moment (outside the
        # lock), so that two processes busy with one room do not keep colliding.
        if attempt:
            await asyncio.sleep(rng.uniform(0, 0.001 * attempt))
    raise Conflict(code)


async def end_and_erase(
    backend: Backend,
    code: str,
    pid: str,
    decide_end: Callable[[RoomState, random.Random], Decision],
    on_ended: Callable[[RoomState, Decision], Awaitable[None]] | None = None,
) -> tuple[Decision, int | None]:
    """End the room (`decide_end` decides, for facilitator `pid`) and erase every trace.

    The end is committed first, so every process tells its connections; the erase comes
    after. If the erase fails, or the deciding process dies in between, the room stays
    stored, ended: a facilitator's next `end` (same id or not) lands here again and erases
    it, and `erase_if_ended` lets any hello that finds it do the same. An ended room is
    never served again. Raises what the erase raises; the caller answers `unavailable`.
    Returns the decision and the room's last seq (None once it is erased by someone else).

    `on_ended(state, decision)` is awaited once, by the call whose decision ended the room,
    with the room as it ended and before it is erased (a group's meeting is recorded then,
    server/groups/meetingroom.py): whoever finds the room ended meanwhile sees the same state.
    """
    try:
        decision, state = await execute(backend, code, decide_end)
        seq: int | None = state.seq
        if on_ended is not None and state.ended and decision.events:
            await on_ended(state, decision)
    except LookupError:
        return Decision(), None  # erased already (another facilitator was first): done
    except RoomError:
        ended = await read(backend, code)
        me = ended.active(pid) if ended is not None else None
        if ended is None or not ended.ended or me is None or me.role != FACILITATOR:
            raise
        decision, seq = Decision(), ended.seq  # ended before, not yet erased
    await backend.erase(code)
    return decision, seq


async def erase_if_ended(backend: Backend, state: RoomState | None) -> bool:
    """Erase `state`'s room if it has ended but is still stored; True if it had ended.

    Whoever finds such a room (a hello, a command) erases it, so it cannot outlive a failed
    erase until its TTL. Raises what the erase raises.
    """
    if state is None or not state.ended:
        return False
    await backend.erase(state.code)
    return True
