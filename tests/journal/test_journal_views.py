from __future__ import annotations

import pytest

from journal import services
from journal.models import AccessLog, JournalEntry
from tests.factories import actor_for, register_patient, staff_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(unit, clinician):
    return register_patient(unit, clinician)


def htmx(patient):
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver/patienter/{patient.pk}/"}


def test_write_a_signed_note_without_javascript(clinician_client, patient):
    response = clinician_client.post(
        f"/patienter/{patient.pk}/journal/ny/",
        {"text": "Telefonsamtal.", "kva_codes": "gc001", "sign": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/patienter/{patient.pk}/#journal"
    entry = JournalEntry.objects.get()
    assert entry.is_signed and entry.kva_codes == ["GC001"]
    page = clinician_client.get(response["Location"]).content.decode()
    assert "Anteckningen är signerad." in page and "Telefonsamtal." in page


def test_write_a_draft_with_htmx_returns_the_journal_section(clinician_client, patient):
    response = clinician_client.post(
        f"/patienter/{patient.pk}/journal/ny/", {"text": "Utkast."}, headers=htmx(patient)
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert '<section id="journal"' in content and "<html" not in content
    assert 'hx-swap-oob="true"' in content and "sparad som utkast" in content
    assert "Utkast, ej signerad" in content
    assert not JournalEntry.objects.get().is_signed


def test_note_errors_come_back_with_the_text(clinician_client, patient):
    response = clinician_client.post(
        f"/patienter/{patient.pk}/journal/ny/",
        {"text": "Min text", "kva_codes": "F32.1"},
        headers=htmx(patient),
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "F32.1 är ingen KVÅ-kod" in content and "Min text" in content
    no_js = clinician_client.post(f"/patienter/{patient.pk}/journal/ny/", {"text": ""})
    assert no_js.status_code == 400
    assert "<html" in no_js.content.decode()
    assert not JournalEntry.objects.exists()


def test_sign_a_draft(clinician_client, patient, clinician, unit):
    draft = services.journal_entry_create(
        actor=actor_for(clinician, unit),
        patient=patient,
        entry_type="anteckning",
        text="x",
        sign=False,
    )
    response = clinician_client.post(
        f"/patienter/{patient.pk}/journal/{draft.pk}/signera/", headers=htmx(patient)
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.is_signed


def test_someone_elses_draft_cannot_be_signed(client, patient, clinician, unit):
    draft = services.journal_entry_create(
        actor=actor_for(clinician, unit),
        patient=patient,
        entry_type="anteckning",
        text="x",
        sign=False,
    )
    colleague = staff_at(unit)
    client.force_login(colleague)
    response = client.post(f"/patienter/{patient.pk}/journal/{draft.pk}/signera/", follow=True)
    assert "Bara författaren" in response.content.decode()
    draft.refresh_from_db()
    assert not draft.is_signed


def test_edit_draft_conflict_shows_both_versions(clinician_client, patient, clinician, unit):
    draft = services.journal_entry_create(
        actor=actor_for(clinician, unit),
        patient=patient,
        entry_type="anteckning",
        text="Ett",
        sign=False,
    )
    url = f"/patienter/{patient.pk}/journal/{draft.pk}/andra/"
    assert clinician_client.get(url).status_code == 200
    assert clinician_client.post(url, {"text": "Två", "version": 1}).status_code == 302
    stale = clinician_client.post(url, {"text": "Tre", "version": 1})
    assert stale.status_code == 409
    content = stale.content.decode()
    assert "Två" in content and "Tre" in content
    draft.refresh_from_db()
    assert draft.text == "Två"
    assert (
        clinician_client.post(url, {"text": "Tre", "version": 2, "and_sign": "1"}).status_code
        == 302
    )
    draft.refresh_from_db()
    assert draft.text == "Tre" and draft.is_signed


def test_correct_a_signed_entry(clinician_client, patient, clinician, unit):
    entry = services.journal_entry_create(
        actor=actor_for(clinician, unit),
        patient=patient,
        entry_type="anteckning",
        text="Fel uppgift",
    )
    url = f"/patienter/{patient.pk}/journal/{entry.pk}/rattelse/"
    assert "Fel uppgift" in clinician_client.get(url).content.decode()
    assert clinician_client.post(url, {"text": ""}).status_code == 400
    assert clinician_client.post(url, {"text": "Rätt uppgift"}).status_code == 302
    page = clinician_client.get(f"/patienter/{patient.pk}/").content.decode()
    assert "Rätt uppgift" in page and "Fel uppgift" in page and "Rättad" in page


def test_entries_of_another_unit_are_not_shown_and_not_reachable(
    clinician_client, patient, other_unit
):
    nurse = staff_at(other_unit)
    register_patient(other_unit, nurse, identity=patient.identity_number)
    theirs = services.journal_entry_create(
        actor=actor_for(nurse, other_unit),
        patient=patient,
        entry_type="anteckning",
        text="Deras text",
    )
    assert "Deras text" not in clinician_client.get(f"/patienter/{patient.pk}/").content.decode()
    assert (
        clinician_client.get(f"/patienter/{patient.pk}/journal/{theirs.pk}/rattelse/").status_code
        == 404
    )
    assert (
        clinician_client.post(f"/patienter/{patient.pk}/journal/{theirs.pk}/signera/").status_code
        == 404
    )


def test_every_journal_view_logs_the_patient(clinician_client, patient, clinician, unit):
    entry = services.journal_entry_create(
        actor=actor_for(clinician, unit), patient=patient, entry_type="anteckning", text="x"
    )
    before = AccessLog.objects.count()
    clinician_client.get(f"/patienter/{patient.pk}/journal/{entry.pk}/rattelse/")
    clinician_client.get(f"/patienter/{patient.pk}/historik/")
    assert AccessLog.objects.count() == before + 2


def test_a_double_submitted_note_is_written_once(clinician_client, patient):
    import uuid

    key = str(uuid.uuid4())
    data = {"text": "Telefonsamtal.", "sign": "on", "submission_key": key}
    first = clinician_client.post(f"/patienter/{patient.pk}/journal/ny/", data)
    second = clinician_client.post(f"/patienter/{patient.pk}/journal/ny/", data)
    assert first.status_code == second.status_code == 302
    assert JournalEntry.objects.count() == 1


def test_the_note_form_carries_a_fresh_key(clinician_client, patient):
    first = clinician_client.get(f"/patienter/{patient.pk}/").content.decode()
    second = clinician_client.get(f"/patienter/{patient.pk}/").content.decode()
    pick = lambda html: html.split('name="submission_key" value="')[1][:36]  # noqa: E731
    assert pick(first) != pick(second)
