"""Deadlines around Swedish holidays and daylight saving, and series across ISO week 53."""

from __future__ import annotations

import datetime

import pytest

from mbt.schedule import (
    at_local,
    holiday_of,
    registration_deadline,
    series_dates,
    suggested_day,
)

D = datetime.date
NOON = datetime.time(12, 0)


def deadline(day: datetime.date, days: int = 3) -> datetime.datetime:
    return registration_deadline(at_local(day, datetime.time(13, 0)), working_days=days, time=NOON)


@pytest.mark.parametrize(
    ("meeting", "expected", "why"),
    [
        (D(2026, 11, 26), D(2026, 11, 23), "an ordinary Thursday: Monday"),
        (
            D(2026, 6, 23),
            D(2026, 6, 17),
            "after midsommar: 22, (20-21 weekend, 19 midsommarafton), 18, 17",
        ),
        (D(2026, 12, 29), D(2026, 12, 22), "after jul: 28, (24-27 off), 23, 22"),
        (D(2026, 4, 8), D(2026, 4, 1), "after påsk: 7, (6 annandag, 3-5 off), 2, 1"),
        (D(2027, 1, 5), D(2026, 12, 29), "after nyår: 4, (1 nyårsdagen, 31 nyårsafton), 30, 29"),
    ],
)
def test_deadline_counts_working_days_around_holidays(meeting, expected, why):
    result = deadline(meeting)
    assert result.date() == expected, why
    assert result.hour == 12 and result.minute == 0


def test_deadline_across_daylight_saving_keeps_the_local_time():
    # Summer time begins 2026-03-29; a meeting on Wednesday 1 April, deadline Friday 27 March.
    before = deadline(D(2026, 4, 1))
    assert before.date() == D(2026, 3, 27)
    assert before.utcoffset() == datetime.timedelta(hours=1)
    # Winter time begins 2026-10-25; a meeting on Tuesday 27 October, deadline Thursday 22 October.
    after = deadline(D(2026, 10, 27))
    assert after.date() == D(2026, 10, 22)
    assert after.utcoffset() == datetime.timedelta(hours=2)
    meeting = at_local(D(2026, 10, 27), datetime.time(13, 0))
    assert meeting.utcoffset() == datetime.timedelta(hours=1)
    assert (after.hour, meeting.hour) == (12, 13)


def test_every_other_week_across_iso_week_53():
    dates = series_dates(D(2026, 12, 17), D(2027, 2, 28), interval_weeks=2)
    assert dates[:4] == [D(2026, 12, 17), D(2026, 12, 31), D(2027, 1, 14), D(2027, 1, 28)]
    # 2026-12-31 is in ISO week 53; odd/even week numbering would have broken the rhythm here.
    assert D(2026, 12, 31).isocalendar().week == 53
    assert all((b - a).days == 14 for a, b in zip(dates, dates[1:], strict=False))


def test_weekly_series_and_bounds():
    assert series_dates(D(2026, 1, 7), D(2026, 1, 28), 1) == [
        D(2026, 1, 7),
        D(2026, 1, 14),
        D(2026, 1, 21),
        D(2026, 1, 28),
    ]
    assert series_dates(D(2026, 1, 7), D(2026, 1, 6), 1) == []


def test_holiday_flag_and_suggestion():
    assert holiday_of(at_local(D(2026, 12, 24), NOON)) == "Julafton"
    assert holiday_of(at_local(D(2026, 6, 19), NOON)) == "Midsommarafton"
    assert holiday_of(at_local(D(2026, 11, 26), NOON)) is None
    assert suggested_day(at_local(D(2026, 12, 24), NOON)) == D(2026, 12, 28)
    assert suggested_day(at_local(D(2026, 4, 3), NOON)) == D(2026, 4, 7)  # långfredag → tisdag
