"""Running the meeting: attendance, autosave and conflicts, postponement, closing (all or
nothing), feedback and its due dates, reassignment, minutes and addenda."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.middleware import SESSION_LAST_ACTIVITY
from accounts.models import Role
from journal.models import AccessLog, EntryType, JournalEntry
from journal.services import ConflictError
from journal.workdays import add_working_days
from mbt import selectors, services
from mbt.models import (
    ActionItem,
    Addendum,
    Attendance,
    CaseReferral,
    FeedbackTask,
    MbtRole,
    Meeting,
    Postponement,
)
from tests.factories import actor_for, register_patient, staff_at
from tests.pdfs import printed_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(team, actor):
    """A meeting today (it is being held now), with a later one to postpone to."""
    now = timezone.localtime()
    meeting = Meeting.objects.create(
        team=team,
        starts_at=now - datetime.timedelta(minutes=30),
        length_minutes=60,
        chair=actor.user,
    )
    Meeting.objects.create(team=team, starts_at=now + datetime.timedelta(days=14), chair=actor.user)
    return meeting


def put_on(held, actor, patient, question="Fråga?"):
    """Registers a case straight onto a meeting that is under way (as a case registered earlier)."""
    return CaseReferral.objects.create(
        unit=actor.unit,
        meeting=held,
        patient=patient,
        registrant=actor.user,
        question=question,
        position=CaseReferral.objects.filter(meeting=held).count() + 1,
    )


def decide(actor, case, outcomes=("fysioterapeut",), summary="Diskuterat.", version=0):
    return services.discussion_save(
        actor=actor, case=case, summary=summary, outcomes=list(outcomes), version=version
    )


def close(actor, meeting):
    return services.meeting_close(actor=actor, meeting=meeting)


def test_autosave_versions_and_conflict(held, actor, unit):
    case = put_on(held, actor, register_patient(unit, actor.user))
    first = decide(actor, case, summary="Första", version=0)
    assert first.version == 1
    second = decide(actor, case, summary="Andra", version=1)
    other = actor_for(staff_at(unit, first_name="Erik"), unit)
    with pytest.raises(ConflictError) as conflict:
        services.discussion_save(actor=other, case=case, summary="Eriks", outcomes=[], version=1)
    assert conflict.value.current.summary == "Andra"
    second.refresh_from_db()
    assert second.summary == "Andra"
    with pytest.raises(ValidationError, match="Ingen åtgärd"):
        decide(actor, case, outcomes=("ingen", "lakare"), version=2)


def test_postponement_carries_the_case_with_its_history(held, actor, unit):
    case = put_on(held, actor, register_patient(unit, actor.user))
    decide(actor, case, outcomes=(), summary="Vi behöver mer underlag.")
    services.action_item_add(
        actor=actor,
        case=case,
        what="Beställ röntgen",
        owner=actor.user,
        due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    moved = services.case_postpone(actor=actor, case=case, reason="Röntgensvar saknas")
    following = Meeting.objects.exclude(pk=held.pk).get()
    assert moved.meeting == following
    assert Postponement.objects.get().from_meeting == held
    assert Postponement.objects.get().history.get().history_user == actor.user
    assert moved.discussion.summary == "Vi behöver mer underlag."
    assert moved.action_items.count() == 1
    conference = selectors.conference(actor=actor, meeting=following)
    assert conference.cases[0].postponements[0].reason == "Röntgensvar saknas"
    # The meeting it left shows it as postponed in the minutes.
    decide_and_close = close(actor, held)
    minutes = selectors.minutes(actor=actor, meeting=decide_and_close, external=False)
    assert [p.case.pk for p in minutes.postponed] == [case.pk]


def test_closing_writes_draft_entries_and_feedback_tasks(held, actor, unit, team):
    registrant = team.members.get(role=MbtRole.LAKARE).user
    doctor = actor_for(registrant, unit)
    patients = [register_patient(unit, actor.user) for _ in range(2)]
    cases = [put_on(held, doctor, p) for p in patients]
    for case in cases:
        decide(actor, case, outcomes=("fysioterapeut", "remiss_smarta"))
    services.action_item_add(
        actor=actor,
        case=cases[0],
        what="Ring arbetsgivaren",
        owner=registrant,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    closed = close(actor, held)
    assert closed.is_closed and closed.closed_by == actor.user
    tasks = FeedbackTask.objects.order_by("pk")
    assert [t.owner for t in tasks] == [registrant, registrant]
    due = add_working_days(timezone.localdate(), team.feedback_working_days)
    assert all(t.due_on == due for t in tasks)
    entry = tasks[0].conference_entry
    assert entry.entry_type == EntryType.MBT_KONFERENS and not entry.is_signed
    assert entry.author == registrant and entry.author_profession == registrant.profession
    assert "Frågeställning: Fråga?" in entry.text and "remiss till smärtcentrum" in entry.text
    assert "Deltagare: " in entry.text and "rehabiliteringskoordinator" in entry.text
    assert "Ring arbetsgivaren" in entry.text
    assert {c.state for c in CaseReferral.objects.all()} == {CaseReferral.State.DISCUSSED}
    assert Attendance.objects.filter(meeting=held).count() == team.members.count()
    with pytest.raises(ValidationError, match="avslutat"):
        decide(actor, cases[0], version=1)


def test_closing_needs_an_outcome_or_postponement(held, actor, unit):
    """A case the team has begun to discuss needs a decision; one it never reached moves on
    (test_meeting_lifecycle)."""
    case = put_on(held, actor, register_patient(unit, actor.user, first_name="Obeslutad"))
    decide(actor, case, outcomes=(), summary="Vi hann börja.")
    with pytest.raises(ValidationError, match="Obeslutad"):
        close(actor, held)
    held.refresh_from_db()
    assert not held.is_closed and not FeedbackTask.objects.exists()
    services.case_postpone(actor=actor, case=case, reason="Tiden räckte inte")
    assert close(actor, held).is_closed


def test_closing_that_fails_half_way_writes_nothing(held, actor, unit, monkeypatch):
    cases = [put_on(held, actor, register_patient(unit, actor.user)) for _ in range(3)]
    for case in cases:
        decide(actor, case)
    entries_before = JournalEntry.objects.count()
    from mbt.services import conference as module

    real = module.journal_entry_create
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(module, "journal_entry_create", flaky)
    with pytest.raises(RuntimeError):
        close(actor, held)
    held.refresh_from_db()
    assert not held.is_closed
    assert JournalEntry.objects.count() == entries_before
    assert not FeedbackTask.objects.exists() and not Attendance.objects.exists()
    assert {c.state for c in CaseReferral.objects.all()} == {CaseReferral.State.REGISTERED}


def test_absent_chair_needs_an_acting_chair(held, actor, unit, team):
    case = put_on(held, actor, register_patient(unit, actor.user))
    decide(actor, case)
    chair_member = team.members.get(user=actor.user)
    services.attendance_set(
        actor=actor, meeting=held, member=chair_member, mode=Attendance.Mode.ABSENT
    )
    with pytest.raises(ValidationError, match="t.f. ordförande"):
        close(actor, held)
    doctor = team.members.get(role=MbtRole.LAKARE).user
    services.meeting_set_chair(
        actor=actor, meeting=held, chair=actor.user, acting_chair=doctor, version=held.version
    )
    closed = close(actor, Meeting.objects.get(pk=held.pk))
    minutes = selectors.minutes(actor=actor, meeting=closed, external=False)
    assert minutes.modes[chair_member.pk] == Attendance.Mode.ABSENT
    assert closed.acting_chair == doctor
    assert "Rehabiliteringskoordinator" in minutes.missing_present


def test_feedback_signs_the_entry_and_journals_what_was_said(held, actor, unit):
    patient = register_patient(unit, actor.user)
    case = put_on(held, actor, patient)
    decide(actor, case)
    close(actor, held)
    task = FeedbackTask.objects.get()
    with pytest.raises(ValidationError) as error:
        services.feedback_record(
            actor=actor,
            task=task,
            method="duva",
            given_on=timezone.localdate() + datetime.timedelta(days=1),
            said="",
        )
    assert set(error.value.message_dict) == {"method", "given_on", "said"}
    done = services.feedback_record(
        actor=actor,
        task=task,
        method="telefon",
        given_on=timezone.localdate(),
        said="Remiss till fysioterapeut.",
    )
    assert done.done_at and done.conference_entry.is_signed
    assert (
        done.feedback_entry.entry_type == EntryType.ATERKOPPLING and done.feedback_entry.is_signed
    )
    assert (
        "telefon" in done.feedback_entry.text
        and "Remiss till fysioterapeut." in done.feedback_entry.text
    )
    other = actor_for(staff_at(unit), unit)
    with pytest.raises(ValidationError, match="Bara den som har uppgiften"):
        services.feedback_record(
            actor=other,
            task=FeedbackTask.objects.create(
                case=put_on(
                    Meeting.objects.exclude(pk=held.pk).get(),
                    actor,
                    register_patient(unit, actor.user),
                ),
                owner=actor.user,
                due_on=timezone.localdate(),
                conference_entry=done.conference_entry,
            ),
            method="telefon",
            given_on=timezone.localdate(),
            said="x",
        )


@pytest.mark.parametrize(
    ("meeting_day", "due", "why"),
    [
        (datetime.date(2026, 11, 26), datetime.date(2026, 12, 3), "Thursday + 5: over a weekend"),
        (
            datetime.date(2026, 12, 17),
            datetime.date(2026, 12, 28),
            "jul: 18, 21, 22, 23, (24-27 off), 28",
        ),
        (
            datetime.date(2026, 6, 16),
            datetime.date(2026, 6, 24),
            "midsommar: 17, 18, (19-21), 22, 23, 24",
        ),
        (
            datetime.date(2027, 3, 24),
            datetime.date(2027, 4, 2),
            "påsk 2027: 25, (26 långfredag, 27-28, 29 annandag), 30, 31, 1, 2",
        ),
    ],
)
def test_feedback_due_in_working_days(meeting_day, due, why):
    assert add_working_days(meeting_day, 5) == due, why


def test_overdue_is_after_the_due_day(held, actor, unit):
    case = put_on(held, actor, register_patient(unit, actor.user))
    decide(actor, case)
    close(actor, held)
    task = FeedbackTask.objects.get()
    task.due_on = timezone.localdate()
    assert not task.is_overdue
    task.due_on = timezone.localdate() - datetime.timedelta(days=1)
    assert task.is_overdue


def test_bulk_reassignment_moves_tasks_items_and_drafts(held, actor, unit, team):
    leaver = team.members.get(role=MbtRole.LAKARE).user
    colleague = team.members.get(role=MbtRole.FYSIOTERAPEUT).user
    as_leaver = actor_for(leaver, unit)
    cases = [put_on(held, as_leaver, register_patient(unit, actor.user)) for _ in range(2)]
    for case in cases:
        decide(actor, case)
    services.action_item_add(
        actor=actor,
        case=cases[0],
        what="Boka uppföljning",
        owner=leaver,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    close(actor, held)
    manager = actor_for(staff_at(unit, role=Role.MANAGER), unit)
    moved = services.tasks_reassign_all(actor=manager, from_user=leaver, to_user=colleague)
    assert moved == (2, 1)
    assert set(FeedbackTask.objects.values_list("owner", flat=True)) == {colleague.pk}
    assert ActionItem.objects.get().owner == colleague
    draft = FeedbackTask.objects.first().conference_entry
    draft.refresh_from_db()
    assert draft.author == colleague and draft.author_name == colleague.display_name
    # The colleague can now sign and give feedback.
    services.feedback_record(
        actor=actor_for(colleague, unit),
        task=FeedbackTask.objects.first(),
        method="besok",
        given_on=timezone.localdate(),
        said="Informerad.",
    )


def test_addendum_only_to_closed_minutes(held, actor, unit):
    case = put_on(held, actor, register_patient(unit, actor.user))
    decide(actor, case)
    with pytest.raises(ValidationError, match="avslutat"):
        services.addendum_add(actor=actor, meeting=held, text="Tillägg")
    close(actor, held)
    addendum = services.addendum_add(actor=actor, meeting=held, text="Fel datum i åtgärd 1.")
    assert addendum.history.count() == 1
    assert selectors.minutes(actor=actor, meeting=held, external=False).addenda == [addendum]


# --- Views ----------------------------------------------------------------------------------------


def test_conference_page_and_autosave_view(coordinator_client, held, actor, unit):
    case = put_on(held, actor, register_patient(unit, actor.user))
    page = coordinator_client.get(f"/mbt/moten/{held.pk}/konferens/").content.decode()
    assert "Närvaro" in page and "data-autosave" in page and "Inget sparat ännu" in page
    mine = page_user_on(page)
    headers = {
        "HX-Request": "true",
        "X-Autosave": "1",
        "HX-Current-URL": f"http://testserver/mbt/moten/{held.pk}/konferens/",
    }
    saved = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/diskussion/",
        {"summary": "Skrivet", "outcomes": ["lakare"], "version": 0, "_page_user": mine},
        headers=headers,
    )
    assert saved.status_code == 200
    text = saved.content.decode()
    assert "Sparat " in text and 'id="version-' in text and 'hx-swap-oob="true"' in text
    stale = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/diskussion/",
        {"summary": "Gammal", "version": 0, "_page_user": mine},
        headers=headers,
    )
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Någon annan har sparat" in body and "Skrivet" in body and "Gammal" in body
    taken = coordinator_client.post(
        f"/mbt/arenden/{case.pk}/diskussion/",
        {"summary": "Gammal", "version": 0, "take_over": 1, "_page_user": mine},
        headers=headers,
    )
    assert taken.status_code == 200
    case.discussion.refresh_from_db()
    assert case.discussion.summary == "Gammal"


def test_autosave_with_an_expired_session_is_refused_not_redirected_and_saves_after_login(
    coordinator_client, coordinator, held, actor, unit, client
):
    case = put_on(held, actor, register_patient(unit, actor.user))
    page = coordinator_client.get(f"/mbt/moten/{held.pk}/konferens/").content.decode()
    session = coordinator_client.session
    session[SESSION_LAST_ACTIVITY] = time.time() - 31 * 60
    session.save()
    headers = {"HX-Request": "true", "X-Autosave": "1", "HX-Current-URL": "http://testserver/"}
    data = {
        "summary": "Text skriven precis innan utloggningen",
        "version": 0,
        "_page_user": page_user_on(page),
    }
    refused = coordinator_client.post(f"/mbt/arenden/{case.pk}/diskussion/", data, headers=headers)
    assert refused.status_code == 401 and "HX-Redirect" not in refused
    assert refused.json()["expired"] is True
    # Still logged out: refused the same way, never a login page in place of the form.
    again = coordinator_client.post(f"/mbt/arenden/{case.pk}/diskussion/", data, headers=headers)
    assert again.status_code == 401
    # Logged in again (another tab): the page's retry goes through.
    coordinator_client.force_login(coordinator)
    status = coordinator_client.get(
        "/accounts/session/", headers={"X-Background-Request": "1"}
    ).json()
    assert status["csrf_token"]
    saved = coordinator_client.post(f"/mbt/arenden/{case.pk}/diskussion/", data, headers=headers)
    assert saved.status_code == 200
    case.refresh_from_db()
    assert case.discussion.summary == "Text skriven precis innan utloggningen"


def page_user_on(page: str) -> str:
    """The signed id of the user a page was opened for, as its forms carry it."""
    return re.search(r'name="_page_user" value="([^"]+)"', page).group(1)


AUTOSAVE = {"HX-Request": "true", "X-Autosave": "1", "HX-Current-URL": "http://testserver/"}


def test_autosave_from_a_page_another_user_opened_is_refused_before_anything_is_read(
    client, coordinator, held, actor, unit
):
    """A page left open after its user was logged out, and a colleague (who may chair) logs in
    in the same browser: the page's save is not written as the colleague's, reads nothing
    (no access-log row under the colleague) and does not keep the colleague's session alive."""
    patient = register_patient(unit, actor.user)
    case = put_on(held, actor, patient)
    client.force_login(coordinator)
    token = page_user_on(client.get(f"/mbt/moten/{held.pk}/konferens/").content.decode())
    colleague = staff_at(unit, role=Role.ADMINISTRATION)
    client.force_login(colleague)
    session = client.session
    session[SESSION_LAST_ACTIVITY] = idle_since = time.time() - 60
    session.save()
    logged = AccessLog.objects.count()
    data = {"summary": "Kerstins text", "version": 0}
    url = f"/mbt/arenden/{case.pk}/diskussion/"
    for sent in ({"_page_user": token}, {}, {"_page_user": token[:-2] + "xx"}):
        refused = client.post(url, {**data, **sent}, headers=AUTOSAVE)
        assert refused.status_code == 409
        assert refused["HX-Reswap"] == "none" and refused["X-Page-User-Changed"] == "1"
    assert AccessLog.objects.count() == logged
    assert not hasattr(case, "discussion") or not case.discussion.summary
    assert client.session[SESSION_LAST_ACTIVITY] == idle_since
    # The colleague's own page saves as usual.
    own = page_user_on(client.get(f"/mbt/moten/{held.pk}/konferens/").content.decode())
    assert own != token
    assert client.post(url, {**data, "_page_user": own}, headers=AUTOSAVE).status_code == 200


