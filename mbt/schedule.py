"""Dates for MBT: meeting series, registration deadlines and holiday flags. Pure functions over
dates and times in Swedish local time."""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings

from journal.workdays import add_working_days, holiday_name, is_working_day


def local_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def at_local(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """The moment a local wall-clock time happens on a day (DST-safe: 12:00 is 12:00 in March
    and in November)."""
    return datetime.datetime.combine(day, time, tzinfo=local_tz())


def series_dates(
    first: datetime.date, until: datetime.date, interval_weeks: int
) -> list[datetime.date]:
    """Every interval_weeks * 7 days from the first date (not odd or even ISO weeks: 2026 has a
    week 53)."""
    step = datetime.timedelta(days=7 * interval_weeks)
    dates = []
    day = first
    while day <= until:
        dates.append(day)
        day += step
    return dates


def registration_deadline(
    meeting_start: datetime.datetime, *, working_days: int, time: datetime.time
) -> datetime.datetime:
    """N working days before the meeting's date, at the team's time of day."""
    meeting_day = meeting_start.astimezone(local_tz()).date()
    return at_local(add_working_days(meeting_day, -working_days), time)


def holiday_of(meeting_start: datetime.datetime) -> str | None:
    """The name of the holiday (or weekend) the meeting falls on, if any."""
    day = meeting_start.astimezone(local_tz()).date()
    name = holiday_name(day)
    if name:
        return name
    if day.weekday() >= 5:
        return "lördag" if day.weekday() == 5 else "söndag"
    return None


def suggested_day(meeting_start: datetime.datetime) -> datetime.date:
    """The next working day, for a meeting that falls on a holiday."""
    day = meeting_start.astimezone(local_tz()).date() + datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day
