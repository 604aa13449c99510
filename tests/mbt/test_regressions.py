"""Found in review: each test is a way the app once went wrong."""

from __future__ import annotations

import contextlib
import datetime
import random
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.services import assignment_end
from consent.uploads import check_upload
from mbt import calendar, reminders, selectors, services
from mbt.models import CaseReferral, MbtRole, Meeting, MeetingSeries
from tests.consent.helpers import pdf_bytes, upload
from tests.factories import AssignmentFactory, CareUnitFactory, register_patient, staff_at

pytestmark = pytest.mark.django_db


def test_a_member_whose_assignment_ended_takes_no_part(actor, team, meeting, unit):
    locum = staff_at(unit, first_name="Vikarie")
    member = services.member_add_internal(actor=actor, user=locum, role=MbtRole.SJUKSKOTERSKA)
    locum.email = "vikarie@vc.invalid"
    locum.save()
    assert member in selectors.active_members(team)
    assignment_end(
        assignment=locum.assignments.get(),
        last_day=timezone.localdate() - datetime.timedelta(days=1),
    )
    AssignmentFactory(user=locum, unit=CareUnitFactory())  # now works for another provider
    assert member not in selectors.active_members(team)
    assert calendar.meetings_for(locum) == []
    assert "vikarie@vc.invalid" not in [u.email for u in reminders._recipients(meeting)]


def test_any_broken_pdf_is_a_message_not_a_500():
    rng = random.Random(1)  # noqa: S311 - reproducible fuzzing, not security
    original = bytearray(pdf_bytes())
    for _ in range(300):
        mutated = bytearray(original)
        for _ in range(8):
            mutated[rng.randrange(10, len(mutated))] = rng.randrange(256)
        with contextlib.suppress(ValidationError):
            check_upload(upload(bytes(mutated)))


def test_a_double_clicked_series_creates_its_meetings_once(actor, team):
    key = uuid.uuid4()
    first = timezone.localdate() + datetime.timedelta(days=7)
    args = {
        "first_date": first,
        "until": first + datetime.timedelta(weeks=4),
        "start_time": datetime.time(13, 0),
        "length_minutes": 60,
        "interval_weeks": 2,
        "submission_key": key,
    }
    services.series_create(actor=actor, **args)
    services.series_create(actor=actor, **args)
    assert MeetingSeries.objects.count() == 1 and Meeting.objects.count() == 3
    # A second series at the same times does not double the meetings either.
    services.series_create(actor=actor, **{**args, "submission_key": uuid.uuid4()})
    assert Meeting.objects.count() == 3


def test_the_same_external_member_twice_is_a_message(actor, fk):
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    with pytest.raises(ValidationError, match="finns redan"):
        services.member_add_external(
            actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
        )


def test_far_future_dates_are_refused(actor, team, meeting):
    far = datetime.date(9999, 12, 20)
    with pytest.raises(ValidationError, match="två år"):
        services.series_create(
            actor=actor,
            first_date=far,
            until=datetime.date(9999, 12, 31),
            start_time=datetime.time(13, 0),
            length_minutes=60,
            interval_weeks=1,
        )
    with pytest.raises(ValidationError, match="två år"):
        services.meeting_move(
            actor=actor,
            meeting=meeting,
            reason="x",
            version=meeting.version,
            starts_at=timezone.now() + datetime.timedelta(days=800),
        )


def test_moving_a_withdrawn_case_from_a_stale_page_does_nothing(
    coordinator_client, actor, meeting, unit
):
    case = services.case_register(
        actor=actor, patient=register_patient(unit, actor.user), meeting=meeting, question="X"
    )
    services.case_withdraw(actor=actor, case=case, reason="Fel")
    assert coordinator_client.post(f"/mbt/arenden/{case.pk}/flytta/upp/").status_code == 302


def test_resending_a_registration_form_after_withdrawal_is_not_a_500(
    coordinator_client, actor, meeting, unit
):
    patient = register_patient(unit, actor.user)
    key = str(uuid.uuid4())
    data = {
        "patient": patient.pk,
        "meeting": meeting.pk,
        "question": "X",
        "late_choice": "next",
        "submission_key": key,
    }
    first = coordinator_client.post("/mbt/anmal/", data)
    services.case_withdraw(actor=actor, case=CaseReferral.objects.get(), reason="Fel")
    again = coordinator_client.post("/mbt/anmal/", data, follow=True)
    assert first.status_code == 302 and again.status_code == 200


def test_consents_dated_far_back_are_refused(actor, unit):
    from consent import services as consent_services

    patient = register_patient(unit, actor.user)
    with pytest.raises(ValidationError, match="orimligt långt bakåt"):
        consent_services.consent_give(
            actor=actor,
            patient=patient,
            scope="mbt",
            form="muntligt",
            given_on=datetime.date(205, 3, 1),
        )