def test_a_plain_form_from_a_page_another_user_opened_is_refused(
    client, coordinator, held, actor, unit
):
    case = put_on(held, actor, register_patient(unit, actor.user, first_name="Ylva"))
    client.force_login(coordinator)
    token = page_user_on(client.get(f"/mbt/moten/{held.pk}/konferens/").content.decode())
    client.force_login(staff_at(unit, role=Role.ADMINISTRATION))
    logged = AccessLog.objects.count()
    response = client.post(
        f"/mbt/arenden/{case.pk}/bordlagg/", {"reason": "Väntar", "_page_user": token}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "öppnades av en annan användare" in body and "Ylva" not in body
    assert not Postponement.objects.exists() and AccessLog.objects.count() == logged


def test_only_the_chair_or_a_planner_runs_the_meeting(client, held, actor, unit):
    case = put_on(held, actor, register_patient(unit, actor.user))
    client.force_login(staff_at(unit))
    assert client.get(f"/mbt/moten/{held.pk}/konferens/").status_code == 403
    assert client.post(f"/mbt/arenden/{case.pk}/diskussion/", {"version": 0}).status_code == 403
    assert client.post(f"/mbt/moten/{held.pk}/avsluta/").status_code == 403


def test_another_unit_cannot_touch_the_conference(client, held, actor, unit, other_unit):
    case = put_on(held, actor, register_patient(unit, actor.user))
    client.force_login(staff_at(other_unit, role=Role.MANAGER))
    assert client.get(f"/mbt/moten/{held.pk}/konferens/").status_code == 404
    assert client.post(f"/mbt/arenden/{case.pk}/diskussion/", {"version": 0}).status_code == 404
    assert client.post(f"/mbt/moten/{held.pk}/avsluta/").status_code == 404


def test_minutes_pdf_internal_and_external(
    coordinator_client, held, actor, unit, team, fk, production_static
):
    from consent import services as consent_services

    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    consenting = register_patient(unit, actor.user, first_name="Med", last_name="Samtycke")
    consent_services.consent_give(
        actor=actor,
        patient=consenting,
        scope="mbt",
        form="muntligt",
        given_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    case = put_on(held, actor, consenting)
    decide(actor, case, summary="Intern diskussionstext")
    fk_member = team.members.get(name="Helena")
    services.attendance_set(
        actor=actor, meeting=held, member=fk_member, mode=Attendance.Mode.DIGITAL
    )
    close(actor, held)
    services.addendum_add(actor=actor, meeting=held, text="Rättelse av åtgärd.")
    internal = coordinator_client.get(f"/mbt/moten/{held.pk}/protokoll.pdf")
    text = printed_text(internal)
    assert "Protokoll" in text and "Med Samtycke" in text and consenting.formatted_identity in text
    assert "Intern diskussionstext" in text and "Rättelse av åtgärd." in text
    assert "Helena" in text and "digitalt" in text and "Omfattas av sekretess" in text
    external = coordinator_client.get(f"/mbt/moten/{held.pk}/protokoll.pdf?version=extern")
    text = printed_text(external)
    assert "Med Samtycke" in text and consenting.formatted_identity not in text
    assert "Intern diskussionstext" not in text
    assert (
        AccessLog.objects.filter(
            patient=consenting, action="print", what__startswith="MBT-protokoll"
        ).count()
        == 2
    )


def _cookie_texts(client) -> list[str]:
    """Every cookie the browser holds, raw and as Django's cookie message storage reads it."""
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    storage = CookieStorage(RequestFactory().get("/"))
    texts = []
    for morsel in client.cookies.values():
        texts.append(morsel.value)
        decoded = storage._decode(morsel.value)
        if decoded:
            texts.extend(str(message) for message in decoded)
    return texts


def test_no_patient_name_travels_in_a_cookie(coordinator_client, held, actor, unit):
    """Messages naming a patient (postponed, "Ange utfall ... först") stay on the server: a
    cookie is sent with every request, to proxies and logs too."""
    moved = put_on(held, actor, register_patient(unit, actor.user, first_name="Ylva"))
    begun = put_on(
        held, actor, register_patient(unit, actor.user, first_name="Zäta", last_name="Öst")
    )
    decide(actor, begun, outcomes=(), summary="Påbörjad.")
    response = coordinator_client.post(
        f"/mbt/arenden/{moved.pk}/bordlagg/", {"reason": "Väntar på svar"}
    )
    assert response.status_code == 302
    assert not any("Ylva" in text for text in _cookie_texts(coordinator_client))
    refused = coordinator_client.post(f"/mbt/moten/{held.pk}/avsluta/")
    assert refused.status_code == 302
    assert not any("Zäta" in text for text in _cookie_texts(coordinator_client))
    # The messages are still shown, from the session.
    page = coordinator_client.get(refused["Location"]).content.decode()
    assert "Ylva Testsson är bordlagt" in page and "Ange utfall eller bordlägg först: Zäta" in page


def test_another_units_action_item_is_404_with_a_denied_row(client, held, actor, unit, other_unit):
    patient = register_patient(unit, actor.user)
    case = put_on(held, actor, patient)
    item = services.action_item_add(
        actor=actor, case=case, what="Boka tid", owner=actor.user, due_on=timezone.localdate()
    )
    intruder = staff_at(other_unit, role=Role.MANAGER)
    client.force_login(intruder)
    assert client.post(f"/mbt/atgarder/{item.pk}/klar/").status_code == 404
    assert client.post("/mbt/atgarder/987654/klar/").status_code == 404
    item.refresh_from_db()
    assert item.done_at is None
    denied = AccessLog.objects.filter(action="denied", user=intruder).order_by("pk")
    assert [(row.patient_id, row.what) for row in denied] == [
        (patient.pk, f"åtgärd {item.pk}"),
        (None, "åtgärd 987654"),
    ]


def test_an_action_item_or_addendum_sent_twice_is_written_once(
    coordinator_client, coordinator, held, actor, unit
):
    case = put_on(held, actor, register_patient(unit, actor.user))
    page = coordinator_client.get(f"/mbt/moten/{held.pk}/konferens/").content.decode()
    keys = re.findall(r'name="atgard-submission_key" value="([0-9a-f-]{36})"', page)
    assert len(keys) == 1
    item = {
        "atgard-submission_key": keys[0],
        "atgard-what": "Boka fysioterapeut",
        "atgard-owner": coordinator.pk,
        "atgard-due_on": timezone.localdate().isoformat(),
    }
    for _ in range(2):
        assert coordinator_client.post(f"/mbt/arenden/{case.pk}/atgarder/", item).status_code == 302
    assert ActionItem.objects.count() == 1
    # Each case's form has a key of its own.
    put_on(held, actor, register_patient(unit, actor.user))
    page = coordinator_client.get(f"/mbt/moten/{held.pk}/konferens/").content.decode()
    keys = re.findall(r'name="atgard-submission_key" value="([0-9a-f-]{36})"', page)
    assert len(set(keys)) == 2

    decide(actor, case)
    services.case_postpone(
        actor=actor, case=CaseReferral.objects.exclude(pk=case.pk).get(), reason="Väntar"
    )
    close(actor, held)
    page = coordinator_client.get(f"/mbt/moten/{held.pk}/protokoll/").content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page).group(1)
    for _ in range(2):
        sent = coordinator_client.post(
            f"/mbt/moten/{held.pk}/protokoll/", {"submission_key": key, "text": "Rättelse."}
        )
        assert sent.status_code == 302
    assert Addendum.objects.count() == 1
