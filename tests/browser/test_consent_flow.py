"""A coordinator records an oral consent, uploads a written one, revokes the first and sees the
history on the patient page."""

from __future__ import annotations

from playwright.sync_api import expect

from consent.models import Consent
from journal.models import JournalEntry
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.consent.helpers import pdf_bytes
from tests.factories import PASSWORD, CareUnitFactory, register_patient, staff_at


def test_oral_consent_written_consent_revoke_and_history(page, tmp_path):
    unit = CareUnitFactory(name="Vårdcentralen Åsen")
    coordinator = staff_at(
        unit,
        username="kerstin",
        first_name="Kerstin",
        last_name="Lindqvist",
        profession="rehabkoordinator",
    )
    patient = register_patient(unit, coordinator, first_name="Per", last_name="Öberg")
    scan = tmp_path / "underskriven.pdf"
    scan.write_bytes(pdf_bytes())

    login(page, "kerstin", PASSWORD)
    page.goto(f"/patienter/{patient.pk}/")
    section = page.locator("#samtycken")
    expect(section).to_contain_text("Inga samtycken registrerade")

    # An oral consent to MBT, in a few fields.
    section.get_by_text("Registrera samtycke", exact=True).click()
    section.get_by_label("Samtycket gäller").select_option(
        label="Diskussion i medicinskt bedömningsteam (MBT)"
    )
    section.get_by_label("Muntligt", exact=True).check()
    section.get_by_role("button", name="Registrera och journalför").click()
    expect(page.get_by_role("status")).to_contain_text("Samtycket är registrerat och journalfört")
    expect(section.locator(".coverage")).to_contain_text(
        "✓ Diskussion i medicinskt bedömningsteam (MBT)"
    )
    assert_accessible(page)

    # A written consent to koordineringsinsatser, with the signed form.
    section.get_by_text("Registrera samtycke", exact=True).click()
    section.get_by_label("Samtycket gäller").select_option(label="Koordineringsinsatser")
    section.get_by_label("Skriftligt", exact=True).check()
    section.get_by_label("Underskriven blankett (skriftligt samtycke)").set_input_files(str(scan))
    section.get_by_role("button", name="Registrera och journalför").click()
    expect(section.locator(".coverage")).to_contain_text("✓ Koordineringsinsatser")
    expect(section.get_by_role("link", name="Blankett")).to_have_count(1)
    assert Consent.objects.get(scope="koordinering").document_content_type == "application/pdf"

    # Revoke the oral one, confirming in the browser's dialog.
    mbt_row = section.locator("tr", has_text="Diskussion i medicinskt bedömningsteam")
    mbt_row.get_by_role("link", name="Återkalla").click()
    expect(page.get_by_role("heading", name="Återkalla samtycke")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Per telefon").check()
    page.get_by_label("Skäl eller kommentar").fill("Vill inte att ärendet tas upp i MBT.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Återkalla samtycket").click()

    expect(page.get_by_role("status")).to_contain_text("Samtycket är återkallat och journalfört")
    section = page.locator("#samtycken")
    expect(section.locator(".coverage")).to_contain_text(
        "– Diskussion i medicinskt bedömningsteam (MBT)"
    )
    expect(section.get_by_role("alert")).to_contain_text("återkallades")
    history = section.get_by_role(
        "table", name="Givna, återkallade och utgångna samtycken vid enheten"
    )
    expect(history.get_by_text("Återkallat")).to_be_visible()
    expect(history.get_by_text("Giltigt")).to_be_visible()
    expect(page.locator("#journal")).to_contain_text("återkallades")
    assert JournalEntry.objects.filter(entry_type="samtycke").count() == 3
    screenshot(page, "consents")
    assert_accessible(page)

    # The unit's list of consents that end soon.
    page.goto("/samtycken/gar-ut/")
    expect(page.get_by_role("heading", name="Samtycken som går ut")).to_be_visible()
    assert_accessible(page)
    assert page.console_errors == []
