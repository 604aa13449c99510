"""Logguppföljning for managers: filters, flags, CSV, review records, settings and the patient's
log extract as a PDF read back with pypdf."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from journal.accesslog import Action, log_access
from journal.models import AccessLog, LogReview, LogReviewSettings
from tests.factories import (
    AssignmentFactory,
    CareUnitFactory,
    actor_for,
    register_patient,
    staff_at,
)
from tests.pdfs import printed

pytestmark = pytest.mark.django_db
URL = "/logguppfoljning/"


@pytest.fixture
def manager(unit):
    return staff_at(unit, role=Role.MANAGER, first_name="Anders", last_name="Chef")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def results(client, **data) -> str:
    """The results section alone (the htmx partial): names in the filter's lists do not count."""
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver" + URL}
    return client.post(URL, today_filter(**data), headers=headers).content.decode()


def today_filter(**extra):
    today = timezone.localdate().isoformat()
    return {"date_from": today, "date_to": today, **extra}


def test_only_managers(clinician_client):
    assert clinician_client.get(URL).status_code == 403
    assert clinician_client.post(URL, today_filter()).status_code == 403
    assert clinician_client.get(URL + "loggutdrag/").status_code == 403


def test_default_view_shows_the_last_week_of_the_units_log(manager_client, unit, other_unit):
    register_patient(unit, last_name="Egenpatient")
    register_patient(other_unit, last_name="Annanpatient")
    content = manager_client.get(URL).content.decode()
    assert "Egenpatient" in content
    assert "Annanpatient" not in content


def test_showing_rows_logs_the_patients_shown(manager_client, unit, manager):
    patient = register_patient(unit)
    manager_client.post(URL, today_filter())
    row = AccessLog.objects.get(user=manager, patient=patient)
    assert row.purpose == "logguppföljning"


def test_filters(manager_client, unit):
    nurse = staff_at(unit, first_name="Lena", last_name="Sjuksköterska")
    doctor = staff_at(unit, first_name="Erik", last_name="Läkare")
    a = register_patient(unit, nurse, last_name="Alfasson")
    b = register_patient(unit, doctor, last_name="Betasson")
    log_access(actor_for(doctor, unit), [a], Action.READ, "patientöversikt")

    def shown(**data):
        return results(manager_client, **data)

    by_user = shown(user=nurse.pk)
    assert "Alfasson" in by_user and "Betasson" not in by_user
    by_patient = shown(patient=b.formatted_identity)
    assert "Betasson" in by_patient and "Alfasson" not in by_patient
    by_action = shown(action="read")
    assert "Alfasson" in by_action and "Betasson" not in by_action
    nobody = shown(patient="19121212-1212")
    assert "Inga loggposter" in nobody
    bad = manager_client.post(URL, today_filter(patient="garbage"))
    assert bad.status_code == 400
    assert "bara innehålla siffror" in bad.content.decode()
    backwards = manager_client.post(URL, {"date_from": "2026-11-24", "date_to": "2026-11-01"})
    assert "Slutdatum kan inte ligga före startdatum" in backwards.content.decode()


def test_flags(manager_client, unit, other_unit):
    user = staff_at(unit)
    register_patient(unit, user, protected_identity=True, last_name="Skyddadsson")
    ordinary = register_patient(unit, user, last_name="Vanligsson")
    stranger = register_patient(other_unit, last_name="Främlingsson")
    log_access(actor_for(user, unit), [stranger], Action.READ, "test")
    night = timezone.now().replace(hour=2)
    AccessLog.objects.create(
        at=night,
        user=user,
        unit=unit,
        patient=ordinary,
        action=Action.READ,
        what="natt",
        outside_office_hours=True,
    )

    def shown(flag):
        return results(manager_client, flags=[flag])

    assert "Skyddadsson" in shown("skyddad") and "Vanligsson" not in shown("skyddad")
    no_relation = shown("utan_vardrelation")
    assert "Patient utan vårdrelation vid granskade enheter" in no_relation
    assert "Skyddadsson" not in no_relation
    # Whose data it was is not for this unit's manager to see.
    assert "Främlingsson" not in no_relation
    assert "Vanligsson" in shown("utanfor_kontorstid")


