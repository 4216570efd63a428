"""The rota's proposal: who should take each role at a meeting. Pure: the store hands it the
members and what each did when, and writes what it proposes (docs/GROUPS.md, "The rota").

Fair means: for each role, the member who has least recently had it (never = first), ties
broken by who joined the group first (then by id), so the same history always gives the
same proposal. One person holds at most one role per meeting. The begeleider facilitates
the group's first `guided` meetings; after that members take turns, but never one who has
not attended a held meeting yet (a newcomer does not lead their first). Members who handed
a role back at this meeting (a skip) are not proposed for it again.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date, datetime

FACILITATOR, INBRENGER, TIMEKEEPER, NOTES = "facilitator", "inbrenger", "timekeeper", "notes"
ROLES = (FACILITATOR, INBRENGER, TIMEKEEPER, NOTES)

#: From this planned length on a meeting has room for two cases (60-75 minutes each).
TWO_CASES_FROM_MINUTES = 140
GUIDED_DEFAULT, GUIDED_MIN, GUIDED_MAX = 6, 4, 8

Slot = tuple[str, int]  # (role, slot): inbrenger has slots 1 and 2, every other role slot 1


@dataclass(frozen=True, slots=True)
class Candidate:
    id: int
    role: str  # begeleider or member (in the group)
    joined: datetime
    attended: bool  # present at a held meeting of the group


def slots(minutes: int) -> list[Slot]:
    """The roles a meeting of `minutes` has, in the order they are filled."""
    inbrengers = 2 if minutes >= TWO_CASES_FROM_MINUTES else 1
    return [(FACILITATOR, 1), *((INBRENGER, n) for n in range(1, inbrengers + 1)), (TIMEKEEPER, 1), (NOTES, 1)]


def propose(
    index: int,
    guided: int,
    minutes: int,
    people: list[Candidate],
    last_done: Mapping[tuple[int, str], date],
    current: Mapping[Slot, int],
    skipped: Mapping[str, Set[int]],
) -> dict[Slot, int]:
    """The rota of the meeting that is the group's `index`-th (0: its first), with the
    assignments in `current` kept and every empty slot filled where someone fits. The notes
    role is optional: it stays empty when nobody is left."""
    rota = dict(current)
    busy = set(rota.values())

    def order(c: Candidate, role: str) -> tuple[bool, date, datetime, int]:
        last = last_done.get((c.id, role))
        return (last is not None, last or date.min, c.joined, c.id)

    for slot in slots(minutes):
        if slot in rota:
            continue
        role = slot[0]
        free = [c for c in people if c.id not in busy and c.id not in skipped.get(role, set())]
        if role == FACILITATOR:
            leads = [c for c in free if c.role == "begeleider"]
            if index >= guided:
                peers = [c for c in free if c.role == "member" and c.attended]
                leads = peers or leads  # no member has attended yet: the begeleider still leads
        else:
            leads = [c for c in free if c.role == "member"]
        if leads:
            chosen = min(leads, key=lambda c: order(c, role))
            rota[slot] = chosen.id
            busy.add(chosen.id)
    return rota
