"""The sjukfall rule (ARCHITECTURE.md): periods whose gap is at most 5 days are one sjukfall;
day N counts calendar days from the first day; milestones at day 90, 180 and 365."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from coordination.sjukfall import current_sjukfall, gap_days, sjukfall_of


@dataclass
class P:
    start_date: datetime.date
    end_date: datetime.date
    extent: int = 100


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def test_gap_counts_the_days_in_between():
    assert gap_days(d("2026-01-10"), d("2026-01-11")) == 0
    assert gap_days(d("2026-01-10"), d("2026-01-16")) == 5
    assert gap_days(d("2026-01-10"), d("2026-01-08")) == -3


@pytest.mark.parametrize(
    ("second_start", "sjukfall"),
    [
        ("2026-01-11", 1),  # the next day
        ("2026-01-16", 1),  # a gap of 5 days: one sjukfall
        ("2026-01-17", 2),  # a gap of 6 days: a new sjukfall
        ("2026-01-05", 1),  # overlapping
    ],
)
def test_gap_of_five_joins_and_six_splits(second_start, sjukfall):
    periods = [P(d("2026-01-01"), d("2026-01-10")), P(d(second_start), d("2026-02-28"))]
    assert len(sjukfall_of(periods)) == sjukfall


def test_joined_sjukfall_spans_all_its_periods_in_any_order():
    periods = [
        P(d("2026-03-01"), d("2026-03-31"), 50),
        P(d("2026-01-01"), d("2026-01-31")),
        P(d("2026-02-03"), d("2026-02-26"), 75),
        P(d("2026-06-01"), d("2026-06-30")),
    ]
    first, second = sjukfall_of(periods)
    assert (first.start, first.end, len(first.periods)) == (d("2026-01-01"), d("2026-03-31"), 3)
    assert (second.start, second.end) == (d("2026-06-01"), d("2026-06-30"))


def test_day_numbers_and_milestones():
    (case,) = sjukfall_of([P(d("2026-01-01"), d("2027-03-01"))])
    assert case.day_on(d("2026-01-01")) == 1
    assert case.day_on(d("2026-03-31")) == 90
    assert case.milestone_date(90) == d("2026-03-31")
    assert case.milestone_date(180) == d("2026-06-29")
    assert case.milestone_date(365) == d("2026-12-31")
    assert case.next_milestone(d("2026-03-31")) == (90, d("2026-03-31"))
    assert case.next_milestone(d("2026-04-01")) == (180, d("2026-06-29"))
    assert case.next_milestone(d("2027-01-01")) is None
    assert case.passed_milestones(d("2026-07-01")) == [90, 180]
    assert case.days_on(d("2026-02-01")) == 32


def test_day_numbers_count_across_a_leap_day_and_gaps():
    (case,) = sjukfall_of(
        [P(d("2028-02-01"), d("2028-02-20")), P(d("2028-02-25"), d("2028-06-01"))]
    )
    assert case.day_on(d("2028-03-01")) == 30  # 29 days of February 2028, then day 30
    assert case.milestone_date(90) == d("2028-04-30")


def test_extent_follows_the_period_of_the_day():
    periods = [
        P(d("2026-01-01"), d("2026-01-31"), 100),
        P(d("2026-02-01"), d("2026-02-28"), 50),
    ]
    (case,) = sjukfall_of(periods)
    assert case.extent_on(d("2026-01-15")) == 100
    assert case.extent_on(d("2026-02-15")) == 50
    assert case.extent_on(d("2026-03-15")) == 50  # after the end: the last period's


def test_current_sjukfall_is_the_ongoing_one_else_the_latest():
    periods = [P(d("2026-01-01"), d("2026-01-31")), P(d("2026-05-01"), d("2026-05-31"))]
    assert current_sjukfall(periods, d("2026-05-10")).start == d("2026-05-01")
    assert current_sjukfall(periods, d("2026-01-10")).start == d("2026-01-01")
    ended = current_sjukfall(periods, d("2026-07-01"))
    assert ended.start == d("2026-05-01") and not ended.is_ongoing(d("2026-07-01"))
    assert current_sjukfall([], d("2026-07-01")) is None
