"""Splitting a group into circles (server/rooms/circles.py): sizes within 3-5 and as even as
can be, the people in the room and the people online kept together where the numbers
allow, and a split by hand checked against the same rules."""

from __future__ import annotations

import random

import pytest

from server.rooms.circles import CircleError, check_split, circle_count, split_evenly


def people(online: int, room: int, unknown: int = 0) -> list[tuple[str, str | None]]:
    places = ["online"] * online + ["room"] * room + [None] * unknown
    return [(f"p{i + 2}", place) for i, place in enumerate(places)]


@pytest.mark.parametrize(
    ("n", "size", "sizes"),
    [(9, 3, [3, 3, 3]), (10, 3, [4, 3, 3]), (7, 5, [4, 3]), (4, 3, [4]), (12, 4, [4, 4, 4]), (11, 5, [4, 4, 3])],
)
def test_circles_are_as_even_as_they_can_be(n: int, size: int, sizes: list[int]) -> None:
    circles = split_evenly(people(n, 0), size, random.Random(1))
    assert [len(c) for c in circles] == sizes
    assert sorted(pid for c in circles for pid in c) == sorted(pid for pid, _ in people(n, 0))


def test_troika_nine_makes_three_circles_of_three_with_places_kept_together() -> None:
    group = people(online=3, room=6)
    place = dict(group)
    for seed in range(20):
        circles = split_evenly(group, 3, random.Random(seed))
        assert [len(c) for c in circles] == [3, 3, 3]
        assert all(len({place[pid] for pid in c}) == 1 for c in circles), circles  # nobody across table and call


def test_a_mixed_circle_only_where_the_numbers_force_one() -> None:
    group = people(online=4, room=5)  # circles of 3: one of them must mix
    place = dict(group)
    mixed = [c for c in split_evenly(group, 3, random.Random(7)) if len({place[pid] for pid in c}) > 1]
    assert len(mixed) == 1


def test_the_split_is_random_but_follows_the_seed() -> None:
    group = people(online=0, room=9)
    assert split_evenly(group, 3, random.Random(3)) == split_evenly(group, 3, random.Random(3))
    assert len({str(split_evenly(group, 3, random.Random(s))) for s in range(10)}) > 1


def test_what_cannot_be_split() -> None:
    with pytest.raises(CircleError, match="at least 3"):
        circle_count(2, 3)
    with pytest.raises(CircleError, match="3 to 5"):
        circle_count(9, 6)
    group = ["p2", "p3", "p4", "p5", "p6", "p7"]
    check_split([["p2", "p3", "p4"], ["p5", "p6", "p7"]], group)
    for circles, why in [
        ([["p2", "p3", "p4"], ["p4", "p5", "p6", "p7"]], "two circles"),
        ([["p2", "p3", "p4"], ["p5", "p6"]], "in no circle: p7"),
        ([["p2", "p3", "p4"], ["p5", "p6", "p7", "p9"]], "not in the group: p9"),
        ([["p2", "p3"], ["p4", "p5", "p6", "p7"]], "3 to 5"),
    ]:
        with pytest.raises(CircleError, match=why):
            check_split(circles, group)
