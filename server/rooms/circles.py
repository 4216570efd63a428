"""Splitting a group into circles that work in parallel (issue 16): who goes into which.

Pure: the randomness comes in as an argument. Circles hold MIN_CIRCLE to MAX_CIRCLE people;
an even split makes them as equal as it can (sizes differ by one at most) and keeps the
people in the room together and the people online together where the numbers allow, so
that a circle does not have to talk across the table and the call at once. A split by
hand is checked against the same rules. docs/CIRCLES.md has the design of the circles
themselves: each a room of its own, with its own log.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .state import IN_ROOM, ONLINE

MIN_CIRCLE, MAX_CIRCLE = 3, 5


class CircleError(ValueError):
    """A split that cannot be made; the message says why, for the facilitator."""


def circle_count(people: int, size: int) -> int:
    """How many circles of about `size` (MIN_CIRCLE-MAX_CIRCLE) `people` make."""
    if not MIN_CIRCLE <= size <= MAX_CIRCLE:
        raise CircleError(f"a circle holds {MIN_CIRCLE} to {MAX_CIRCLE} people")
    if people < MIN_CIRCLE:
        raise CircleError(f"a circle needs at least {MIN_CIRCLE} people")
    fewest, most = -(-people // MAX_CIRCLE), people // MIN_CIRCLE  # every circle within the bounds
    return min(max(round(people / size), fewest), most)


def split_evenly(people: Sequence[tuple[str, str | None]], size: int, rng: random.Random) -> list[list[str]]:
    """(participant id, place) -> circles of about `size`, places kept together."""
    k = circle_count(len(people), size)
    base, extra = divmod(len(people), k)
    sizes = [base + 1 if i < extra else base for i in range(k)]
    lined_up: list[str] = []
    for place in (ONLINE, IN_ROOM, None):  # each place shuffled, then filled in circle by circle
        here = [pid for pid, p in people if p == place or (place is None and p not in (ONLINE, IN_ROOM))]
        rng.shuffle(here)
        lined_up += here
    circles, start = [], 0
    for n in sizes:
        circles.append(lined_up[start : start + n])
        start += n
    return circles


def check_split(circles: Sequence[Sequence[str]], group: Sequence[str]) -> None:
    """A split by hand: everyone of `group` in exactly one circle of the allowed size."""
    seen = [pid for circle in circles for pid in circle]
    if len(set(seen)) != len(seen):
        raise CircleError("someone is in two circles")
    strangers = [pid for pid in seen if pid not in group]
    if strangers:
        raise CircleError(f"not in the group: {', '.join(strangers)}")
    left_out = [pid for pid in group if pid not in seen]
    if left_out:
        raise CircleError(f"in no circle: {', '.join(left_out)}")
    if any(not MIN_CIRCLE <= len(c) <= MAX_CIRCLE for c in circles):
        raise CircleError(f"a circle holds {MIN_CIRCLE} to {MAX_CIRCLE} people")
