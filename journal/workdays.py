"""Working days as Swedish health care counts them: Monday to Friday, except public holidays
and julafton, midsommarafton and nyårsafton. Used for office hours in log review and, by the
apps above, for deadlines."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def non_working_days(year: int) -> dict[datetime.date, str]:
    days = dict(holidays.SE(years=year, include_sundays=False))
    days[datetime.date(year, 12, 24)] = "Julafton"
    days[datetime.date(year, 12, 31)] = "Nyårsafton"
    for day, name in list(days.items()):
        if name == "Midsommardagen":
            days[day - datetime.timedelta(days=1)] = "Midsommarafton"
    return days


def holiday_name(day: datetime.date) -> str | None:
    return non_working_days(day.year).get(day)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in non_working_days(day.year)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The working day `count` working days after (or, negative, before) `day`."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    while remaining:
        day += datetime.timedelta(days=step)
        if is_working_day(day):
            remaining -= 1
    return day
