"""MBT writes lock rows in one order (a meeting, then its cases, then what belongs to a case), so
two of them at once never deadlock. Each test runs two services in two threads, each with its
own database connection, and makes them meet: a third transaction holds the case while both
start, so both are under way and waiting when it lets go."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from journal.models import EntryType, JournalEntry
from mbt import services
from mbt.models import CaseReferral, Meeting
from tests.factories import register_patient

pytestmark = pytest.mark.django_db(transaction=True)


class Concurrent:
    """Runs a call in a thread of its own (its own connection) and tells when it waits on a lock
    held by another transaction."""

    def __init__(self, call):
        self.call = call
        self.pid = None
        self.started = threading.Event()
        self.result = self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute("select pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.started.set()
            self.result = self.call()
        except Exception as error:  # noqa: BLE001 - reported by the test's assertions
            self.error = error
        finally:
            self.started.set()
            connection.close()

    def wait_until_blocked(self, timeout: float = 15.0) -> None:
        assert self.started.wait(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.thread.is_alive():
                return  # finished (or failed) without waiting: the assertions say which
            with connection.cursor() as cursor:
                cursor.execute("select cardinality(pg_blocking_pids(%s)) > 0", [self.pid])
                if cursor.fetchone()[0]:
                    return
            time.sleep(0.01)
        raise AssertionError("the call neither waited on a lock nor finished")

    def join(self):
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "still running: a lock that is never released"
        return self


@pytest.fixture
def held(team, actor, unit):
    """A meeting under way, a later one, and a case on the first with a first autosave."""
    now = timezone.localtime()
    meeting = Meeting.objects.create(
        team=team,
        starts_at=now - datetime.timedelta(minutes=30),
        length_minutes=60,
        chair=actor.user,
    )
    Meeting.objects.create(team=team, starts_at=now + datetime.timedelta(days=14), chair=actor.user)
    case = CaseReferral.objects.create(
        unit=unit,
        meeting=meeting,
        patient=register_patient(unit, actor.user),
        registrant=actor.user,
        question="Fråga?",
        position=1,
    )
    services.discussion_save(
        actor=actor, case=case, summary="Första", outcomes=["fysioterapeut"], version=0
    )
    return meeting, case


def case_first_services(actor, case):
    """The services that start from a case but also need its meeting open."""
    return {
        "discussion_save": lambda: services.discussion_save(
            actor=actor,
            case=case,
            summary="Sparat medan mötet avslutades",
            outcomes=["fysioterapeut"],
            version=1,
        ),
        "action_item_add": lambda: services.action_item_add(
            actor=actor,
            case=case,
            what="Ring arbetsgivaren",
            owner=actor.user,
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        ),
        "case_postpone": lambda: services.case_postpone(
            actor=actor, case=case, reason="Tiden räckte inte"
        ),
    }


@pytest.mark.parametrize("service", ["discussion_save", "action_item_add", "case_postpone"])
def test_a_case_write_and_closing_the_meeting_at_once_both_finish(held, actor, service):
    meeting, case = held
    write = case_first_services(actor, case)[service]
    with transaction.atomic():
        # Someone else's write to the case is under way: both calls start and wait behind it.
        CaseReferral.objects.select_for_update().get(pk=case.pk)
        writing = Concurrent(write)
        writing.wait_until_blocked()
        closing = Concurrent(lambda: services.meeting_close(actor=actor, meeting=meeting))
        closing.wait_until_blocked()
    writing.join()
    closing.join()
    assert writing.error is None, writing.error
    assert closing.error is None, closing.error
    meeting.refresh_from_db()
    assert meeting.is_closed
    # The write came first (it was first in line), and the minutes include it.
    case.refresh_from_db()
    if service == "case_postpone":
        assert case.meeting != meeting
        assert not JournalEntry.objects.filter(entry_type=EntryType.MBT_KONFERENS).exists()
    else:
        entry = JournalEntry.objects.get(entry_type=EntryType.MBT_KONFERENS)
        expected = "Sparat medan mötet avslutades" if service == "discussion_save" else "Ring"
        assert expected in entry.text


def test_two_planners_reordering_the_agenda_at_once_both_finish(meeting, actor, unit):
    """Each move rewrites the positions of every case of the meeting. A third case, held by
    someone else, lies between the two that move, so both moves are under way when it is let go."""
    first, held_case, last = (
        CaseReferral.objects.create(
            unit=unit,
            meeting=meeting,
            patient=register_patient(unit, actor.user),
            registrant=actor.user,
            question="Fråga?",
            position=position,
        )
        for position in (1, 2, 3)
    )
    with transaction.atomic():
        CaseReferral.objects.select_for_update().get(pk=held_case.pk)
        down = Concurrent(lambda: services.case_move(actor=actor, case=first, direction=1))
        down.wait_until_blocked()
        up = Concurrent(lambda: services.case_move(actor=actor, case=last, direction=-1))
        up.wait_until_blocked()
    down.join()
    up.join()
    assert down.error is None, down.error
    assert up.error is None, up.error
    order = list(CaseReferral.objects.filter(meeting=meeting).order_by("position"))
    assert [c.position for c in order] == [1, 2, 3]
    assert order == [held_case, last, first]
