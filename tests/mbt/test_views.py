"""MBT pages: another unit's team is invisible, the agenda's htmx partial and query count, the
agenda PDFs read back, calendar files and the feed, reminders."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from accounts.models import Role
from consent import services as consent_services
from journal.models import AccessLog
from mbt import services
from mbt.models import CaseReferral, MbtRole
from tests.factories import register_patient, staff_at
from tests.pdfs import printed_text

pytestmark = pytest.mark.django_db


def register(actor, patient, meeting, question="Behövs fysioterapi?"):
    return services.case_register(actor=actor, patient=patient, meeting=meeting, question=question)


def test_index_team_and_meeting_pages(coordinator_client, meeting, team):
    assert coordinator_client.get("/mbt/").status_code == 200
    team_page = coordinator_client.get("/mbt/team/").content.decode()
    assert "Alla obligatoriska roller finns i teamet" in team_page
    assert coordinator_client.get(f"/mbt/moten/{meeting.pk}/").status_code == 200


def test_another_units_team_meetings_and_cases_are_404(client, meeting, actor, unit, other_unit):
    patient = register_patient(unit, actor.user, first_name="Hemlig")
    case = register(actor, patient, meeting)
    client.force_login(staff_at(other_unit))
    for url in (
        f"/mbt/moten/{meeting.pk}/",
        f"/mbt/moten/{meeting.pk}/dagordning.pdf",
        f"/mbt/moten/{meeting.pk}/kalender.ics",
        f"/mbt/arenden/{case.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Hemlig" not in response.content.decode(errors="ignore")
    assert client.post(f"/mbt/arenden/{case.pk}/forberedd/").status_code == 404
    denied = AccessLog.objects.filter(action="denied")
    assert denied.filter(patient=patient).count() == 2
    # The other unit's own MBT page shows its own (empty) team.
    assert "Hemlig" not in client.get("/mbt/").content.decode()


def test_agenda_htmx_partial_and_reorder(coordinator_client, actor, meeting, unit):
    cases = [register(actor, register_patient(unit, actor.user), meeting) for _ in range(2)]
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver/mbt/moten/{meeting.pk}/"}
    response = coordinator_client.post(f"/mbt/arenden/{cases[1].pk}/flytta/upp/", headers=headers)
    content = response.content.decode()
    assert response.status_code == 200 and content.lstrip().startswith('<div id="messages"')
    assert f'data-focus-id="upp-{cases[1].pk}"' in content and "<html" not in content
    assert CaseReferral.objects.get(pk=cases[1].pk).position == 1
    assert (
        coordinator_client.post(f"/mbt/arenden/{cases[1].pk}/flytta/sidledes/").status_code == 404
    )


def test_only_chair_or_planner_reorders(client, actor, meeting, unit):
    case = register(actor, register_patient(unit, actor.user), meeting)
    nurse = staff_at(unit)
    client.force_login(nurse)
    assert client.post(f"/mbt/arenden/{case.pk}/flytta/upp/").status_code == 403
    # But anyone may mark themselves prepared.
    assert client.post(f"/mbt/arenden/{case.pk}/forberedd/").status_code == 302


def test_agenda_logs_every_patient_and_has_flat_query_count(
    coordinator_client, actor, meeting, unit
):
    coordinator_client.get(f"/mbt/moten/{meeting.pk}/")

    def count(n):
        for _ in range(n):
            case = register(actor, register_patient(unit, actor.user), meeting)
            services.preparation_toggle(actor=actor, case=case)
        with CaptureQueriesContext(connection) as ctx:
            coordinator_client.get(f"/mbt/moten/{meeting.pk}/")
        return len(ctx)

    assert count(3) == count(17)
    rows = AccessLog.objects.filter(what="MBT-dagordning", user=actor.user)
    assert rows.values("patient").distinct().count() == 20


def test_register_page_by_personnummer(coordinator_client, actor, meeting, unit):
    patient = register_patient(unit, actor.user, first_name="Vera", last_name="Viss")
    data = {
        "identity": patient.formatted_identity,
        "meeting": meeting.pk,
        "question": "Är multimodal rehabilitering aktuell?",
        "wanted_roles": ["lakare"],
        "late_choice": "next",
    }
    # Not saved on a number alone: the page first shows whose number it is.
    shown = coordinator_client.post("/mbt/anmal/", data)
    content = shown.content.decode()
    assert shown.status_code == 200 and not CaseReferral.objects.exists()
    assert f"Vera Viss</strong>, född {patient.birth_date.year}" in content
    assert "Kontrollera att det är rätt patient" in content
    assert f'name="confirmed" value="{patient.pk}"' in content
    response = coordinator_client.post(
        "/mbt/anmal/", {**data, "confirmed": patient.pk}, follow=True
    )
    assert "anmält till mötet" in response.content.decode()
    assert CaseReferral.objects.get().patient == patient


def test_a_confirmed_patient_is_not_taken_for_another_number(
    coordinator_client, actor, meeting, unit
):
    shown, other = register_patient(unit, actor.user), register_patient(unit, actor.user)
    response = coordinator_client.post(
        "/mbt/anmal/",
        {
            "identity": other.formatted_identity,  # changed after the first was shown
            "confirmed": shown.pk,
            "meeting": meeting.pk,
            "question": "Fråga",
            "late_choice": "next",
        },
    )
    assert response.status_code == 200 and not CaseReferral.objects.exists()
    assert f'name="confirmed" value="{other.pk}"' in response.content.decode()


def test_the_lookup_shows_the_units_patient_and_logs_it(
    coordinator_client, actor, unit, other_unit
):
    patient = register_patient(unit, actor.user, first_name="Vera", last_name="Viss")
    elsewhere = register_patient(other_unit, first_name="Annan", last_name="Enhet")

    def lookup(text):
        response = coordinator_client.post(
            "/mbt/anmal/patient/", {"identity": text}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200 and "<html" not in response.content.decode()
        return response.content.decode()

    found = lookup(patient.formatted_identity.replace("-", ""))
    assert f"Vera Viss</strong>, född {patient.birth_date.year}" in found
    assert patient.identity_number not in found and patient.formatted_identity not in found
    searched = AccessLog.objects.filter(user=actor.user, patient=patient, action="search")
    assert searched.count() == 1
    # Another unit's patient is not found here, and not logged.
    missing = lookup(elsewhere.formatted_identity)
    assert "Annan" not in missing and "Ingen patient med det numret" in missing
    assert "Registrera patienten" in missing
    assert not AccessLog.objects.filter(patient=elsewhere, user=actor.user).exists()
    # An invalid number is called invalid, with the reason and no digit proposed.
    wrong = patient.identity_number[:11] + str((int(patient.identity_number[11]) + 1) % 10)
    invalid = lookup(wrong)
    assert "Numret är inte giltigt" in invalid and "Kontrollsiffran" in invalid
    assert "borde vara" not in invalid
    assert "inget giltigt datum" in lookup("19850230-1234")
    assert lookup("198501").strip() == ""  # still typing: nothing to say yet
    assert coordinator_client.get("/mbt/anmal/patient/").status_code == 405


def test_register_page_bad_input_keeps_what_was_typed(coordinator_client, meeting):
    response = coordinator_client.post(
        "/mbt/anmal/",
        {
            "identity": "19121212-1212",
            "meeting": meeting.pk,
            "question": "",
            "background": "Min text",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Skriv frågeställningen" in content and "Min text" in content
    unknown = coordinator_client.post(
        "/mbt/anmal/",
        {
            "identity": "19121212-1212",
            "meeting": meeting.pk,
            "question": "X",
            "late_choice": "next",
        },
    )
    assert "Ingen patient med det numret" in unknown.content.decode()


def test_registration_waiting_for_consent_says_why(coordinator_client, actor, meeting, unit, fk):
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    patient = register_patient(unit, actor.user)
    response = coordinator_client.post(
        f"/mbt/anmal/?patient={patient.pk}",
        {"patient": patient.pk, "meeting": meeting.pk, "question": "X", "late_choice": "next"},
        follow=True,
    )
    content = response.content.decode()
    assert "väntar på samtycke" in content
    case = CaseReferral.objects.get()
    assert f"/mbt/arenden/{case.pk}/samtycke/" in content


# --- The agenda PDFs ----------------------------------------------------------------------------


def test_internal_and_external_agenda(
    coordinator_client, actor, meeting, unit, fk, production_static
):
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    with_consent = register_patient(unit, actor.user, first_name="Med", last_name="Samtycke")
    consent_services.consent_give(
        actor=actor,
        patient=with_consent,
        scope="mbt",
        form="muntligt",
        given_on=timezone.localdate(),
    )
    without = register_patient(unit, actor.user, first_name="Utan", last_name="Samtycke")
    register(actor, with_consent, meeting, question="Fråga ett")
    services.case_register(
        actor=actor,
        patient=without,
        meeting=meeting,
        question="Fråga två",
        background="Känslig bakgrund",
    )
    internal = coordinator_client.get(f"/mbt/moten/{meeting.pk}/dagordning.pdf")
    text = printed_text(internal)
    assert "Omfattas av sekretess" in text and "Med Samtycke" in text
    assert with_consent.formatted_identity in text
    assert "Utan Samtycke" not in text  # waits for consent: not on the agenda

    external = coordinator_client.get(f"/mbt/moten/{meeting.pk}/dagordning.pdf?version=extern")
    text = printed_text(external)
    assert "Med Samtycke" in text and f"född {with_consent.birth_date.year}" in text
    assert with_consent.identity_number[8:] not in text.replace(" ", "")
    assert with_consent.formatted_identity not in text
    assert "Utan Samtycke" not in text and "Känslig bakgrund" not in text
    assert "externa deltagare" in text
    reader = PdfReader(io.BytesIO(external.content))
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    prints = AccessLog.objects.filter(action="print")
    assert prints.filter(patient=with_consent).count() == 2
    assert not prints.filter(patient=without).exists()


def test_external_agenda_without_any_consent_is_empty(
    coordinator_client, actor, meeting, unit, fk, production_static
):
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    # A case that needs no consent internally (same vårdgivare) still is not shown externally.
    services.member_end(actor=actor, member=services.team_for(unit).members.get(name="Helena"))
    patient = register_patient(unit, actor.user, first_name="Intern", last_name="Bara")
    register(actor, patient, meeting)
    text = printed_text(
        coordinator_client.get(f"/mbt/moten/{meeting.pk}/dagordning.pdf?version=extern")
    )
    assert "Intern Bara" not in text and "Inga ärenden" in text


# --- Calendar -----------------------------------------------------------------------------------


def test_meeting_ics_is_valid_and_holds_no_patient_data(coordinator_client, actor, meeting, unit):
    patient = register_patient(unit, actor.user, first_name="Kalender", last_name="Patientsson")
    register(actor, patient, meeting)
    response = coordinator_client.get(f"/mbt/moten/{meeting.pk}/kalender.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == meeting.starts_at
    assert str(event["summary"]) == f"MBT – {unit.name}"
    body = response.content.decode()
    assert "Patientsson" not in body and patient.identity_number not in body
    assert "Behövs fysioterapi" not in body


def test_personal_feed_with_secret_token_and_revocation(
    coordinator_client, actor, meeting, team, settings
):
    page = coordinator_client.post("/mbt/kalender/", {"action": "renew"}).content.decode()
    url = page.split('<textarea id="feed-url" readonly rows="2">')[1].split("</textarea>")[0]
    assert url.startswith(settings.SITE_URL)
    path = url.removeprefix(settings.SITE_URL.rstrip("/"))
    from django.test import Client

    anonymous = Client()
    feed = anonymous.get(path)
    assert feed.status_code == 200
    events = list(Calendar.from_ical(feed.content).walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [meeting.starts_at]
    coordinator_client.post("/mbt/kalender/", {"action": "revoke"})
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/mbt/kalender/gissat-token.ics").status_code == 404


def test_manager_and_admin_can_plan_but_a_nurse_cannot(client, unit):
    nurse = staff_at(unit)
    client.force_login(nurse)
    assert client.get("/mbt/serie/ny/").status_code == 403
    admin = staff_at(unit, role=Role.ADMINISTRATION)
    client.force_login(admin)
    assert client.get("/mbt/serie/ny/").status_code == 200


# --- The consent detour ---------------------------------------------------------------------------


@pytest.fixture
def waiting_case(actor, meeting, unit, fk):
    """A case waiting for consent: Försäkringskassan takes part."""
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    patient = register_patient(unit, actor.user, first_name="Väntar")
    return register(actor, patient, meeting)


def test_the_consent_detour_returns_to_the_case(coordinator_client, actor, waiting_case, unit):
    case = waiting_case
    page = coordinator_client.get(f"/mbt/arenden/{case.pk}/").content.decode()
    assert f'href="/mbt/arenden/{case.pk}/samtycke/"' in page
    form = coordinator_client.get(f"/mbt/arenden/{case.pk}/samtycke/").content.decode()
    assert '<option value="mbt" selected>' in form
    assert "Samtycke behövs eftersom Försäkringskassan" in form
    assert f'href="/mbt/arenden/{case.pk}/"' in form  # the way back without saving
    response = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/samtycke/",
        {
            "_active_unit": unit.pk,
            "samtycke-scope": "mbt",
            "samtycke-form": "muntligt",
            "samtycke-given_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/mbt/arenden/{case.pk}/"
    content = response.content.decode()
    when = timezone.localtime(case.meeting.starts_at).strftime("%Y-%m-%d")
    assert "Samtycket är registrerat och journalfört." in content
    assert f"Ärendet står på dagordningen till mötet {when}." in content
    assert case.patient.consents.get().recorded_by == actor.user


def test_a_consent_that_ends_before_the_meeting_says_the_case_still_waits(
    coordinator_client, waiting_case, unit
):
    case = waiting_case
    response = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/samtycke/",
        {
            "_active_unit": unit.pk,
            "samtycke-scope": "mbt",
            "samtycke-form": "muntligt",
            "samtycke-given_on": timezone.localdate().isoformat(),
            "samtycke-valid_until": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    content = response.content.decode()
    assert "Samtycket är registrerat och journalfört." in content
    # Given today, ending before the meeting: the case cannot be taken up, and says why.
    assert "gällde till och med" in content
    assert "Ärendet står på dagordningen" not in content


def test_the_consent_detour_keeps_bad_input_and_refuses_another_unit(
    client, coordinator_client, waiting_case, unit, other_unit
):
    case = waiting_case
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/samtycke/",
        {
            "_active_unit": unit.pk,
            "samtycke-scope": "mbt",
            "samtycke-form": "muntligt",
            "samtycke-given_on": tomorrow,
            "samtycke-note": "Min anteckning",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "kan inte ligga i framtiden" in content and "Min anteckning" in content
    assert not case.patient.consents.exists()
    client.force_login(staff_at(other_unit))
    assert client.get(f"/mbt/arenden/{case.pk}/samtycke/").status_code == 404
    assert AccessLog.objects.filter(action="denied", patient=case.patient).exists()
