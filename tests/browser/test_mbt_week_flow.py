"""An MBT week without surprises: the patient shown before a case is registered, the consent
detour and back; closing refused before the meeting has begun, on a screen shared with an
external participant; cases moved on when a meeting is closed or cancelled, and the registrant
told."""

from __future__ import annotations

import datetime

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Organisation, Profession
from consent import services as consent_services
from mbt import reminders, services
from mbt.models import CaseReferral, MbtRole, Meeting
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.factories import (
    PASSWORD,
    CareUnitFactory,
    OrganisationFactory,
    actor_for,
    register_patient,
    staff_at,
)
from tests.mbt.conftest import working_day_ahead


def team_with_fk():
    """Kerstin coordinates, Erik registers; Försäkringskassan takes part, so consent matters."""
    unit = CareUnitFactory(name="Vårdcentralen Åsen")
    kerstin = staff_at(
        unit,
        username="kerstin",
        first_name="Kerstin",
        last_name="Lindqvist",
        profession=Profession.REHABKOORDINATOR,
    )
    erik = staff_at(
        unit,
        username="erik",
        first_name="Erik",
        last_name="Johansson",
        profession=Profession.LAKARE,
        email="erik@vc.invalid",
    )
    actor = actor_for(kerstin, unit)
    services.member_add_internal(actor=actor, user=kerstin, role=MbtRole.REHABKOORDINATOR)
    services.member_add_internal(actor=actor, user=erik, role=MbtRole.LAKARE)
    fk = OrganisationFactory(name="Försäkringskassan", kind=Organisation.Kind.FORSAKRINGSKASSAN)
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena Sund", email="", role=MbtRole.FK
    )
    return unit, kerstin, erik, services.team_for(unit)


def test_registration_shows_the_patient_and_the_consent_detour_returns(page):
    unit, kerstin, erik, team = team_with_fk()
    start = timezone.make_aware(datetime.datetime.combine(working_day_ahead(21), datetime.time(13)))
    Meeting.objects.create(team=team, starts_at=start, chair=kerstin)
    patient = register_patient(unit, erik, first_name="Per", last_name="Öberg")
    number = patient.formatted_identity

    login(page, "erik", PASSWORD)
    page.goto("/mbt/anmal/")
    field = page.get_by_label("Patientens personnummer")
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    field.fill(wrong)
    lookup = page.locator("#patient-lookup")
    expect(lookup).to_contain_text("Numret är inte giltigt")
    field.fill(number)
    expect(lookup).to_contain_text(f"Per Öberg, född {patient.birth_date.year}")
    assert not CaseReferral.objects.exists()
    assert_accessible(page)
    screenshot(page, "mbt-register-patient-shown")
    page.get_by_label("Frågeställning").fill("Arbetsträning eller fortsatt sjukskrivning?")
    page.get_by_role("button", name="Anmäl och journalför").click()
    status = page.locator("#case-status")
    expect(status).to_contain_text("Väntar på samtycke")
    expect(status).to_contain_text("Försäkringskassan")

    # The consent detour: the form with MBT chosen, then back to the case.
    status.get_by_role("link", name="Registrera samtycke").click()
    expect(page.get_by_label("Samtycket gäller")).to_have_value("mbt")
    assert_accessible(page)
    screenshot(page, "mbt-case-consent")
    page.get_by_label("Muntligt", exact=True).check()
    page.get_by_role("button", name="Registrera och journalför").click()
    expect(page.get_by_role("heading", name="MBT-ärende till mötet", exact=False)).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("Samtycket är registrerat och journalfört")
    expect(status).to_contain_text("Ärendet står på dagordningen")
    assert_accessible(page)
    screenshot(page, "mbt-case")
    assert page.console_errors == []


