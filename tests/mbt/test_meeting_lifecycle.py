"""A meeting's end: it closes only from its start time; closing or cancelling it moves every
case it did not discuss to the next open meeting, where the consent gate is asked again; the
registrant is told on the start page and by e-mail (a link, never a patient). And one status
for a case, said the same everywhere."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent import services as consent_services
from journal.models import AccessLog, EntryType, JournalEntry
from mbt import reminders, selectors, services
from mbt.models import CaseReferral, FeedbackTask, MbtRole, Meeting, Postponement, ReminderMail
from mbt.status import State
from tests.factories import actor_for, register_patient, staff_at
from tests.pdfs import printed_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_fk(actor, team, fk):
    """Försäkringskassan takes part: a case needs the patient's consent to be discussed."""
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena Sund", email="", role=MbtRole.FK
    )
    return team


@pytest.fixture
def now_meeting(team, actor):
    """A meeting that began half an hour ago, and the next one, open for registration."""
    now = timezone.now()
    meeting = Meeting.objects.create(
        team=team, starts_at=now - datetime.timedelta(minutes=30), chair=actor.user
    )
    following = Meeting.objects.create(
        team=team, starts_at=now + datetime.timedelta(days=14), chair=actor.user
    )
    return meeting, following


def consent(actor, patient, **extra):
    return consent_services.consent_give(
        actor=actor,
        patient=patient,
        scope="mbt",
        form="muntligt",
        given_on=timezone.localdate() - datetime.timedelta(days=20),
        **extra,
    )


def on(meeting, actor, patient, *, registrant=None, state=CaseReferral.State.REGISTERED):
    return CaseReferral.objects.create(
        unit=actor.unit,
        meeting=meeting,
        patient=patient,
        registrant=registrant or actor.user,
        registered_at=timezone.now() - datetime.timedelta(days=10),
        question="Fråga?",
        state=state,
        position=CaseReferral.objects.filter(meeting=meeting).count() + 1,
    )


def test_a_meeting_closes_only_from_its_start(coordinator_client, actor, team):
    starts = timezone.now() + datetime.timedelta(hours=3)
    meeting = Meeting.objects.create(team=team, starts_at=starts, chair=actor.user)
    page = coordinator_client.get(f"/mbt/moten/{meeting.pk}/konferens/").content.decode()
    when = timezone.localtime(starts).strftime("%Y-%m-%d kl. %H:%M")
    assert f"Mötet kan avslutas när det har börjat: Tisdag {when}." in page
    assert f'action="/mbt/moten/{meeting.pk}/avsluta/"' not in page

    refused = coordinator_client.post(f"/mbt/moten/{meeting.pk}/avsluta/", follow=True)
    assert f"Mötet kan avslutas först när det har börjat, {when}." in refused.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED

    with time_machine.travel(starts, tick=False):
        assert services.meeting_close(actor=actor, meeting=meeting).is_closed


def test_closing_moves_every_case_not_discussed(actor, unit, with_fk, now_meeting, team):
    meeting, following = now_meeting
    doctor = team.members.get(role=MbtRole.LAKARE).user
    doctor.email = "doktorn@vc.invalid"
    doctor.save()
    patients = {
        name: register_patient(unit, actor.user, first_name=name)
        for name in ("Diskuterad", "Ohunnen", "Väntande", "Lämnad", "Sen")
    }
    for name in ("Diskuterad", "Ohunnen", "Sen"):
        consent(actor, patients[name])
    left_consent = consent(actor, patients["Lämnad"])
    cases = {
        "Diskuterad": on(meeting, actor, patients["Diskuterad"]),
        "Ohunnen": on(meeting, actor, patients["Ohunnen"], registrant=doctor),
        "Väntande": on(meeting, actor, patients["Väntande"], registrant=doctor),
        "Lämnad": on(meeting, actor, patients["Lämnad"]),
        "Sen": on(meeting, actor, patients["Sen"], state=CaseReferral.State.LATE),
    }
    consent_services.consent_revoke(
        actor=actor,
        consent=left_consent,
        revoked_on=timezone.localdate(),
        method="telefon",
        reason="",
    )
    services.discussion_save(
        actor=actor, case=cases["Diskuterad"], summary="", outcomes=["lakare"], version=0
    )

    services.meeting_close(actor=actor, meeting=meeting)

    discussed = CaseReferral.objects.get(pk=cases["Diskuterad"].pk)
    assert discussed.state == CaseReferral.State.DISCUSSED and discussed.meeting == meeting
    assert FeedbackTask.objects.get().case == discussed
    moves = {m.case.patient.first_name: m for m in Postponement.objects.select_related("case")}
    assert {name: m.cause for name, m in moves.items()} == {
        "Ohunnen": Postponement.Cause.NOT_REACHED,
        "Väntande": Postponement.Cause.WAITING,
        "Lämnad": Postponement.Cause.LEFT,
        "Sen": Postponement.Cause.LATE,
    }
    assert all(m.to_meeting == following and m.by == actor.user for m in moves.values())
    # Nothing stays on the closed meeting without a decision.
    assert not CaseReferral.objects.filter(
        meeting=meeting, state__in=[CaseReferral.State.REGISTERED, CaseReferral.State.LATE]
    ).exists()
    # On the next meeting the consent gate is asked again; the late one is an ordinary case.
    agenda = selectors.agenda(actor=actor, meeting=following, log=False)
    assert [i.case.patient.first_name for i in agenda.on_agenda] == ["Ohunnen", "Sen"]
    assert [i.case.patient.first_name for i in agenda.waiting] == ["Väntande"]
    assert [i.case.patient.first_name for i in agenda.left] == ["Lämnad"]
    assert agenda.on_agenda[1].status.moved_note.startswith("flyttat från mötet")

    # One mail to each registrant with an address: how many and a link, never who.
    sent = ReminderMail.objects.get(kind=ReminderMail.Kind.CASES_MOVED)
    assert sent.recipient == doctor and sent.meeting == meeting
    assert "2 av dina anmälda ärenden har flyttats" in sent.subject
    assert timezone.localtime(following.starts_at).strftime("%Y-%m-%d") in sent.body
    assert "http://" in sent.body or "https://" in sent.body
    for patient in patients.values():
        assert patient.first_name not in sent.body + sent.subject
        assert patient.identity_number[:8] not in sent.body


