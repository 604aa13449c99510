"""The calendar sweep: the demo built around days that have broken date logic before (each day
of the week of jul, nyår in ISO week 53, påsk, midsommar, both DST changes, a leap day), then
the reminder job run three times a day for the next weeks. The demo must show every state on
each of them, and each meeting must get exactly one deadline reminder, on the last working day
before its deadline, and one agenda-ready reminder, on its deadline's day."""

from __future__ import annotations

import collections
import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from journal.workdays import add_working_days, is_working_day
from mbt import reminders
from mbt.models import Meeting, MeetingReminder, ReminderMail
from mbt.schedule import at_local
from mbt.services import deadline_of
from tests.demo_states import assert_every_state

pytestmark = pytest.mark.django_db

D = datetime.date
DAYS = [
    # Each day of the week of jul 2026: lillajulafton, julafton and juldagen among them.
    *(D(2026, 12, 21) + datetime.timedelta(days=n) for n in range(7)),
    # Nyårsafton in ISO week 53 of 2026, and nyårsdagen.
    D(2026, 12, 31),
    D(2027, 1, 1),
    # Påsk 2027: skärtorsdag, långfredag, påskdagen (also the start of summer time), annandag.
    D(2027, 3, 25),
    D(2027, 3, 26),
    D(2027, 3, 28),
    D(2027, 3, 29),
    # Midsommar 2027: the day before midsommarafton, and midsommarafton.
    D(2027, 6, 24),
    D(2027, 6, 25),
    # The end of summer time, and a leap day.
    D(2026, 10, 25),
    D(2028, 2, 29),
]
RUNS_AT = (datetime.time(7, 5), datetime.time(12, 30), datetime.time(19, 0))
WINDOW_DAYS = 17


@pytest.fixture
def one_scan(monkeypatch):
    """The demo's scanned consent forms are WeasyPrint renders (a quarter of a seed's time) and
    have no dates to get wrong: here one render serves them all. test_seed_demo renders each."""
    from consent import demo

    rendered = {}
    real_scan = demo._scan

    def scan(*args):
        if "pdf" not in rendered:
            rendered["pdf"] = real_scan(*args)
        return rendered["pdf"]

    monkeypatch.setattr(demo, "_scan", scan)


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_demo_and_reminders_on(day, settings, one_scan):
    settings.DEBUG = False
    seeded_at = at_local(day, datetime.time(10, 0))
    with time_machine.travel(seeded_at, tick=False):
        call_command("seed_demo", "--force", "--today", day.isoformat(), stdout=io.StringIO())
        assert_every_state(day)

    mail.outbox.clear()
    moments = [seeded_at] + [
        at_local(day + datetime.timedelta(days=n), time)
        for n in range(WINDOW_DAYS)
        for time in RUNS_AT
        if at_local(day + datetime.timedelta(days=n), time) > seeded_at
    ]
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            reminders.run()
    end = moments[-1]

    # Every mail issued was sent, to one address; each meeting reminder reached each address once.
    assert not ReminderMail.objects.filter(sent_at__isnull=True, expires_at__gt=end).exists()
    assert all(len(m.to) == 1 for m in mail.outbox)
    sent = collections.Counter((m.to[0], m.subject) for m in mail.outbox if "MBT 2" in m.subject)
    assert sent and max(sent.values()) == 1
    # No reminder is issued outside a working day's hours. (A mail about moved cases is issued
    # when a meeting is closed or cancelled, which the demo's history does on any day.)
    for issued in ReminderMail.objects.exclude(kind=ReminderMail.Kind.CASES_MOVED):
        assert reminders.in_working_hours(issued.created_at), (day, issued.created_at)

    for meeting in Meeting.objects.exclude(status=Meeting.Status.CANCELLED):
        deadline = deadline_of(meeting)
        if not seeded_at < deadline <= end:
            continue
        kinds = collections.Counter(
            MeetingReminder.objects.filter(meeting=meeting).values_list("kind", flat=True)
        )
        assert kinds[MeetingReminder.Kind.DEADLINE] == 1, (day, meeting.starts_at)
        deadline_mails = ReminderMail.objects.filter(meeting=meeting, kind="deadline")
        assert deadline_mails.exists()
        expected_day = add_working_days(timezone.localdate(deadline), -1)
        for reminder in deadline_mails:
            assert timezone.localdate(reminder.sent_at) == expected_day, (day, meeting.starts_at)
        if deadline < end - datetime.timedelta(days=1):
            assert kinds[MeetingReminder.Kind.AGENDA_READY] == 1, (day, meeting.starts_at)
            for reminder in ReminderMail.objects.filter(meeting=meeting, kind="agenda"):
                assert deadline <= reminder.sent_at
                assert timezone.localdate(reminder.sent_at) == timezone.localdate(deadline)

    # The demo's overdue feedback is reminded on working days only, a week apart at least.
    overdue = list(
        ReminderMail.objects.filter(kind="aterkoppling").order_by("recipient", "created_at")
    )
    assert overdue, day
    for earlier, later in zip(overdue, overdue[1:], strict=False):
        if earlier.recipient_id == later.recipient_id:
            assert later.occasion - earlier.occasion >= datetime.timedelta(days=7)
    assert all(is_working_day(m.occasion) for m in overdue)
