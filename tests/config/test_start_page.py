"""The start page per role: my cases, the next meeting's deadline, my tasks and action items,
and for the coordinator the unit's overdue feedback."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Profession
from journal.models import AccessLog
from mbt import services
from mbt.models import CaseReferral, FeedbackTask, Meeting
from mbt.schedule import at_local
from tests.factories import actor_for, register_patient, staff_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(unit):
    coordinator = staff_at(unit, first_name="Kerstin", profession=Profession.REHABKOORDINATOR)
    doctor = staff_at(unit, first_name="Erik", profession=Profession.LAKARE)
    team = services.team_for(unit)
    day = timezone.localdate() + datetime.timedelta(days=21)
    meeting = Meeting.objects.create(
        team=team, starts_at=at_local(day, datetime.time(13, 0)), chair=coordinator
    )
    past = Meeting.objects.create(
        team=team,
        starts_at=timezone.now() - datetime.timedelta(days=14),
        chair=coordinator,
        status=Meeting.Status.CLOSED,
        closed_at=timezone.now() - datetime.timedelta(days=14),
    )
    return coordinator, doctor, meeting, past


def add_overdue_task(unit, doctor, past, name="Försenad"):
    patient = register_patient(unit, doctor, first_name=name)
    case = CaseReferral.objects.create(
        unit=unit,
        meeting=past,
        patient=patient,
        registrant=doctor,
        question="X",
        state="diskuterat",
    )
    from journal import services as journal_services

    entry = journal_services.journal_entry_create(
        actor=actor_for(doctor, unit),
        patient=patient,
        entry_type="mbt_konferens",
        text="Utkast",
        sign=False,
    )
    return FeedbackTask.objects.create(
        case=case,
        owner=doctor,
        due_on=timezone.localdate() - datetime.timedelta(days=2),
        conference_entry=entry,
    )


def test_clinician_sees_own_cases_deadline_and_tasks(client, unit, setting):
    coordinator, doctor, meeting, past = setting
    services.case_register(
        actor=actor_for(doctor, unit),
        patient=register_patient(unit, doctor, first_name="Anmäld"),
        meeting=meeting,
        question="Fråga",
    )
    add_overdue_task(unit, doctor, past)
    client.force_login(doctor)
    content = client.get("/").content.decode()
    assert "Anmäld" in content and "Anmäl senast" in content and "dagar" in content
    assert "Återkoppla till Försenad" in content and "försenad sedan" in content
    assert "Enhetens försenade återkopplingar" not in content
    assert AccessLog.objects.filter(user=doctor, what="mina uppgifter").exists()


def test_coordinator_sees_the_units_overdue_feedback(client, unit, setting):
    coordinator, doctor, meeting, past = setting
    add_overdue_task(unit, doctor, past, name="Väntande")
    client.force_login(coordinator)
    content = client.get("/").content.decode()
    assert "Enhetens försenade återkopplingar" in content and "Väntande" in content


def test_start_page_query_count_is_flat(client, unit, setting):
    coordinator, doctor, meeting, past = setting
    client.force_login(coordinator)
    client.get("/")

    def count(n):
        for i in range(n):
            add_overdue_task(unit, coordinator, past, name=f"P{i}")
            services.case_register(
                actor=actor_for(coordinator, unit),
                patient=register_patient(unit, coordinator),
                meeting=meeting,
                question="Fråga",
            )
        with CaptureQueriesContext(connection) as ctx:
            client.get("/")
        return len(ctx)

    small = count(1)
    assert count(12) == small
