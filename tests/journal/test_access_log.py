"""The PDL access log: append-only in the database, one row per patient, the review flags, and
denied rows that survive the failed request."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from journal.accesslog import Action, is_outside_office_hours, log_access, log_denied
from journal.models import AccessLog, LogReviewSettings
from tests.factories import actor_for, register_patient, staff_at

pytestmark = pytest.mark.django_db


def test_update_and_delete_are_refused_by_the_database(unit):
    patient = register_patient(unit)
    row = AccessLog.objects.get(patient=patient)
    row.what = "ändrat"
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        row.save()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(what="ändrat")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("DELETE FROM journal_accesslog")
    assert AccessLog.objects.get(pk=row.pk).what == "registrering av patient"


def test_one_row_per_patient_with_flags(unit, other_unit):
    user = staff_at(unit)
    mine = register_patient(unit, user, protected_identity=True)
    theirs = register_patient(other_unit)
    rows = log_access(actor_for(user, unit), [mine, theirs, mine], Action.READ, "lista")
    assert len(rows) == 2
    by_patient = {row.patient_id: row for row in rows}
    assert by_patient[mine.pk].protected_identity and by_patient[mine.pk].has_care_relation
    assert not by_patient[theirs.pk].has_care_relation
    assert all(row.purpose == "vård och behandling" and row.request_id == "test" for row in rows)


def test_office_hours_per_unit(unit):
    settings = LogReviewSettings(unit=unit)
    tz = timezone.get_current_timezone()
    tuesday = datetime.date(2026, 11, 24)
    at = lambda day, h, m=0: datetime.datetime.combine(day, datetime.time(h, m), tzinfo=tz)  # noqa: E731
    assert not is_outside_office_hours(at(tuesday, 7), settings)
    assert not is_outside_office_hours(at(tuesday, 17, 59), settings)
    assert is_outside_office_hours(at(tuesday, 18), settings)
    assert is_outside_office_hours(at(tuesday, 6, 59), settings)
    assert is_outside_office_hours(at(datetime.date(2026, 11, 28), 10), settings)  # Saturday
    assert is_outside_office_hours(at(datetime.date(2026, 12, 24), 10), settings)  # julafton
    settings.office_start = datetime.time(6, 0)
    assert not is_outside_office_hours(at(tuesday, 6, 30), settings)


def test_denied_must_not_run_inside_a_transaction(unit):
    user = staff_at(unit)
    with pytest.raises(RuntimeError), transaction.atomic():
        log_denied(actor_for(user, unit), 1, "patientöversikt")


def test_denied_for_unknown_or_garbage_ids(unit):
    actor = actor_for(staff_at(unit), unit)
    row = log_denied(actor, 999999, "patientöversikt")
    assert row.patient is None and "finns inte" in row.what
    row = log_denied(actor, "abc'; drop", "patientöversikt")
    assert row.patient is None and row.action == Action.DENIED


@pytest.mark.django_db(transaction=True)
def test_denied_row_survives_the_failed_request(client, unit, other_unit):
    patient = register_patient(other_unit)
    intruder = staff_at(unit)
    client.force_login(intruder)
    response = client.get(f"/patienter/{patient.pk}/")
    assert response.status_code == 404
    denied = AccessLog.objects.get(action=Action.DENIED)
    assert denied.user == intruder and denied.unit == unit and denied.patient == patient
    assert not denied.has_care_relation
