"""Screen-sharing mode: a switch for the session in the header. While on, no page shows a
personnummer (name and year of birth instead), and the agenda and the conference show only the
cases the external participants' agenda shows, the others as a count."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consent import services as consent_services
from journal.models import AccessLog
from mbt import services
from mbt.models import CaseReferral, MbtRole, Meeting
from tests.factories import register_patient

pytestmark = pytest.mark.django_db


def guard(unit):
    return {"_active_unit": unit.pk}


def share(client, unit, on=True, next_url="/"):
    return client.post(
        "/skarmdelning/", {**guard(unit), "on": "1" if on else "0", "next": next_url}
    )


@pytest.fixture
def shared_meeting(actor, team, unit, fk):
    """A meeting under way with Försäkringskassan taking part: one case with consent, one
    without, one late."""
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena Sund", email="", role=MbtRole.FK
    )
    meeting = Meeting.objects.create(
        team=team, starts_at=timezone.now() - datetime.timedelta(minutes=5), chair=actor.user
    )
    Meeting.objects.create(
        team=team, starts_at=timezone.now() + datetime.timedelta(days=14), chair=actor.user
    )
    patients = {
        name: register_patient(unit, actor.user, first_name=name, last_name="Testsson")
        for name in ("Samtyckt", "Osamtyckt", "Sen")
    }
    consent_services.consent_give(
        actor=actor,
        patient=patients["Samtyckt"],
        scope="mbt",
        form="muntligt",
        given_on=timezone.localdate(),
    )
    for position, (name, patient) in enumerate(patients.items(), start=1):
        CaseReferral.objects.create(
            unit=unit,
            meeting=meeting,
            patient=patient,
            registrant=actor.user,
            question=f"Fråga om {name}",
            position=position,
            state=CaseReferral.State.LATE if name == "Sen" else CaseReferral.State.REGISTERED,
        )
    return meeting, patients


def test_the_switch_is_for_the_session_and_returns_to_the_page(coordinator_client, unit):
    off = coordinator_client.get("/").content.decode()
    assert "Dölj personnummer (skärmdelning)" in off and "Skärmdelning pågår" not in off
    response = share(coordinator_client, unit, next_url="/mbt/")
    assert response.status_code == 302 and response.url == "/mbt/"
    on = coordinator_client.get("/mbt/").content.decode()
    assert "Skärmdelning pågår" in on and "Avsluta skärmdelning" in on
    assert "Dölj personnummer (skärmdelning)" not in on
    # Only a path on this site: anything else goes to the start page.
    for elsewhere in ("https://example.org/", "//example.org/x", "javascript:alert(1)"):
        assert share(coordinator_client, unit, next_url=elsewhere).url == "/"
    assert share(coordinator_client, unit, on=False).status_code == 302
    assert "Skärmdelning pågår" not in coordinator_client.get("/").content.decode()
    assert coordinator_client.get("/skarmdelning/").status_code == 405


def test_no_page_shows_a_personnummer(coordinator_client, actor, unit, shared_meeting):
    meeting, patients = shared_meeting
    patient = patients["Samtyckt"]
    share(coordinator_client, unit)
    pages = {
        "patient": coordinator_client.get(f"/patienter/{patient.pk}/"),
        "search": coordinator_client.post("/patienter/", {**guard(unit), "q": "Testsson"}),
        "agenda": coordinator_client.get(f"/mbt/moten/{meeting.pk}/"),
        "conference": coordinator_client.get(f"/mbt/moten/{meeting.pk}/konferens/"),
        "case": coordinator_client.get(f"/mbt/arenden/{CaseReferral.objects.first().pk}/"),
        "consents": coordinator_client.get("/samtycken/gar-ut/"),
        "start": coordinator_client.get("/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        body = response.content.decode()
        for someone in patients.values():
            assert someone.formatted_identity not in body, name
            assert someone.identity_number not in body, name
    assert f"född {patient.birth_date.year}" in pages["patient"].content.decode()
    assert f"född {patient.birth_date.year}" in pages["search"].content.decode()


def test_the_agenda_and_conference_show_only_what_the_external_agenda_shows(
    coordinator_client, actor, unit, shared_meeting
):
    meeting, patients = shared_meeting
    share(coordinator_client, unit)
    before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for url in (f"/mbt/moten/{meeting.pk}/", f"/mbt/moten/{meeting.pk}/konferens/"):
        body = coordinator_client.get(url).content.decode()
        assert "Samtyckt Testsson" in body, url
        assert "Osamtyckt" not in body and "Fråga om Sen" not in body, url
        assert "2 ärenden visas inte under skärmdelning" in body, url
    # Only the patient shown is logged as read.
    read = AccessLog.objects.filter(pk__gt=before, what="MBT-dagordning")
    assert set(read.values_list("patient", flat=True)) == {patients["Samtyckt"].pk}

    share(coordinator_client, unit, on=False)
    body = coordinator_client.get(f"/mbt/moten/{meeting.pk}/").content.decode()
    assert "Osamtyckt Testsson" in body and "Sen Testsson" in body
    assert "visas inte under skärmdelning" not in body


def test_an_htmx_answer_on_a_shared_screen_hides_the_same(
    coordinator_client, actor, unit, shared_meeting
):
    meeting, patients = shared_meeting
    share(coordinator_client, unit)
    case = CaseReferral.objects.get(patient=patients["Samtyckt"])
    response = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/forberedd/",
        guard(unit),
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "Samtyckt Testsson" in body and "Osamtyckt" not in body
    assert patients["Samtyckt"].formatted_identity not in body


def test_the_minutes_on_a_shared_screen_are_the_external_version(
    coordinator_client, actor, unit, shared_meeting
):
    meeting, patients = shared_meeting
    for case in CaseReferral.objects.filter(meeting=meeting).exclude(state="sen"):
        services.discussion_save(
            actor=actor, case=case, summary="Hemlig diskussion", outcomes=["lakare"], version=0
        )
    services.meeting_close(actor=actor, meeting=meeting)
    share(coordinator_client, unit)
    body = coordinator_client.get(f"/mbt/moten/{meeting.pk}/protokoll/").content.decode()
    assert "Samtyckt Testsson" in body and "Hemlig diskussion" not in body
    assert "Osamtyckt" not in body
    assert "som för externa deltagare" in body