def test_volume_flag(manager_client, unit):
    busy = staff_at(unit, first_name="Johan", last_name="Flitig")
    calm = staff_at(unit, first_name="Sara", last_name="Lugn")
    patient = register_patient(unit, calm, last_name="Volymsson")
    rows = []
    for days_ago in range(1, 11):  # a normal day: 5 reads
        moment = timezone.now() - datetime.timedelta(days=days_ago)
        rows += [
            AccessLog(at=moment, user=busy, unit=unit, patient=patient, action="read", what="x")
            for _ in range(5)
        ]
    rows += [
        AccessLog(at=timezone.now(), user=busy, unit=unit, patient=patient, action="read", what="x")
        for _ in range(40)
    ]
    AccessLog.objects.bulk_create(rows)
    content = results(manager_client, flags=["ovanlig_volym"])
    assert "Johan Flitig" in content and "Sara Lugn" not in content
    assert "Ovanlig volym" in content
    # Raising the unit's minimum above the day's count removes the flag.
    LogReviewSettings.objects.create(unit=unit, volume_minimum=100)
    assert "Johan Flitig" not in results(manager_client, flags=["ovanlig_volym"])


def test_another_units_manager_sees_nothing_of_this_unit(client, unit):
    register_patient(unit, last_name="Hemligsson")
    elsewhere = CareUnitFactory()
    other_manager = staff_at(elsewhere, role=Role.MANAGER)
    client.force_login(other_manager)
    assert "Hemligsson" not in results(client)


def test_htmx_partial(manager_client, unit):
    register_patient(unit)
    response = manager_client.post(
        URL,
        today_filter(),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver" + URL},
    )
    content = response.content.decode()
    assert '<section id="log-results"' in content and "<html" not in content


def test_log_review_query_count_is_flat(manager_client, unit):
    user = staff_at(unit)
    manager_client.get(URL)

    def count(n):
        for _ in range(n):
            register_patient(unit, user)
        with CaptureQueriesContext(connection) as ctx:
            manager_client.post(URL, today_filter(flags=["ovanlig_volym", "skyddad"]))
        return len(ctx)

    assert count(2) == count(30)