def test_the_job_delivers_the_mail_once(actor, unit, now_meeting, team):
    meeting, _following = now_meeting
    actor.user.email = "kerstin@vc.invalid"
    actor.user.save()
    on(meeting, actor, register_patient(unit, actor.user))
    services.meeting_close(actor=actor, meeting=meeting)
    mail.outbox.clear()
    reminders.run()
    reminders.run()
    moved = [m for m in mail.outbox if "har flyttats" in m.subject]
    assert len(moved) == 1 and moved[0].to == ["kerstin@vc.invalid"]


def test_a_patient_already_on_the_next_meeting_is_registered_once(actor, unit, now_meeting):
    meeting, following = now_meeting
    patient = register_patient(unit, actor.user)
    stranded = on(meeting, actor, patient)
    on(following, actor, patient)
    services.meeting_close(actor=actor, meeting=meeting)
    stranded.refresh_from_db()
    assert stranded.state == CaseReferral.State.WITHDRAWN
    assert "redan anmäld till mötet" in stranded.withdrawn_reason
    assert CaseReferral.objects.filter(meeting=following, patient=patient).count() == 1
    entry = JournalEntry.objects.filter(entry_type=EntryType.MBT_ANMALAN).latest("pk")
    assert "återtogs" in entry.text and entry.is_signed


def test_without_a_next_open_meeting_nothing_closes(coordinator_client, actor, unit, team):
    meeting = Meeting.objects.create(
        team=team, starts_at=timezone.now() - datetime.timedelta(minutes=5), chair=actor.user
    )
    case = on(meeting, actor, register_patient(unit, actor.user))
    response = coordinator_client.post(f"/mbt/moten/{meeting.pk}/avsluta/", follow=True)
    assert "Planera fler möten först" in response.content.decode()
    meeting.refresh_from_db()
    case.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED and case.meeting == meeting


def test_cancelling_moves_every_case_and_tells_the_registrant(
    client, actor, unit, meeting, next_meeting, team
):
    doctor = team.members.get(role=MbtRole.LAKARE).user
    doctor.email = "doktorn@vc.invalid"
    doctor.save()
    doctor_actor = actor_for(doctor, unit)
    patients = [register_patient(unit, actor.user) for _ in range(2)]
    for patient in patients:
        services.case_register(
            actor=doctor_actor, patient=patient, meeting=meeting, question="Fråga?"
        )
    planner = staff_at(unit, role="administration")
    client.force_login(planner)
    edit = client.get(f"/mbt/moten/{meeting.pk}/andra/").content.decode()
    assert "De 2 anmälda ärendena flyttas till nästa möte med öppen anmälan" in edit
    response = client.post(
        f"/mbt/moten/{meeting.pk}/andra/",
        {"action": "cancel", "installa-version": meeting.version, "installa-reason": "Utbildning"},
        follow=True,
    )
    assert "2 ärenden som inte togs upp är flyttade till mötet" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.is_cancelled
    assert set(CaseReferral.objects.values_list("meeting", flat=True)) == {next_meeting.pk}
    assert set(Postponement.objects.values_list("cause", flat=True)) == {"installt"}
    assert ReminderMail.objects.get(kind="flyttat").recipient == doctor

    # The registrant's start page says so until they have seen it.
    client.force_login(doctor)
    start = client.get("/").content.decode()
    assert "2 av dina ärenden har flyttats till ett annat möte" in start
    day = timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")
    assert f"Mötet {day} ställdes in." in start
    shown = AccessLog.objects.filter(user=doctor, what="flyttade MBT-ärenden")
    assert set(shown.values_list("patient", flat=True)) == {p.pk for p in patients}
    moves = list(Postponement.objects.values_list("pk", flat=True))
    client.post("/mbt/flyttade/sedda/", {"move": moves})
    assert "har flyttats till ett annat möte" not in client.get("/").content.decode()
    seen = Postponement.objects.first()
    assert seen.seen_at and seen.history.first().history_user == doctor


