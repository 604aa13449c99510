"""The project's one clock. Services, selectors, scheduled jobs and the demo ask it for "now"
and "today" instead of calling `timezone.now()` or `date.today()` themselves, so that a block
of code can be run at another instant: the demo builds weeks of history that happened in the
past, and a job can be asked what it would do on a given day.

    with clock.fixed_at(moment):
        ...  # clock.now() is `moment` here, in this thread or task only

Tests move time for the whole process with time-machine instead; `now()` follows it, because
outside a `fixed_at` block it is `timezone.now()`."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_fixed: ContextVar[datetime.datetime | None] = ContextVar("clock_fixed", default=None)


def now() -> datetime.datetime:
    """The current instant (aware, UTC)."""
    fixed = _fixed.get()
    return fixed if fixed is not None else timezone.now()


def today() -> datetime.date:
    """Today's date in Swedish time (TIME_ZONE), not UTC: just after midnight in Sweden it is
    still yesterday in UTC."""
    return timezone.localdate(now())


def localtime() -> datetime.datetime:
    """Now in Swedish time, for wall-clock comparisons (office hours, deadlines)."""
    return timezone.localtime(now())


def is_fixed() -> bool:
    return _fixed.get() is not None


@contextmanager
def fixed_at(moment: datetime.datetime) -> Iterator[datetime.datetime]:
    """Runs the block with `now()` standing still at `moment` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("fixed_at needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield moment
    finally:
        _fixed.reset(token)