def test_csv_export(manager_client, unit, manager):
    user = staff_at(unit)
    patient = register_patient(unit, user, first_name="=HYPERLINK(1)", last_name="Åström")
    response = manager_client.post(URL, today_filter(export="csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.startswith("Tid;Användare;Profession;Vårdenhet;Patient;Personnummer")
    assert "'=HYPERLINK(1) Åström" in text
    assert patient.formatted_identity in text
    assert AccessLog.objects.filter(user=manager, action=Action.EXPORT, patient=patient).exists()


def test_a_csv_export_writes_all_its_export_rows_in_one_statement(manager_client, manager, unit):
    # A manager of two units exports both units' log: the export rows (one per patient, under
    # the unit whose log row it was) are in the database, all or none, before the first byte.
    sister = CareUnitFactory(vardgivare=unit.vardgivare, name="Vårdcentralen Syster")
    AssignmentFactory(user=manager, unit=sister, role=Role.MANAGER)
    session = manager_client.session
    session["active_unit_id"] = unit.pk
    session.save()
    here = register_patient(unit, last_name="Häringsson")
    there = register_patient(sister, last_name="Däringsson")
    with CaptureQueriesContext(connection) as ctx:
        response = manager_client.post(URL, today_filter(export="csv"))
    assert response.status_code == 200 and not response.streaming
    inserts = [q["sql"] for q in ctx if q["sql"].startswith('INSERT INTO "journal_accesslog"')]
    assert len(inserts) == 1
    exported = AccessLog.objects.filter(user=manager, action=Action.EXPORT)
    assert {(row.patient_id, row.unit_id) for row in exported} == {
        (here.pk, unit.pk),
        (there.pk, sister.pk),
    }


def test_record_a_review(manager_client, unit, manager):
    data = {
        "unit": unit.pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-07",
        "sample": "Alla flaggade poster",
        "findings": "En läsning utan vårdrelation.",
        "outcome": "atgardat",
        "actions_taken": "",
        "filters_record": '{"flaggor": ["utan_vardrelation"]}',
    }
    missing = manager_client.post(URL + "uppfoljning/", data)
    assert missing.status_code == 400
    content = missing.content.decode()
    assert "Beskriv vad som görs åt avvikelserna" in content
    assert "En läsning utan vårdrelation." in content
    backwards = manager_client.post(
        URL + "uppfoljning/", {**data, "period_end": "2026-10-01", "actions_taken": "x"}
    )
    assert "Slutdatum kan inte ligga före startdatum" in backwards.content.decode()
    ok = manager_client.post(
        URL + "uppfoljning/", {**data, "actions_taken": "Samtal med medarbetaren."}
    )
    assert ok.status_code == 302
    review = LogReview.objects.get()
    assert review.reviewer == manager and review.unit == unit
    assert review.filters == {"flaggor": ["utan_vardrelation"]}
    assert review.history.first().history_user == manager
    assert "Samtal med medarbetaren." in manager_client.get(URL).content.decode()


def test_settings(manager_client, unit):
    url = URL + "installningar/"
    assert manager_client.get(url).status_code == 200
    bad = manager_client.post(
        url,
        {
            "office_start": "18:00",
            "office_end": "07:00",
            "volume_factor": "1",
            "volume_minimum": "5",
        },
    )
    assert bad.status_code == 400
    content = bad.content.decode()
    assert "sluta efter att den börjar" in content and "större än 1" in content
    ok = manager_client.post(
        url,
        {
            "office_start": "06:30",
            "office_end": "19:00",
            "volume_factor": "2,5",
            "volume_minimum": "10",
        },
    )
    assert ok.status_code == 302
    settings = LogReviewSettings.objects.get(unit=unit)
    assert settings.office_start == datetime.time(6, 30) and str(settings.volume_factor) == "2.5"


def test_log_extract_pdf_covers_every_unit_of_the_vardgivare(
    manager_client, unit, manager, production_static
):
    sister = CareUnitFactory(vardgivare=unit.vardgivare, name="Vårdcentralen Syster")
    foreign = CareUnitFactory(name="Vårdcentralen Främmande")
    name = {"first_name": "Greta", "last_name": "Ödman"}
    patient = register_patient(unit, **name)
    register_patient(sister, identity=patient.identity_number, **name)
    register_patient(foreign, identity=patient.identity_number, **name)
    response = manager_client.post(URL + "loggutdrag/", {"identity": patient.formatted_identity})
    assert patient.identity_number not in response["Content-Disposition"]
    reader = printed(response)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Loggutdrag" in text and "Omfattas av sekretess" in text
    assert "Greta Ödman" in text and patient.formatted_identity in text
    assert unit.name in text and "Vårdcentralen Syster" in text
    assert "Vårdcentralen Främmande" not in text
    assert "Registrering (1)" in text
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "sv"
    assert "/StructTreeRoot" in catalog
    xmp = catalog["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp  # declared PDF/UA
    assert AccessLog.objects.filter(user=manager, patient=patient, action=Action.PRINT).exists()


def test_log_extract_bad_input(manager_client):
    bad = manager_client.post(URL + "loggutdrag/", {"identity": "19121212-1213"})
    assert bad.status_code == 400 and "Kontrollsiffran" in bad.content.decode()
    unknown = manager_client.post(URL + "loggutdrag/", {"identity": "19121212-1212"})
    assert unknown.status_code == 400 and "Det finns inga uppgifter" in unknown.content.decode()


def test_denied_attempts_do_not_reveal_other_units_patients(manager_client, manager, unit):
    elsewhere = CareUnitFactory(name="Vårdcentralen Borta")
    stranger = register_patient(elsewhere, first_name="Främling", last_name="Bortasson")
    assert manager_client.get(f"/patienter/{stranger.pk}/").status_code == 404
    content = results(manager_client, action="denied")
    assert "Nekad åtkomst" in content and "Bortasson" not in content
    assert stranger.formatted_identity not in content
    csv = manager_client.post(URL, today_filter(action="denied", export="csv")).content
    assert b"Bortasson" not in csv and stranger.identity_number[:8].encode() not in csv
    # Showing it is not logged as a read of the stranger's data either.
    assert not AccessLog.objects.filter(
        patient=stranger, action__in=[Action.READ, Action.EXPORT]
    ).exists()


def test_log_extract_only_for_patients_of_the_vardgivare(manager_client):
    elsewhere = CareUnitFactory(name="Vårdcentralen Annan Region")
    stranger = register_patient(elsewhere, first_name="Främling")
    response = manager_client.post(URL + "loggutdrag/", {"identity": stranger.formatted_identity})
    assert response.status_code == 400
    assert "Det finns inga uppgifter" in response.content.decode()
    assert "Främling" not in response.content.decode()


def test_reads_of_another_managed_units_log_are_logged_at_that_unit(client, unit):
    sister = CareUnitFactory(vardgivare=unit.vardgivare, name="Vårdcentralen Syster")
    manager = staff_at(unit, role=Role.MANAGER)
    from tests.factories import AssignmentFactory

    AssignmentFactory(user=manager, unit=sister, role=Role.MANAGER)
    patient = register_patient(sister, last_name="Systersson")
    client.force_login(manager)
    client.post("/accounts/enhet/", {"unit": unit.pk})
    assert "Systersson" in results(client)
    row = AccessLog.objects.get(user=manager, patient=patient, action=Action.READ)
    assert row.unit == sister and row.has_care_relation


@pytest.mark.parametrize(
    "data",
    [
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "0001-01-02"},
    ],
)
def test_absurd_dates_get_a_message_not_a_500(manager_client, data):
    response = manager_client.post(URL, data)
    assert response.status_code == 400
    assert "Välj ett datum" in response.content.decode()


def test_garbage_filters_record_is_ignored(manager_client, manager, unit):
    data = {
        "unit": unit.pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-07",
        "sample": "Alla",
        "findings": "Inget",
        "outcome": "inga",
        "filters_record": "[" * 200_000,
    }
    assert manager_client.post(URL + "uppfoljning/", data).status_code == 302
    assert LogReview.objects.get().filters == {}


def test_review_record_only_for_units_the_reviewer_manages(manager_client, other_unit):
    data = {
        "unit": other_unit.pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-07",
        "sample": "Alla",
        "findings": "Inget",
        "outcome": "inga",
    }
    response = manager_client.post(URL + "uppfoljning/", data)
    assert response.status_code == 400
    assert not LogReview.objects.exists()


def test_a_review_sent_twice_is_recorded_once(manager_client, unit, manager):
    page = manager_client.get(URL).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page).group(1)
    data = {
        "submission_key": key,
        "unit": unit.pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-07",
        "sample": "Alla flaggade poster",
        "findings": "Inga avvikelser.",
        "outcome": "inga",
    }
    for _ in range(2):
        assert manager_client.post(URL + "uppfoljning/", data).status_code == 302
    assert LogReview.objects.count() == 1
    # Another key (the form loaded again) records another review.
    manager_client.post(URL + "uppfoljning/", {**data, "submission_key": str(uuid.uuid4())})
    assert LogReview.objects.count() == 2
