"""What a room's circles need of I/O (docs/CIRCLES.md). The engine decides on one room at a
time; a room's `announce` and `rejoin` reach its circles' rooms from here, after the
room's own commit: the line goes into each circle's log, and at `rejoin` each circle's
room is ended and erased, its inbrenger's summary kept in the room for them.

Circle by circle and best effort: a circle nobody entered has no room to reach, and one
that cannot be reached now is logged and left to its TTL (nobody can enter it any more:
the room no longer lists it). Whatever of a circle happens, the room's command has
happened and is acknowledged.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable

from .backends import Backend, end_and_erase, execute, read
from .rooms.engine import Decision
from .rooms.events import Actor
from .rooms.rules.checks import Context
from .rooms.rules.circles import PROGRESS_EVENTS, announcement, circle_progress, circle_summary, progress
from .rooms.rules.closing import summary
from .rooms.rules.phases import end
from .rooms.state import RoomState

log = logging.getLogger("kring.circles")

#: the commands of a room whose decision reaches its circles
REACHES_CIRCLES = frozenset({"announce", "rejoin"})


async def reach_circles(backend: Backend, room: RoomState, pid: str, decision: Decision) -> None:
    """After facilitator `pid`'s `announce` or `rejoin` was committed in `room` (as it is now)."""
    for ev in decision.events:
        if ev.t == "announced":
            for circle in room.circles:
                await _each(circle["code"], _announce(backend, circle["code"], ev.public["text"]))
        elif ev.t == "circles_closed":
            for circle_code in ev.public["circles"]:
                await _each(circle_code, _close(backend, room.code, circle_code, pid))


async def report_progress(backend: Backend, circle: RoomState, decision: Decision) -> None:
    """After a commit in a circle's room: tell its room how far the circle is, when its
    round, timer or inbrenger changed (ws.py after a command, timers.py after an
    auto-advance). Advice for the overview, not the truth: a report lost here is made good
    by the next."""
    plenary = circle.plenary
    if plenary is None or not any(ev.t in PROGRESS_EVENTS for ev in decision.events):
        return
    rec = progress(circle)
    await _each(circle.code, execute(backend, plenary, lambda s, rng: circle_progress(s, circle.code, rec)))


async def _each(circle: str, work: Awaitable[object]) -> None:
    """One circle's part: its failure stops no other circle's."""
    try:
        await work
    except LookupError:  # nobody ever entered it, or it is gone: nothing to reach
        pass
    except Exception:
        log.warning("circle %s could not be reached", circle, exc_info=True)


async def _announce(backend: Backend, circle: str, text: str) -> None:
    await execute(backend, circle, lambda s, rng: announcement(s, text))


async def _close(backend: Backend, room: str, circle: str, pid: str) -> None:
    state = await read(backend, circle)
    if state is None:
        return
    inbrenger = state.active(state.inbrenger) if state.inbrenger else None
    if inbrenger is not None:  # kept in the room first: the circle's end erases it
        kept = summary(state)
        await execute(backend, room, lambda s, rng: circle_summary(s, inbrenger.id, kept))

    def decide_end(s: RoomState, rng: random.Random) -> Decision:
        return end(s, Actor(pid), {}, Context(rng, time.time()))

    await end_and_erase(backend, circle, pid, decide_end)