def test_someone_elses_notice_cannot_be_marked_seen(client, actor, unit, now_meeting):
    meeting, _following = now_meeting
    on(meeting, actor, register_patient(unit, actor.user))
    services.meeting_close(actor=actor, meeting=meeting)
    client.force_login(staff_at(unit))
    client.post("/mbt/flyttade/sedda/", {"move": [Postponement.objects.get().pk]})
    assert Postponement.objects.get().seen_at is None


def test_a_case_left_on_a_meeting_that_is_over_can_be_moved_on(
    coordinator_client, actor, unit, now_meeting
):
    """Cases stranded before meetings moved their cases: the case page offers the way on."""
    meeting, following = now_meeting
    case = on(meeting, actor, register_patient(unit, actor.user))
    Meeting.objects.filter(pk=meeting.pk).update(status="installt", cancel_reason="Förr")
    page = coordinator_client.get(f"/mbt/arenden/{case.pk}/").content.decode()
    assert "Behöver ett nytt möte" in page and "Flytta till nästa möte" in page
    coordinator_client.post(f"/mbt/arenden/{case.pk}/nasta-mote/")
    case.refresh_from_db()
    assert case.meeting == following


def test_one_status_everywhere(
    coordinator_client, actor, unit, with_fk, meeting, production_static
):
    """The saved message, the case page, the start page, the patient page and the printed
    agenda say the same of a case whose consent ended: it has left the agenda, and why."""
    patient = register_patient(unit, actor.user, first_name="Lämnad")
    given = consent(actor, patient)
    case = services.case_register(actor=actor, patient=patient, meeting=meeting, question="F?")
    consent_services.consent_revoke(
        actor=actor, consent=given, revoked_on=timezone.localdate(), method="telefon", reason=""
    )
    status = selectors.with_statuses([case], unit=unit)[0].status
    assert status.state == State.LEFT and "återkallades" in status.reason
    pages = [
        coordinator_client.get(url).content.decode()
        for url in (f"/mbt/arenden/{case.pk}/", "/", f"/patienter/{patient.pk}/", "/mbt/")
    ]
    for page in pages:
        assert "Har lämnat dagordningen" in page
        assert "Väntar på samtycke" not in page.split("<main", 1)[1]
    assert status.sentence in pages[0]
    # The printed agenda counts it where it stands (it used to say "0 ärende(n)" waiting).
    text = printed_text(coordinator_client.get(f"/mbt/moten/{meeting.pk}/dagordning.pdf"))
    assert "Tas inte upp: har lämnat dagordningen 1." in " ".join(text.split())


def test_registration_message_says_the_same_as_the_case_page(
    coordinator_client, actor, unit, with_fk, meeting
):
    patient = register_patient(unit, actor.user)
    response = coordinator_client.post(
        "/mbt/anmal/",
        {"patient": patient.pk, "meeting": meeting.pk, "question": "X", "late_choice": "next"},
        follow=True,
    )
    case = CaseReferral.objects.get()
    status = selectors.with_statuses([case], unit=unit)[0].status
    assert status.state == State.WAITING
    assert response.content.decode().count(status.sentence) == 2  # the message and the page


def test_closing_refused_halfway_writes_nothing(actor, unit, now_meeting):
    meeting, following = now_meeting
    on(meeting, actor, register_patient(unit, actor.user))
    Meeting.objects.filter(pk=following.pk).update(status="installt", cancel_reason="x")
    with pytest.raises(ValidationError, match="Planera fler möten"):
        services.meeting_close(actor=actor, meeting=meeting)
    assert not Postponement.objects.exists() and not ReminderMail.objects.exists()
