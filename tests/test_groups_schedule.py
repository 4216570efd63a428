"""Series templates, pure: dates, cycles, and what a series may not be."""

from __future__ import annotations

from datetime import date, time

import pytest

from server.groups import schedule
from server.rooms import method

TUESDAY = 1


def test_the_first_meeting_is_the_first_weekday_on_or_after_the_start():
    assert schedule.series_dates(date(2027, 1, 5), TUESDAY, 6, 2, None) == [date(2027, 1, 5), date(2027, 2, 16)]
    assert schedule.series_dates(date(2027, 1, 6), TUESDAY, 1, 1, None) == [date(2027, 1, 12)]


def test_until_includes_its_own_day():
    dates = schedule.series_dates(date(2027, 1, 1), TUESDAY, 2, None, date(2027, 2, 2))
    assert dates == [date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2)]


def test_a_year_every_six_weeks_crosses_the_year_and_daylight_saving():
    dates = schedule.series_dates(date(2027, 1, 1), TUESDAY, 6, None, date(2027, 12, 31))
    assert len(dates) == 9 and all(d.weekday() == TUESDAY for d in dates)
    assert {(b - a).days for a, b in zip(dates, dates[1:], strict=False)} == {42}


@pytest.mark.parametrize(
    "every, count, until, detail",
    [
        (6, None, None, "either 'count' or 'until'"),
        (6, 3, date(2027, 6, 1), "either 'count' or 'until'"),
        (0, 3, None, "'every_weeks' must be 1-26"),
        (27, 3, None, "'every_weeks' must be 1-26"),
        (1, 0, None, "'count' must be 1-60"),
        (1, 61, None, "'count' must be 1-60"),
        (1, None, date(2026, 12, 31), "before the first meeting"),
        (1, None, date(2029, 1, 1), "a series adds at most 60"),
    ],
)
def test_series_that_cannot_be(every, count, until, detail):
    with pytest.raises(schedule.ScheduleError, match=detail):
        schedule.series_dates(date(2027, 1, 1), TUESDAY, every, count, until)


def test_every_cycle_names_shipped_methods_and_both_languages():
    cycles = schedule.cycles()
    assert "draagvlakmodel" in cycles
    for cycle in cycles.values():
        assert set(cycle.name) == {"nl", "en"}
        assert schedule.MIN_MINUTES <= cycle.minutes <= schedule.MAX_MINUTES
        for meeting in cycle.meetings:
            assert set(meeting.theme) == {"nl", "en"} and meeting.method in method.available()
    draagvlak = cycles["draagvlakmodel"]
    assert len(draagvlak.meetings) == 5
    assert len({m.method for m in draagvlak.meetings}) == 5  # the werkvorm varies
    assert [t for t in ("HET", "IK", "WIJ") if any(t in m.theme["nl"] for m in draagvlak.meetings)] == [
        "HET",
        "IK",
        "WIJ",
    ]


def test_a_plan_takes_the_cycle_in_order():
    dates = schedule.series_dates(date(2027, 1, 1), TUESDAY, 5, 5, None)
    planned = schedule.plan(dates, time(16), None, None, None, "draagvlakmodel", "en")
    cycle = schedule.cycles()["draagvlakmodel"]
    assert [p.method for p in planned] == [m.method for m in cycle.meetings]
    assert [p.theme for p in planned] == [m.theme["en"] for m in cycle.meetings]
    assert {p.minutes for p in planned} == {cycle.minutes}
    plain = schedule.plan(dates, time(9, 30), 90, None, "Terugblik", None, "nl")
    assert {(p.start, p.minutes, p.method, p.theme) for p in plain} == {(time(9, 30), 90, "drie-rondes", "Terugblik")}
    with pytest.raises(schedule.ScheduleError, match="the cycle has 5 meetings"):
        schedule.plan(dates[:4], time(16), None, None, None, "draagvlakmodel", "nl")
