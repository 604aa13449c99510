"""Consents on the patient page: record, upload, revoke, download, print; for the right user,
another unit's user, htmx and bad input."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent import services
from consent.models import Consent
from consent.uploads import check_upload
from journal.models import AccessLog, JournalEntry
from tests.consent.helpers import ELF, pdf_bytes, upload
from tests.factories import actor_for, register_patient, staff_at
from tests.pdfs import printed

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def patient(unit, clinician):
    return register_patient(unit, clinician, first_name="Åsa", last_name="Öberg")


def give(patient, **fields):
    data = {
        "samtycke-scope": "mbt",
        "samtycke-form": "muntligt",
        "samtycke-given_on": TODAY().isoformat(),
    }
    data.update({f"samtycke-{k}": v for k, v in fields.items()})
    return data


def htmx(patient):
    return {"HX-Request": "true", "HX-Current-URL": f"http://testserver/patienter/{patient.pk}/"}


def test_patient_page_shows_the_consent_section(clinician_client, patient):
    content = clinician_client.get(f"/patienter/{patient.pk}/").content.decode()
    assert 'id="samtycken"' in content
    assert "Inga samtycken registrerade" in content
    assert "– Diskussion i medicinskt bedömningsteam (MBT)" in content


def test_record_oral_consent_with_htmx(clinician_client, patient, clinician):
    response = clinician_client.post(
        f"/patienter/{patient.pk}/samtycken/ny/",
        give(patient, note="Vid besök"),
        headers=htmx(patient),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<div id="messages"') or '<section id="samtycken"' in content
    assert "<html" not in content
    assert "✓ Diskussion i medicinskt bedömningsteam (MBT)" in content
    consent = Consent.objects.get()
    assert consent.recorded_by == clinician and consent.journal_entry.is_signed
    assert JournalEntry.objects.filter(entry_type="samtycke").count() == 1


def test_upload_written_consent_and_download_it_logged(clinician_client, patient, clinician):
    content = pdf_bytes()
    response = clinician_client.post(
        f"/patienter/{patient.pk}/samtycken/ny/",
        give(patient, form="skriftligt", scope="koordinering", document=upload(content)),
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.document_content_type == "application/pdf"
    before = AccessLog.objects.filter(action="read").count()
    download = clinician_client.get(f"/patienter/{patient.pk}/samtycken/{consent.pk}/dokument/")
    assert download.status_code == 200
    assert download.content == content
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="samtycke-{consent.pk}.pdf"'
    assert "no-store" in download["Cache-Control"]
    # One row: the document went out of the system as an export.
    assert AccessLog.objects.filter(action="read").count() == before
    export = AccessLog.objects.get(action="export")
    assert export.what == "samtyckesdokument" and export.patient == patient


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (ELF, "blankett.pdf", "inte en PDF, JPEG eller PNG"),
        (None, "krypterad.pdf", "krypterad"),
        (None, "script.pdf", "JavaScript"),
    ],
)
def test_bad_uploads_come_back_with_a_message_and_the_form_filled(
    clinician_client, patient, content, name, message
):
    if name == "krypterad.pdf":
        content = pdf_bytes(encrypt=True)
    elif name == "script.pdf":
        content = pdf_bytes(javascript=True)
    response = clinician_client.post(
        f"/patienter/{patient.pk}/samtycken/ny/",
        give(
            patient,
            form="skriftligt",
            scope="koordinering",
            note="Viktig notering",
            document=upload(content, name),
        ),
        headers=htmx(patient),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Viktig notering" in html
    assert '<option value="koordinering" selected>' in html
    assert not Consent.objects.exists()


def test_oversized_upload(clinician_client, patient, settings):
    settings.CONSENT_UPLOAD_MAX_BYTES = 1_048_576
    big = pdf_bytes() + b"%" + b"x" * 1_200_000
    response = clinician_client.post(
        f"/patienter/{patient.pk}/samtycken/ny/",
        give(patient, form="skriftligt", document=upload(big)),
    )
    assert response.status_code == 400
    assert "Filen är för stor" in response.content.decode()


def test_bad_dates(clinician_client, patient):
    response = clinician_client.post(
        f"/patienter/{patient.pk}/samtycken/ny/",
        give(
            patient,
            given_on=(TODAY() + datetime.timedelta(days=2)).isoformat(),
            valid_until=(TODAY() - datetime.timedelta(days=2)).isoformat(),
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "kan inte ligga i framtiden" in html and "före datumet då samtycket gavs" in html


def test_revoke_with_confirmation_page_and_twice(clinician_client, patient, clinician, unit):
    consent = services.consent_give(
        actor=actor_for(clinician, unit),
        patient=patient,
        scope="mbt",
        form="muntligt",
        given_on=TODAY() - datetime.timedelta(days=3),
    )
    url = f"/patienter/{patient.pk}/samtycken/{consent.pk}/aterkalla/"
    page = clinician_client.get(url).content.decode()
    assert "kan inte återställas" in page and 'data-confirm="' in page
    bad = clinician_client.post(url, {"revoked_on": TODAY().isoformat()})
    assert bad.status_code == 400 and "Detta fält måste fyllas i" in bad.content.decode()
    ok = clinician_client.post(
        url, {"revoked_on": TODAY().isoformat(), "method": "telefon", "reason": "Ångrat"}
    )
    assert ok.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == TODAY() and consent.revocation_entry.is_signed
    again = clinician_client.post(
        url, {"revoked_on": TODAY().isoformat(), "method": "besok"}, follow=True
    )
    assert "var redan återkallat" in again.content.decode()
    consent.refresh_from_db()
    assert consent.revocation_method == "telefon"
    page = clinician_client.get(f"/patienter/{patient.pk}/").content.decode()
    assert "Återkallat" in page and "återkallades" in page


def test_another_units_user_gets_404_and_denied_rows(client, patient, clinician, unit, other_unit):
    consent = services.consent_give(
        actor=actor_for(clinician, unit),
        patient=patient,
        scope="koordinering",
        form="skriftligt",
        given_on=TODAY(),
        document=check_upload(upload(pdf_bytes())),
    )
    client.force_login(staff_at(other_unit))
    urls = [
        ("get", f"/patienter/{patient.pk}/samtycken/{consent.pk}/dokument/"),
        ("get", f"/patienter/{patient.pk}/samtycken/{consent.pk}/aterkalla/"),
        ("get", f"/patienter/{patient.pk}/samtycken/blankett/?blankett-scope=mbt"),
        ("post", f"/patienter/{patient.pk}/samtycken/ny/"),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    assert AccessLog.objects.filter(action="denied", patient=patient).count() == len(urls)


def test_consent_of_another_unit_for_a_shared_patient_is_404(
    client, patient, clinician, unit, other_unit
):
    consent = services.consent_give(
        actor=actor_for(clinician, unit),
        patient=patient,
        scope="mbt",
        form="muntligt",
        given_on=TODAY(),
    )
    nurse = staff_at(other_unit)
    register_patient(other_unit, nurse, identity=patient.identity_number)
    client.force_login(nurse)
    assert (
        client.get(f"/patienter/{patient.pk}/samtycken/{consent.pk}/aterkalla/").status_code == 404
    )
    page = client.get(f"/patienter/{patient.pk}/").content.decode()
    assert "Inga samtycken registrerade" in page


def test_blankett_pdf(clinician_client, patient, production_static):
    response = clinician_client.get(
        f"/patienter/{patient.pk}/samtycken/blankett/?blankett-scope=mbt"
    )
    assert response["Content-Disposition"] == 'attachment; filename="samtyckesblankett-mbt.pdf"'
    reader = printed(response)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Samtycke" in text and "Åsa Öberg" in text and patient.formatted_identity in text
    assert "medicinska bedömningsteam" in text and "Omfattas av sekretess" in text
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    # Uploaded as it is (signed digitally, or a "scan" that is the file itself), it is accepted:
    # the form carries no links or other active content.
    assert check_upload(upload(response.content, "blankett.pdf")).content_type == "application/pdf"
    assert AccessLog.objects.filter(
        patient=patient, action="print", what="samtyckesblankett"
    ).exists()
    bad = clinician_client.get(
        f"/patienter/{patient.pk}/samtycken/blankett/?blankett-scope=samverkan", follow=True
    )
    assert "Välj vilken part" in bad.content.decode()


def test_expiring_list_logs_each_patient_and_has_flat_queries(clinician_client, unit, clinician):
    actor = actor_for(clinician, unit)

    def add(n):
        for i in range(n):
            p = register_patient(unit, clinician)
            services.consent_give(
                actor=actor,
                patient=p,
                scope="mbt",
                form="muntligt",
                given_on=TODAY(),
                valid_until=TODAY() + datetime.timedelta(days=5 + i % 20),
            )

    add(2)
    clinician_client.get("/samtycken/gar-ut/")
    with CaptureQueriesContext(connection) as small:
        page = clinician_client.get("/samtycken/gar-ut/")
    assert "om 5 dagar" in page.content.decode()
    add(15)
    with CaptureQueriesContext(connection) as large:
        clinician_client.get("/samtycken/gar-ut/")
    assert len(small) == len(large)
    assert (
        AccessLog.objects.filter(what="samtycken som går ut").values("patient").distinct().count()
        == 17
    )


def test_patient_page_query_count_flat_with_many_consents(
    clinician_client, patient, clinician, unit
):
    actor = actor_for(clinician, unit)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            clinician_client.get(f"/patienter/{patient.pk}/")
        return len(ctx)

    services.consent_give(
        actor=actor, patient=patient, scope="mbt", form="muntligt", given_on=TODAY()
    )
    few = count()
    for scope in ("koordinering", "fk_information", "mbt", "koordinering"):
        consent = services.consent_give(
            actor=actor, patient=patient, scope=scope, form="muntligt", given_on=TODAY()
        )
        services.consent_revoke(actor=actor, consent=consent, revoked_on=TODAY(), method="telefon")
    assert count() == few


def test_another_units_consent_id_is_404_with_a_denied_row(
    client, patient, clinician, unit, other_unit
):
    """A patient known at both units: the other unit's consent id in the address is refused and
    the attempt logged, even though the patient part of the address is the user's own."""
    consent = services.consent_give(
        actor=actor_for(clinician, unit),
        patient=patient,
        scope="mbt",
        form="muntligt",
        given_on=TODAY(),
    )
    nurse = staff_at(other_unit)
    register_patient(other_unit, nurse, identity=patient.identity_number)
    client.force_login(nurse)
    for url in (
        f"/patienter/{patient.pk}/samtycken/{consent.pk}/aterkalla/",
        f"/patienter/{patient.pk}/samtycken/{consent.pk}/dokument/",
        f"/patienter/{patient.pk}/samtycken/987654/aterkalla/",
    ):
        assert client.get(url).status_code == 404, url
    denied = AccessLog.objects.filter(action="denied", user=nurse).order_by("pk")
    assert [(row.patient_id, row.what) for row in denied] == [
        (patient.pk, f"samtycke {consent.pk}"),
        (patient.pk, f"samtycke {consent.pk}"),
        (None, "samtycke 987654"),
    ]
