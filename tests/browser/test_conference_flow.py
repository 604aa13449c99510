"""The chair runs a meeting of three cases (one postponed), closes it and prints the minutes;
the registrant signs the entry and records the feedback."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Profession, Role
from journal.models import AccessLog, EntryType, JournalEntry
from mbt import services
from mbt.models import CaseReferral, FeedbackTask, MbtRole, Meeting
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.factories import PASSWORD, CareUnitFactory, actor_for, register_patient, staff_at


def test_chair_runs_and_closes_the_meeting_and_the_registrant_gives_feedback(page):
    unit = CareUnitFactory(name="Vårdcentralen Åsen")
    chair = staff_at(
        unit,
        username="kerstin",
        first_name="Kerstin",
        last_name="Lindqvist",
        profession=Profession.REHABKOORDINATOR,
    )
    doctor = staff_at(
        unit,
        username="erik",
        first_name="Erik",
        last_name="Johansson",
        profession=Profession.LAKARE,
    )
    physio = staff_at(
        unit, first_name="Sara", last_name="Nilsson", profession=Profession.FYSIOTERAPEUT
    )
    counsellor = staff_at(unit, first_name="Johan", last_name="Berg", profession=Profession.KURATOR)
    admin = staff_at(
        unit,
        first_name="Maria",
        last_name="Ek",
        profession=Profession.VARDADMINISTRATOR,
        role=Role.ADMINISTRATION,
    )
    actor = actor_for(chair, unit)
    for user, role in (
        (chair, MbtRole.REHABKOORDINATOR),
        (doctor, MbtRole.LAKARE),
        (physio, MbtRole.FYSIOTERAPEUT),
        (counsellor, MbtRole.SAMTALSMOTTAGNING),
        (admin, MbtRole.VARDADMINISTRATOR),
    ):
        services.member_add_internal(actor=actor, user=user, role=role)
    team = services.team_for(unit)
    now = timezone.localtime()
    meeting = Meeting.objects.create(
        team=team, starts_at=now - datetime.timedelta(minutes=20), chair=chair
    )
    Meeting.objects.create(team=team, starts_at=now + datetime.timedelta(days=14), chair=chair)
    names = ["Anna Andersson", "Bo Berg", "Cecilia Carlsson"]
    for position, name in enumerate(names, start=1):
        first, last = name.split()
        patient = register_patient(unit, doctor, first_name=first, last_name=last)
        CaseReferral.objects.create(
            unit=unit,
            meeting=meeting,
            patient=patient,
            registrant=doctor,
            question=f"Fråga om {first}",
            position=position,
        )

    login(page, "kerstin", PASSWORD)
    page.goto(f"/mbt/moten/{meeting.pk}/")
    page.get_by_role("link", name="Led mötet").click()
    expect(page.get_by_role("heading", name="Närvaro")).to_be_visible()
    assert_accessible(page)
    # Sara joins digitally.
    page.get_by_role("button", name="Sara Nilsson: Digitalt").click()
    expect(page.get_by_role("button", name="Sara Nilsson: Digitalt")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Case 1: typed summary is autosaved, outcome ticked.
    first = page.locator("section.conference-case").nth(0)
    first.get_by_label("Sammanfattning av diskussionen").fill(
        "Smärtproblematik, motiverad till träning."
    )
    expect(first.locator(".save-status")).to_contain_text("Sparat", timeout=10_000)
    first.get_by_label("Insats av fysioterapeut").check()
    expect(first.locator(".save-status")).to_contain_text("Sparat")
    first.get_by_label("Vad").fill("Boka fysioterapeut")
    first.get_by_label("Klart senast").fill(
        (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    )
    first.get_by_role("button", name="Lägg till åtgärd").click()
    expect(page.locator("section.conference-case").nth(0)).to_contain_text("Boka fysioterapeut")

    # Case 2: a referral.
    second = page.locator("section.conference-case").nth(1)
    second.get_by_label("Remiss till Smärtcentrum").check()
    expect(second.locator(".save-status")).to_contain_text("Sparat")

    # Case 3: postponed.
    third = page.locator("section.conference-case").nth(2)
    third.get_by_text("Bordlägg till nästa möte").click()
    third.get_by_label("Skäl").fill("Väntar på röntgensvar")
    page.once("dialog", lambda dialog: dialog.accept())
    third.get_by_role("button", name="Bordlägg").click()
    expect(page.locator("#messages")).to_contain_text("är bordlagt till mötet")
    expect(page.locator("section.conference-case")).to_have_count(2)
    screenshot(page, "conference")
    assert_accessible(page)

    # Close.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Avsluta mötet").click()
    expect(page.get_by_role("heading", name="Protokoll, MBT", exact=False)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Mötet är avslutat")
    assert FeedbackTask.objects.count() == 2
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Skriv ut protokoll").click()
    reader = PdfReader(io.BytesIO(download_info.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Protokoll" in text and "Anna Andersson" in text and "Bo Berg" in text
    assert "Bordlagda ärenden" in text and "Väntar på röntgensvar" in text
    assert "Sara Nilsson (fysioterapeut): digitalt" in text
    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()

    # The registrant signs the entry and records the feedback.
    login(page, "erik", PASSWORD)
    tasks = page.get_by_role("region", name="Att göra")
    tasks.get_by_role("link", name="Återkoppla till Anna Andersson").click()
    expect(page.get_by_role("heading", name="Återkoppla och journalför").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Telefon").check()
    page.get_by_label("Vad patienten fick veta").fill("Informerad om remiss till fysioterapeut.")
    page.get_by_role("button", name="Signera och journalför").click()
    expect(page.get_by_role("status")).to_contain_text("Återkopplingen är journalförd")
    done = FeedbackTask.objects.get(case__patient__first_name="Anna")
    assert done.done_at and done.conference_entry.is_signed
    assert (
        JournalEntry.objects.filter(entry_type=EntryType.ATERKOPPLING, author=doctor).count() == 1
    )
    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()

    # The coordinator follows up the routine: one meeting held, both discussed cases' feedback
    # is due in a week, one given in time.
    login(page, "kerstin", PASSWORD)
    page.goto("/mbt/")
    page.get_by_role("link", name="Kvalitetsindikatorer").click()
    expect(page.get_by_role("heading", name="Kvalitetsindikatorer för MBT")).to_be_visible()
    tiles = page.locator(".tiles")
    expect(tiles).to_contain_text("1 / 1")
    expect(tiles).to_contain_text("återkoppling i tid (1 av 1)")
    expect(page.get_by_role("img", name="Möten Enligt planen", exact=False)).to_be_visible()
    screenshot(page, "indicators")
    assert_accessible(page)
    assert page.console_errors == []


def test_after_a_logout_the_conference_page_hides_and_saves_only_as_its_own_user(page):
    """The chair's page is left with unsaved text when the chair is logged out. The page hides
    the patients and keeps the text in memory only; a colleague who logs in in the same browser
    saves nothing and reads nothing through it; the chair's own new login saves the text."""
    from mbt.models import Discussion

    unit = CareUnitFactory(name="Vårdcentralen Åsen")
    chair = staff_at(
        unit,
        username="kerstin",
        first_name="Kerstin",
        last_name="Lindqvist",
        profession=Profession.REHABKOORDINATOR,
    )
    colleague = staff_at(
        unit,
        username="maria",
        first_name="Maria",
        last_name="Ek",
        profession=Profession.VARDADMINISTRATOR,
        role=Role.ADMINISTRATION,
    )
    team = services.team_for(unit)
    now = timezone.localtime()
    meeting = Meeting.objects.create(
        team=team, starts_at=now - datetime.timedelta(minutes=20), chair=chair
    )
    Meeting.objects.create(team=team, starts_at=now + datetime.timedelta(days=14), chair=chair)
    patient = register_patient(unit, chair, first_name="Anna", last_name="Andersson")
    case = CaseReferral.objects.create(
        unit=unit,
        meeting=meeting,
        patient=patient,
        registrant=chair,
        question="Fråga?",
        position=1,
    )

    page.clock.install()
    login(page, "kerstin", PASSWORD)
    page.goto(f"/mbt/moten/{meeting.pk}/konferens/")
    expect(page.locator("main")).to_contain_text("Anna Andersson")
    other_tab = page.context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("banner").get_by_role("button", name="Logga ut").click()
    expect(other_tab.get_by_label("Användarnamn")).to_be_visible()

    text = "Diskuterat: arbetsträning på halvtid"
    page.get_by_label("Sammanfattning av diskussionen").fill(text)
    page.get_by_role("button", name="Spara nu").click()
    expect(page.get_by_role("heading", name="Du är utloggad")).to_be_visible()
    visible = page.evaluate("() => document.body.innerText")
    assert "Anna Andersson" not in visible and "Andersson" not in page.content()
    assert "Logga in igen som Kerstin Lindqvist" in visible
    stored = page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    assert text not in stored and "Andersson" not in stored
    assert page.evaluate("() => document.querySelectorAll('main textarea').length") == 0
    assert_accessible(page)

    # A colleague who could chair logs in in the other tab: the locked page neither saves nor
    # reads, however long it is left.
    login(other_tab, "maria", PASSWORD)
    logged_before = AccessLog.objects.filter(user=colleague, patient=patient).count()
    page.clock.fast_forward("01:00")
    page.get_by_role("button", name="Jag har loggat in – spara texten").click()
    expect(page.locator("#locked-status")).to_contain_text("En annan användare är inloggad")
    page.clock.fast_forward("01:00")
    page.wait_for_timeout(500)
    assert not Discussion.objects.filter(case=case).exists()
    assert AccessLog.objects.filter(user=colleague, patient=patient).count() == logged_before
    assert "Anna Andersson" not in page.evaluate("() => document.body.innerText")

    # The chair logs in again: the page comes back and the text is saved as the chair's.
    other_tab.get_by_role("banner").get_by_role("button", name="Logga ut").click()
    login(other_tab, "kerstin", PASSWORD)
    page.get_by_role("button", name="Jag har loggat in – spara texten").click()
    expect(page.locator("main")).to_contain_text("Anna Andersson")
    expect(page.locator(".save-status")).to_contain_text("Sparat")
    saved = Discussion.objects.get(case=case)
    assert saved.summary == text and saved.saved_by == chair
    assert page.get_by_label("Sammanfattning av diskussionen").input_value() == text
    assert_accessible(page)
