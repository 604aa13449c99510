"""Sjukfall: the sick-leave periods of one patient at one unit, joined when the gap between one
period's end and the next one's start (the days in between, exclusive) is at most 5 days.
Day N of a sjukfall counts calendar days from its first day (day 1). The rehabilitation
chain's milestones are day 90, 180 and 365.

Pure functions over anything with start_date, end_date and extent (and optionally occupation),
so every page and the statistics count the same way, and the rule is tested over a table.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_GAP_DAYS = 5
MILESTONES = (90, 180, 365)


def gap_days(earlier_end: datetime.date, later_start: datetime.date) -> int:
    """Days strictly between two periods (negative when they overlap)."""
    return (later_start - earlier_end).days - 1


@dataclass
class Sjukfall:
    start: datetime.date
    end: datetime.date
    periods: list = field(default_factory=list)

    def day_on(self, day: datetime.date) -> int:
        """Day N of the sjukfall on `day` (day 1 is its first day)."""
        return (day - self.start).days + 1

    def days_on(self, today: datetime.date) -> int:
        """How long the sjukfall has lasted: to today while it goes on, else its length."""
        return self.day_on(min(today, self.end))

    @property
    def length(self) -> int:
        return self.day_on(self.end)

    def milestone_date(self, day_number: int) -> datetime.date:
        return self.start + datetime.timedelta(days=day_number - 1)

    def milestones(self) -> list[tuple[int, datetime.date]]:
        return [(n, self.milestone_date(n)) for n in MILESTONES]

    def next_milestone(self, today: datetime.date) -> tuple[int, datetime.date] | None:
        """The first milestone on or after today, while the sjukfall goes on."""
        if not self.is_ongoing(today):
            return None
        for number, day in self.milestones():
            if day >= today:
                return number, day
        return None

    def passed_milestones(self, today: datetime.date) -> list[int]:
        last = min(today, self.end)
        return [n for n, day in self.milestones() if day <= last]

    def is_ongoing(self, today: datetime.date) -> bool:
        """Going on today, or planned to start later."""
        return today <= self.end

    def period_on(self, day: datetime.date):
        """The period covering the day (the latest started, if several), else None."""
        covering = [p for p in self.periods if p.start_date <= day <= p.end_date]
        return max(covering, key=lambda p: p.start_date) if covering else None

    def extent_on(self, day: datetime.date) -> int | None:
        """The extent (25/50/75/100) on the day; in a gap or after the end, the last period's."""
        period = self.period_on(day)
        if period is None:
            started = [p for p in self.periods if p.start_date <= day] or self.periods
            period = max(started, key=lambda p: (p.end_date, p.start_date))
        return period.extent

    @property
    def last_period(self):
        return max(self.periods, key=lambda p: (p.end_date, p.start_date))


def sjukfall_of(periods: Iterable) -> list[Sjukfall]:
    """The periods joined into sjukfall, oldest first."""
    result: list[Sjukfall] = []
    for period in sorted(periods, key=lambda p: (p.start_date, p.end_date)):
        current = result[-1] if result else None
        if current is not None and gap_days(current.end, period.start_date) <= MAX_GAP_DAYS:
            current.end = max(current.end, period.end_date)
            current.periods.append(period)
        else:
            result.append(Sjukfall(period.start_date, period.end_date, [period]))
    return result


def current_sjukfall(periods: Iterable, today: datetime.date) -> Sjukfall | None:
    """The sjukfall going on today (or starting later), else the latest one, else None."""
    every = sjukfall_of(periods)
    for sjukfall in every:
        if sjukfall.is_ongoing(today):
            return sjukfall
    return every[-1] if every else None
