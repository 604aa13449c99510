"""Patient search, registration, the patient page and its journal: for the right user, another
unit's user, the wrong method, htmx partials and bad forms."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal.models import AccessLog, CareRelation, JournalEntry, Patient
from journal.personnummer import format_identity
from tests.factories import next_test_number, register_patient, staff_at

pytestmark = pytest.mark.django_db

SEARCH = "/patienter/"
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/patienter/"}


def search(client, q, **headers):
    return client.post(SEARCH, {"q": q}, headers=headers)


def test_search_page_get_is_empty_and_logs_nothing(clinician_client):
    response = clinician_client.get(SEARCH)
    assert response.status_code == 200
    assert "Sök på personnummer" in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()


def test_search_by_every_form_of_the_number(clinician_client, unit, clinician):
    number = next_test_number()
    patient = register_patient(unit, clinician, identity=number)
    for form in (
        number,
        format_identity(number),
        f"{number[2:8]}-{number[8:]}",
        f"{number[2:8]} {number[8:]}",
    ):
        content = search(clinician_client, form).content.decode()
        assert f"/patienter/{patient.pk}/" in content, form


def test_search_logs_each_patient_returned(clinician_client, unit, clinician):
    a = register_patient(unit, clinician, first_name="Åsa", last_name="Svensson")
    b = register_patient(unit, clinician, first_name="Per", last_name="Svensson")
    register_patient(unit, clinician, first_name="Eva", last_name="Berg")
    search(clinician_client, "svensson")
    rows = AccessLog.objects.filter(action=AccessLog.Action.SEARCH)
    assert sorted(rows.values_list("patient_id", flat=True)) == sorted([a.pk, b.pk])
    assert set(rows.values_list("what", flat=True)) == {"sökning på namn"}


def test_name_search_with_swedish_letters_sorted_in_swedish_order(
    clinician_client, unit, clinician
):
    for last in ("Öberg", "Åberg", "Äberg", "Aberg", "Zetterberg"):
        register_patient(unit, clinician, first_name="Test", last_name=last)
    content = search(clinician_client, "berg").content.decode()
    order = [
        content.index(f"{name}, Test")
        for name in ("Aberg", "Zetterberg", "Åberg", "Äberg", "Öberg")
    ]
    assert order == sorted(order)
    assert "Åberg, Test" in search(clinician_client, "åberg").content.decode()
    # A small misspelling still finds the patient.
    assert "Zetterberg, Test" in search(clinician_client, "zeterberg").content.decode()


def test_search_never_shows_another_units_patient(clinician_client, other_unit):
    number = next_test_number()
    register_patient(other_unit, identity=number, first_name="Hemlig", last_name="Person")
    for q in (number, "hemlig"):
        content = search(clinician_client, q).content.decode()
        assert "Hemlig" not in content
    assert not AccessLog.objects.filter(action=AccessLog.Action.SEARCH).exists()


def test_search_by_unknown_number_offers_registration_with_the_number(clinician_client):
    number = next_test_number()
    content = search(clinician_client, number).content.decode()
    assert "Ingen patient hittades" in content
    assert f'name="identity" value="{format_identity(number)}"' in content
    assert 'name="prefill"' in content


def test_search_with_a_bad_number_says_what_is_wrong(clinician_client):
    content = search(clinician_client, "19121212-1213").content.decode()
    assert "Numret är inte giltigt. Kontrollsiffran" in content
    # A mistyped number is still a number: it is explained, not searched for as a name.
    content = search(clinician_client, "19121212-12133").content.decode()
    assert "Numret ska ha 10 eller 12 siffror" in content and "du skrev 13" in content
    assert "Ingen patient hittades" not in content


def test_search_htmx_returns_the_results_partial(clinician_client, unit, clinician):
    register_patient(unit, clinician, last_name="Svensson")
    response = search(clinician_client, "svensson", **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="search-results"')
    assert "<html" not in content
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_search_query_count_is_flat(client, unit):
    user = staff_at(unit)
    client.force_login(user)
    client.get("/")

    def count(n):
        for _ in range(n):
            register_patient(unit, user, last_name="Flatberg")
        with CaptureQueriesContext(connection) as ctx:
            search(client, "flatberg")
        return len(ctx)

    assert count(2) == count(20)


def test_register_prefill_then_submit(clinician_client, unit):
    number = next_test_number()
    prefill = clinician_client.post(
        reverse("journal:patient_register"), {"prefill": "1", "identity": format_identity(number)}
    )
    content = prefill.content.decode()
    assert prefill.status_code == 200
    assert f'value="{format_identity(number)}"' in content
    assert "errorlist" not in content
    response = clinician_client.post(
        reverse("journal:patient_register"),
        {"identity": number, "first_name": "Åke", "last_name": "Öhman", "phone": "070-1"},
    )
    patient = Patient.objects.get(identity_number=number)
    assert response.status_code == 302
    assert response["Location"] == f"/patienter/{patient.pk}/"
    assert CareRelation.objects.filter(patient=patient, unit=unit).exists()


def test_register_errors_keep_what_was_typed(clinician_client):
    response = clinician_client.post(
        reverse("journal:patient_register"),
        {"identity": "19900230-1234", "first_name": "Åke", "last_name": "", "phone": "070-12"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "1990-02-30 är inget giltigt datum" in content
    assert 'value="Åke"' in content and 'value="070-12"' in content
    assert "Detta fält måste fyllas i" in content or "obligatoriskt" in content.lower()
    assert not Patient.objects.exists()


def test_register_interpreter_needs_a_language(clinician_client):
    response = clinician_client.post(
        reverse("journal:patient_register"),
        {"use_reservnummer": "on", "first_name": "A", "last_name": "B", "interpreter_needed": "on"},
    )
    assert response.status_code == 400
    assert "Ange vilket språk" in response.content.decode()


def test_register_already_registered(clinician_client, unit, clinician):
    patient = register_patient(unit, clinician)
    response = clinician_client.post(
        reverse("journal:patient_register"),
        {"identity": patient.identity_number, "first_name": "A", "last_name": "B"},
    )
    assert response.status_code == 400
    assert "redan registrerad" in response.content.decode()


def test_patient_page_logs_a_read(clinician_client, unit, clinician):
    patient = register_patient(unit, clinician, first_name="Greta", last_name="Ödman")
    response = clinician_client.get(f"/patienter/{patient.pk}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Greta Ödman" in content and patient.formatted_identity in content
    assert "no-store" in response["Cache-Control"]
    read = AccessLog.objects.get(action=AccessLog.Action.READ)
    assert read.patient == patient and read.user == clinician and read.what == "patientöversikt"


def test_another_units_patient_is_404_and_denied(clinician_client, other_unit):
    patient = register_patient(other_unit, first_name="Hemlig")
    for url in (
        f"/patienter/{patient.pk}/",
        f"/patienter/{patient.pk}/andra/",
        f"/patienter/{patient.pk}/historik/",
    ):
        response = clinician_client.get(url)
        assert response.status_code == 404
        assert "Hemlig" not in response.content.decode()
    assert (
        clinician_client.post(f"/patienter/{patient.pk}/journal/ny/", {"text": "x"}).status_code
        == 404
    )
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, patient=patient).count() == 4
    assert not JournalEntry.objects.exists()


def test_unknown_patient_id_is_404_and_denied(clinician_client):
    assert clinician_client.get("/patienter/987654/").status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, patient=None).count() == 1


def test_protected_identity_hides_address_and_warns_on_every_page(
    clinician_client, unit, clinician
):
    patient = register_patient(
        unit, clinician, protected_identity=True, street_address="Hemliga gatan 1", city="Gömstad"
    )
    register_patient(unit, clinician, last_name=patient.last_name)
    pages = [
        clinician_client.get(f"/patienter/{patient.pk}/"),
        clinician_client.get(f"/patienter/{patient.pk}/andra/"),
        clinician_client.get(f"/patienter/{patient.pk}/historik/"),
        search(clinician_client, patient.last_name),
    ]
    for response in pages:
        content = response.content.decode()
        assert "Hemliga gatan" not in content and "Gömstad" not in content
        assert "Skyddad identitet" in content
    for response in pages[:3]:
        assert 'role="alert"' in response.content.decode()


def test_patient_page_query_count_is_flat(client, unit):
    user = staff_at(unit)
    client.force_login(user)
    client.get("/")
    patient = register_patient(unit, user)
    from journal import services
    from tests.factories import actor_for

    def count(n):
        for i in range(n):
            entry = services.journal_entry_create(
                actor=actor_for(user, unit), patient=patient, entry_type="anteckning", text=f"A {i}"
            )
            services.journal_entry_correct(actor=actor_for(user, unit), entry=entry, text="rätt")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/patienter/{patient.pk}/").status_code == 200
        return len(ctx)

    assert count(1) == count(15)


def test_wrong_method(clinician_client, unit, clinician):
    patient = register_patient(unit, clinician)
    assert clinician_client.post(f"/patienter/{patient.pk}/").status_code == 405
    assert clinician_client.get(f"/patienter/{patient.pk}/journal/ny/").status_code == 405
    assert clinician_client.put(SEARCH).status_code == 405


def test_edit_patient_and_conflict(clinician_client, unit, clinician):
    patient = register_patient(unit, clinician, phone="1")
    url = f"/patienter/{patient.pk}/andra/"
    form = {
        "first_name": "Anna",
        "last_name": "Testsson",
        "phone": "2",
        "version": 1,
        "fast_vardkontakt": clinician.pk,
    }
    assert clinician_client.post(url, form).status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "2"
    assert CareRelation.objects.get(patient=patient).fast_vardkontakt == clinician
    stale = clinician_client.post(url, {**form, "phone": "3"})
    assert stale.status_code == 409
    content = stale.content.decode()
    assert "Någon annan har sparat ändringar" in content
    assert 'value="3"' in content  # what the user typed is still there
    assert 'name="version" value="2"' in content
    assert clinician_client.post(url, {**form, "phone": "3", "version": 2}).status_code == 302


def test_history_shows_who_changed_what(clinician_client, unit, clinician):
    patient = register_patient(unit, clinician, phone="070-1")
    clinician_client.post(
        f"/patienter/{patient.pk}/andra/",
        {"first_name": "Anna", "last_name": "Testsson", "phone": "070-2", "version": 1},
    )
    content = clinician_client.get(f"/patienter/{patient.pk}/historik/").content.decode()
    assert "Telefon:</strong> 070-1 → 070-2" in content
    assert clinician.name_and_profession in content


def test_overlong_search_says_so(clinician_client):
    response = search(clinician_client, "a" * 150)
    assert "högst 100 tecken" in response.content.decode()
