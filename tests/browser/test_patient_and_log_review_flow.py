"""A clinician finds and opens a patient and writes in the journal; the manager reviews the log,
records the review and makes the patient's log extract."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Role
from journal.models import AccessLog, LogReview
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.factories import PASSWORD, CareUnitFactory, register_patient, staff_at


def test_search_open_patient_review_log_and_extract(page):
    unit = CareUnitFactory(name="Vårdcentralen Åsen")
    nurse = staff_at(unit, username="lena", first_name="Lena", last_name="Åberg")
    manager = staff_at(
        unit, role=Role.MANAGER, username="anders", first_name="Anders", last_name="Holm"
    )
    patient = register_patient(
        unit, nurse, first_name="Åsa", last_name="Öberg", protected_identity=True
    )
    register_patient(unit, nurse, first_name="Per", last_name="Öberg")

    # The nurse searches by name, opens the patient and writes a note.
    login(page, "lena", PASSWORD)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Patienter").click()
    assert_accessible(page)
    page.get_by_label("Personnummer, reservnummer eller namn").fill("öberg")
    page.get_by_role("button", name="Sök").click()
    results = page.locator("#search-results")
    expect(results.get_by_role("link", name="Öberg, Per")).to_be_visible()
    expect(results.get_by_role("link", name="Öberg, Åsa")).to_be_visible()
    assert_accessible(page)

    # By number, in the short form.
    page.get_by_label("Personnummer, reservnummer eller namn").fill(
        f"{patient.identity_number[2:8]}-{patient.identity_number[8:]}"
    )
    page.get_by_role("button", name="Sök").click()
    expect(results.get_by_role("link")).to_have_count(1)
    results.get_by_role("link", name="Öberg, Åsa").click()
    expect(page.get_by_role("heading", level=1, name="Åsa Öberg")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Skyddad identitet")
    assert_accessible(page)

    # An empty journal opens the form for the first note.
    expect(page.get_by_text("Ny anteckning", exact=True)).to_be_visible()
    page.get_by_label("Anteckning", exact=True).fill("Telefonsamtal om arbetsträning.")
    page.get_by_label("KVÅ-koder").fill("GC001")
    page.get_by_role("button", name="Spara anteckning").click()
    expect(page.locator("#journal")).to_contain_text("Telefonsamtal om arbetsträning.")
    expect(page.get_by_role("status")).to_contain_text("Anteckningen är signerad.")
    screenshot(page, "patient")
    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()

    # The manager reviews the log, filters on protected identity and records the review.
    login(page, "anders", PASSWORD)
    page.get_by_role("link", name="Logguppföljning").click()
    expect(page.get_by_role("heading", name="Logguppföljning", level=1)).to_be_visible()
    page.get_by_label("Skyddad identitet").check()
    page.get_by_role("button", name="Visa", exact=True).click()
    log = page.locator("#log-results")
    expect(log).to_contain_text("Lena Åberg")
    expect(log).to_contain_text("Åsa Öberg")
    expect(log).not_to_contain_text("Per Öberg")
    assert_accessible(page)
    screenshot(page, "log-review")

    page.get_by_label("Stickprov").fill("Alla poster om patienter med skyddad identitet")
    page.get_by_label("Iakttagelser").fill(
        "Läsningar av patientens fasta vårdkontakt; inga avvikelser."
    )
    page.get_by_label("Resultat", exact=True).select_option(label="Inga avvikelser")
    page.get_by_role("button", name="Registrera uppföljning").click()
    expect(page.get_by_role("status")).to_contain_text("Uppföljningen är registrerad.")
    review = LogReview.objects.get()
    assert review.reviewer == manager and review.filters["flaggor"] == ["skyddad"]

    # The patient's log extract, as a PDF.
    page.get_by_role("link", name="Loggutdrag för en patient").click()
    assert_accessible(page)
    page.get_by_label("Patientens personnummer eller samordningsnummer").fill(
        patient.formatted_identity
    )
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Skapa loggutdrag (PDF)").click()
    download = download_info.value
    assert re.fullmatch(r"loggutdrag-\d{8}-\d{4}\.pdf", download.suggested_filename)
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Loggutdrag" in text and "Åsa Öberg" in text and "Vårdcentralen Åsen" in text
    assert "Läsning" in text and "Omfattas av sekretess" in text
    assert AccessLog.objects.filter(user=manager, patient=patient, action="print").exists()
    assert page.console_errors == []