def test_closing_is_refused_before_the_start_and_the_shared_screen_hides(page):
    unit, kerstin, erik, team = team_with_fk()
    meeting = Meeting.objects.create(
        team=team, starts_at=timezone.now() + datetime.timedelta(hours=2), chair=kerstin
    )
    doctor = actor_for(erik, unit)
    shown = register_patient(unit, erik, first_name="Anna", last_name="Andersson")
    hidden = register_patient(unit, erik, first_name="Bo", last_name="Berg")
    consent_services.consent_give(
        actor=doctor, patient=shown, scope="mbt", form="muntligt", given_on=timezone.localdate()
    )
    for position, patient in enumerate((shown, hidden), start=1):
        CaseReferral.objects.create(
            unit=unit,
            meeting=meeting,
            patient=patient,
            registrant=erik,
            question="Fråga?",
            position=position,
        )

    login(page, "kerstin", PASSWORD)
    page.goto(f"/mbt/moten/{meeting.pk}/")
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Bo Berg")
    page.get_by_role("button", name="Dölj personnummer (skärmdelning)").click()
    expect(page.locator("#screen-sharing")).to_contain_text("Skärmdelning pågår")
    expect(agenda).to_contain_text(f"Anna Andersson född {shown.birth_date.year}")
    expect(agenda).to_contain_text("Ett ärende visas inte under skärmdelning")
    for patient in (shown, hidden):
        assert patient.formatted_identity not in page.content()
    assert "Bo Berg" not in page.content()
    assert_accessible(page)
    screenshot(page, "mbt-agenda-shared")

    page.get_by_role("link", name="Led mötet").click()
    expect(page.locator("section.conference-case")).to_have_count(1)
    assert "Bo Berg" not in page.content() and shown.formatted_identity not in page.content()
    close = page.locator("#close")
    expect(close.get_by_role("button", name="Avsluta mötet")).to_be_disabled()
    expect(close).to_contain_text("Mötet kan avslutas när det har börjat")
    assert_accessible(page)
    screenshot(page, "mbt-conference-shared-before-start")

    page.get_by_role("button", name="Avsluta skärmdelning").click()
    expect(page.locator("#close")).to_contain_text("Bo Berg")  # waits for consent
    assert page.console_errors == []


def test_cases_move_on_when_a_meeting_closes_or_is_cancelled_and_the_registrant_is_told(page):
    unit, kerstin, erik, team = team_with_fk()
    now = timezone.now()
    held = Meeting.objects.create(
        team=team, starts_at=now - datetime.timedelta(minutes=30), chair=kerstin
    )
    following = Meeting.objects.create(
        team=team, starts_at=now + datetime.timedelta(days=14), chair=kerstin
    )
    Meeting.objects.create(team=team, starts_at=now + datetime.timedelta(days=28), chair=kerstin)
    waiting = register_patient(unit, erik, first_name="Cecilia", last_name="Carlsson")
    CaseReferral.objects.create(
        unit=unit, meeting=held, patient=waiting, registrant=erik, question="Fråga?"
    )

    # Closing: the case waiting for consent moves to the next meeting.
    login(page, "kerstin", PASSWORD)
    page.goto(f"/mbt/moten/{held.pk}/konferens/")
    close = page.locator("#close")
    expect(close).to_contain_text("Ett ärende som inte tas upp flyttas till nästa möte")
    expect(close).to_contain_text("Cecilia Carlsson")
    page.once("dialog", lambda dialog: dialog.accept())
    close.get_by_role("button", name="Avsluta mötet").click()
    expect(page.locator("#messages")).to_contain_text("1 ärende som inte togs upp är flyttat")

    # Cancelling: the next meeting is cancelled, and the case moves on again.
    page.goto(f"/mbt/moten/{following.pk}/andra/")
    cancel = page.get_by_role("region", name="Ställ in mötet")
    expect(cancel).to_contain_text("Det anmälda ärendet flyttas till nästa möte")
    cancel.get_by_label("Skäl").fill("Läkaren på utbildning")
    screenshot(page, "mbt-meeting-cancel")
    page.once("dialog", lambda dialog: dialog.accept())
    cancel.get_by_role("button", name="Ställ in").click()
    expect(page.locator("#messages")).to_contain_text("1 ärende som inte togs upp är flyttat")
    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()

    # The registrant is told: by e-mail (a link, no patient) and on the start page.
    mail.outbox.clear()
    reminders.deliver()
    assert [m.to for m in mail.outbox] == [["erik@vc.invalid"], ["erik@vc.invalid"]]
    assert not any("Cecilia" in m.body or "Carlsson" in m.body for m in mail.outbox)
    login(page, "erik", PASSWORD)
    notice = page.get_by_role("region", name="Ett av dina ärenden har flyttats", exact=False)
    expect(notice).to_contain_text("Cecilia Carlsson")
    expect(notice).to_contain_text("ställdes in")
    expect(notice).to_contain_text("Väntar på samtycke")
    assert_accessible(page)
    screenshot(page, "start-cases-moved")
    notice.get_by_role("button", name="Uppfattat, dölj").click()
    expect(page.get_by_role("heading", name="Att göra")).to_be_visible()
    expect(notice).to_have_count(0)
    assert page.console_errors == []
