"""Auto-advance: when a room's running phase timer reaches its deadline and the
facilitator turned auto-advance on, the server moves the room to the next phase.

The engine stays pure: `decide_auto_advance` decides, from the state and the time it is
given, and acts only while the room is still in the phase the check was planned for,
with its timer running and past its deadline. This module only knows *when* to ask: one
watcher per room that has connections in this process, asleep until the deadline and
woken by every event that can move it. Every process that holds the room asks; the
version check of the commit and the decision's own conditions make the advance happen
once. A process that loads a room whose deadline has passed (after a restart, say) asks
at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from .backends import Backend, execute, read
from .circles import report_progress
from .rooms.engine import decide_auto_advance
from .rooms.state import RoomState

log = logging.getLogger("kring.timers")

#: events after which a room's deadline or its auto-advance setting may have changed
TRIGGERS = frozenset({"auto_advance", "timer", "phase", "next_case", "method_set", "ended"})
RETRY = 1.0  # seconds before asking again when the store was away


def _deadline(state: RoomState) -> float | None:
    """When to ask the engine, if at all."""
    if state.ended or not state.auto_advance or not state.timer_running:
        return None
    return state.timer_deadline


class AutoAdvance:
    def __init__(self, backend: Backend):
        self.backend = backend
        self.watchers: dict[str, tuple[asyncio.Task[None], asyncio.Event]] = {}

    def watch(self, code: str) -> None:
        """The room has a connection here: keep track of its timer."""
        watcher = self.watchers.get(code)
        if watcher is not None and not watcher[0].done():
            watcher[1].set()
            return
        wake = asyncio.Event()
        task = asyncio.get_running_loop().create_task(self._run(code, wake))
        self.watchers[code] = (task, wake)

    def changed(self, code: str) -> None:
        """An event that may move the deadline arrived: look again."""
        watcher = self.watchers.get(code)
        if watcher is not None:
            watcher[1].set()

    def forget(self, code: str) -> None:
        """The room's last connection here left: other processes, or a later load, act."""
        watcher = self.watchers.pop(code, None)
        if watcher is not None:
            watcher[0].cancel()

    async def close(self) -> None:
        tasks = [task for task, _ in self.watchers.values()]
        self.watchers.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    async def _run(self, code: str, wake: asyncio.Event) -> None:
        tried: tuple[int, float] | None = None  # the deadline asked about, so as not to ask again
        while True:
            wake.clear()
            try:
                delay, tried = await self._check(code, tried)
            except LookupError:  # the room is gone
                return
            except Exception as exc:
                log.warning("auto-advance check of room %s failed (%s); trying again", code, exc)
                delay = RETRY
            if delay == 0:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), delay)

    async def _check(self, code: str, tried: tuple[int, float] | None) -> tuple[float | None, tuple[int, float] | None]:
        """Returns how long to sleep (None: until woken; 0: look again now), and what was tried."""
        state = await read(self.backend, code)
        if state is None:
            raise LookupError(code)
        deadline = _deadline(state)
        if deadline is None:
            return None, tried
        left = deadline - time.time()
        if left > 0:
            return left, tried
        key = (state.phase, deadline)
        if key == tried:  # asked already: it advanced, or it could not (the last phase, ...)
            return None, tried
        phase = state.phase
        decision, state = await execute(self.backend, code, lambda s, rng: decide_auto_advance(s, phase, time.time()))
        await report_progress(self.backend, state, decision)
        return 0, key
