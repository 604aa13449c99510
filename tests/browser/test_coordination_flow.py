"""A coordinator starts koordineringsinsatser for a sick-listed patient, logs three activities
(one pointed out for a diagnosis code), informs Försäkringskassan, and finds the patient in the
follow-up list."""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Organisation, Profession
from consent import services as consent_services
from coordination import services
from coordination.models import Activity, Episode, FkInformation
from journal.models import JournalEntry
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.factories import (
    PASSWORD,
    CareUnitFactory,
    OrganisationFactory,
    actor_for,
    register_patient,
    staff_at,
)


def test_coordinator_starts_logs_informs_and_follows_up(page):
    unit = CareUnitFactory(name="Vårdcentralen Åsen")
    coordinator = staff_at(
        unit,
        username="kerstin",
        first_name="Kerstin",
        last_name="Lindqvist",
        profession=Profession.REHABKOORDINATOR,
    )
    staff_at(unit, first_name="Erik", last_name="Johansson", profession=Profession.LAKARE)
    OrganisationFactory(name="Åsens Bygg AB", kind=Organisation.Kind.ARBETSGIVARE)
    patient = register_patient(unit, coordinator, first_name="Sofia", last_name="Ängström")
    actor = actor_for(coordinator, unit)
    today = timezone.localdate()
    services.sick_leave_add(
        actor=actor,
        patient=patient,
        start_date=today - datetime.timedelta(days=80),
        end_date=today + datetime.timedelta(days=30),
        extent=100,
        occupation="anstalld",
    )
    for scope in ("koordinering", "fk_information"):
        consent_services.consent_give(
            actor=actor,
            patient=patient,
            scope=scope,
            form="muntligt",
            given_on=today - datetime.timedelta(days=10),
        )

    login(page, "kerstin", PASSWORD)
    page.goto(f"/patienter/{patient.pk}/")
    section = page.locator("#koordinering")
    expect(section).to_contain_text("dag 81")
    expect(section).to_contain_text("Dag 90")
    section.get_by_role("link", name="Starta koordineringsinsatser").click()

    page.get_by_label("Behov av stöd").fill("Stöd inför samtal med chefen om anpassade uppgifter.")
    page.get_by_label("Medicinsk bedömning gjord av").select_option(label="Erik Johansson, läkare")
    page.get_by_label("Bedömningen gjordes").fill((today - datetime.timedelta(days=3)).isoformat())
    page.get_by_label("Arbetsgivare", exact=True).fill("Åsens Bygg AB")
    assert_accessible(page)
    page.get_by_role("button", name="Starta och journalför").click()
    expect(page.get_by_role("heading", name="Pågående koordineringsinsatser")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("påbörjade och journalförda")

    activities = page.locator("#insatser")

    def open_form():
        details = activities.locator("details.note-form")
        if not details.evaluate("d => d.open"):
            details.locator("summary").click()

    def log(kind: str, note: str, *, contact: bool = True):
        open_form()
        activities.get_by_label(kind).check()
        activities.get_by_label("Vad gjordes").fill(note)
        activities.get_by_label("Med patientkontakt" if contact else "Utan patientkontakt").check()
        activities.get_by_role("button", name="Spara och journalför").click()

    log("Personligt stöd", "Samtal om förväntningar och oro inför återgången.")
    expect(activities.get_by_role("table")).to_contain_text("Samtal om förväntningar")

    # A diagnosis code is pointed out while typing, and again on saving; nothing is lost.
    open_form()
    activities.get_by_label("Intern samordning").check()
    activities.get_by_label("Utan patientkontakt").check()
    activities.get_by_label("Vad gjordes").fill("Stämde av M54.5 med fysioterapeuten")
    expect(activities.locator(".diagnosis-live")).to_contain_text("M54.5")
    activities.get_by_role("button", name="Spara och journalför").click()
    expect(activities.locator(".errorlist")).to_contain_text("liknar en diagnoskod")
    expect(activities.get_by_label("Intern samordning")).to_be_checked()
    activities.get_by_label("Vad gjordes").fill("Stämde av träningsupplägget med fysioterapeuten.")
    activities.get_by_role("button", name="Spara och journalför").click()
    expect(activities.get_by_role("table")).to_contain_text("Intern samordning")

    log("Personligt stöd", "Uppföljning per telefon: första veckan har gått bra.")
    expect(activities.get_by_role("table")).to_contain_text("3 insatser")
    assert Activity.objects.count() == 3
    assert JournalEntry.objects.filter(kva_codes__contains=["GC001"]).count() == 3

    # The return-to-work plan, journalled with DV077.
    page.get_by_role("link", name="Upprätta plan").click()
    page.get_by_label("Mål").fill("Tillbaka på heltid efter nyår.")
    page.get_by_label("Från och med (steg 1)").fill(
        (today + datetime.timedelta(days=7)).isoformat()
    )
    page.get_by_label("Arbetar (steg 1)").select_option("50")
    page.get_by_label("Från och med (steg 2)").fill(
        (today + datetime.timedelta(days=35)).isoformat()
    )
    page.get_by_label("Arbetar (steg 2)").select_option("100")
    page.get_by_label("Planerad sjukskrivning").fill("50 % i fyra veckor, därefter friskskriven.")
    page.get_by_label("Arbetsgivaren").check()
    assert_accessible(page)
    page.get_by_role("button", name="Spara och journalför").click()
    plan = page.locator("#plan")
    expect(plan).to_contain_text("Version 1, upprättad")
    expect(plan).to_contain_text("arbetar 50 %")
    assert JournalEntry.objects.filter(kva_codes__contains=["DV077"]).count() == 1

    fk = page.locator("#fk")
    fk.get_by_text("Registrera information till Försäkringskassan").click()
    fk.get_by_label("Hur").select_option(label="Säker digital kommunikation")
    fk.get_by_label("Vad som lämnades").fill("Behov av arbetsträning med stegvis ökad arbetstid.")
    fk.get_by_role("button", name="Registrera och journalför").click()
    expect(fk.get_by_role("table")).to_contain_text("Behov av arbetsträning")
    assert FkInformation.objects.get().consent.scope == "fk_information"
    screenshot(page, "coordination-episode")
    assert_accessible(page)

    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Koordinering"
    ).click()
    expect(page.get_by_role("heading", name="Uppföljning av sjukskrivna")).to_be_visible()
    row = page.get_by_role("row", name="Sofia Ängström", exact=False)
    expect(row).to_contain_text("81")
    expect(row).to_contain_text("Aktiv")
    expect(row).to_contain_text("Kerstin Lindqvist")
    page.get_by_label("Status").select_option("uppfoljning")
    expect(page.get_by_text("Inga patienter i urvalet")).to_be_visible()
    page.get_by_label("Status").select_option("aktiv")
    expect(page.get_by_role("row", name="Sofia Ängström", exact=False)).to_be_visible()
    page.get_by_role("button", name="Dölj personnummer (skärmdelning)").click()
    expect(page.get_by_role("button", name="Avsluta skärmdelning")).to_be_visible()
    assert patient.formatted_identity not in page.content()
    screenshot(page, "coordination-follow-up")
    assert_accessible(page)
    assert Episode.objects.get().responsible == coordinator

    # The month's figures, for the region's reporting.
    page.get_by_role("link", name="Statistik").click()
    expect(page.locator(".tiles")).to_contain_text("insatser med GC001 (2 med patientkontakt)")
    expect(page.locator(".tiles")).to_contain_text("1 / 0")
    assert_accessible(page)
    assert page.console_errors == []
