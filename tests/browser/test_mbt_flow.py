"""A clinician registers a case for MBT; the administrator prints the agenda."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Profession, Role
from mbt.models import CaseReferral
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.factories import PASSWORD, CareUnitFactory, register_patient, staff_at
from tests.mbt.conftest import working_day_ahead


def test_clinician_registers_a_case_and_the_administrator_prints_the_agenda(page):
    import datetime

    from mbt import services
    from mbt.models import MbtRole, Meeting
    from mbt.schedule import at_local
    from tests.factories import actor_for

    unit = CareUnitFactory(name="Vårdcentralen Åsen")
    coordinator = staff_at(
        unit, first_name="Kerstin", last_name="Lindqvist", profession=Profession.REHABKOORDINATOR
    )
    doctor = staff_at(
        unit,
        username="erik",
        first_name="Erik",
        last_name="Johansson",
        profession=Profession.LAKARE,
    )
    admin = staff_at(
        unit,
        username="maria",
        first_name="Maria",
        last_name="Ek",
        profession=Profession.VARDADMINISTRATOR,
        role=Role.ADMINISTRATION,
    )
    actor = actor_for(coordinator, unit)
    for user, role in (
        (coordinator, MbtRole.REHABKOORDINATOR),
        (doctor, MbtRole.LAKARE),
        (admin, MbtRole.VARDADMINISTRATOR),
    ):
        services.member_add_internal(actor=actor, user=user, role=role)
    team = services.team_for(unit)
    meeting = Meeting.objects.create(
        team=team,
        starts_at=at_local(working_day_ahead(14), datetime.time(13, 0)),
        chair=coordinator,
    )
    patient = register_patient(unit, doctor, first_name="Per", last_name="Öberg")

    # The doctor registers from the patient page.
    login(page, "erik", PASSWORD)
    page.goto(f"/patienter/{patient.pk}/")
    page.locator("#mbt").get_by_role("link", name="Anmäl till MBT").click()
    expect(page.get_by_role("heading", name="Anmäl ärende till MBT")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Anmäl och journalför").click()
    expect(page.get_by_text("Skriv frågeställningen")).to_be_visible()
    page.get_by_label("Frågeställning").fill("Är multimodal rehabilitering aktuell?")
    page.get_by_label("Kort bakgrund").fill("Sjukskriven 50 % sedan september.")
    page.get_by_label("Fysioterapeut").check()
    page.get_by_role("button", name="Anmäl och journalför").click()
    expect(page.get_by_role("status")).to_contain_text("anmält till mötet")
    case = CaseReferral.objects.get()
    assert case.meeting == meeting and case.registrant == doctor
    assert_accessible(page)

    # On the agenda, marked prepared.
    page.get_by_role("link", name="Till mötet").click()
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Är multimodal rehabilitering aktuell?")
    agenda.get_by_role("button", name="Markera förberedd").click()
    expect(agenda.get_by_role("button", name="Förberedd ✓")).to_be_focused()
    assert_accessible(page)
    screenshot(page, "mbt-agenda")
    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()

    # The administrator prints the agenda.
    login(page, "maria", PASSWORD)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="MBT").click()
    page.locator(".meeting-list").get_by_role("link").first.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Skriv ut dagordning").click()
    download = download_info.value
    reader = PdfReader(io.BytesIO(download.path().read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Dagordning" in text and "Per Öberg" in text and "Omfattas av sekretess" in text
    assert "Erik Johansson" in text
    assert page.console_errors == []
