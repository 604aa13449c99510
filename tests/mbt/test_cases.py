"""Case registration, the consent gate, late and duplicate registrations, the agenda's order."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent import services as consent_services
from journal.models import EntryType, JournalEntry
from mbt import selectors, services
from mbt.models import CaseReferral, MbtRole
from tests.factories import OrganisationFactory, VardgivareFactory, register_patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(unit, actor):
    return register_patient(unit, actor.user, first_name="Åsa", last_name="Öberg")


def register(actor, patient, meeting, **extra):
    extra.setdefault("question", "Behövs fysioterapi?")
    return services.case_register(actor=actor, patient=patient, meeting=meeting, **extra)


def gate(actor, case):
    agenda = selectors.agenda(actor=actor, meeting=case.meeting, log=False)
    for name in ("on_agenda", "waiting", "left", "late"):
        for item in getattr(agenda, name):
            if item.case.pk == case.pk:
                return name, item
    raise AssertionError("not on the agenda at all")


def mbt_consent(actor, patient, **fields):
    fields.setdefault("given_on", timezone.localdate())
    return consent_services.consent_give(
        actor=actor, patient=patient, scope="mbt", form="muntligt", **fields
    )


def test_registration_is_journalled_by_the_registrant(actor, patient, meeting):
    case = register(
        actor, patient, meeting, background="Ont i ryggen", wanted_roles=[MbtRole.LAKARE]
    )
    entry = case.journal_entry
    assert (
        entry.entry_type == EntryType.MBT_ANMALAN and entry.is_signed and entry.author == actor.user
    )
    assert (
        "Frågeställning: Behövs fysioterapi?" in entry.text
        and "Bakgrund: Ont i ryggen" in entry.text
    )
    assert "läkare" in entry.text
    assert case.state == CaseReferral.State.REGISTERED and case.position == 1


def test_question_is_required(actor, patient, meeting):
    with pytest.raises(ValidationError, match="frågeställningen"):
        register(actor, patient, meeting, question="  ")
    assert not JournalEntry.objects.filter(entry_type=EntryType.MBT_ANMALAN).exists()


def test_same_patient_twice_for_one_meeting_is_refused(actor, patient, meeting):
    register(actor, patient, meeting)
    with pytest.raises(ValidationError, match="redan anmäld"):
        register(actor, patient, meeting)
    assert CaseReferral.objects.count() == 1


def test_withdrawn_case_can_be_registered_again(actor, patient, meeting):
    case = register(actor, patient, meeting)
    services.case_withdraw(actor=actor, case=case, reason="Fel möte")
    again = register(actor, patient, meeting)
    assert again.pk != case.pk


def test_late_registration_goes_to_the_next_meeting(actor, patient, closed_meeting, meeting):
    case = register(actor, patient, closed_meeting)
    assert case.meeting == meeting and case.state == CaseReferral.State.REGISTERED


def test_late_registration_for_the_chair(actor, patient, closed_meeting, meeting):
    case = register(actor, patient, closed_meeting, late_choice=services.LATE_ASK_CHAIR)
    assert case.meeting == closed_meeting and case.state == CaseReferral.State.LATE
    assert "Sen anmälan" in case.journal_entry.text
    assert gate(actor, case)[0] == "late"
    moved = services.case_decide_late(actor=actor, case=case, accept=False)
    assert moved.meeting == meeting and moved.state == CaseReferral.State.REGISTERED


def test_late_registration_accepted(actor, patient, closed_meeting):
    case = register(actor, patient, closed_meeting, late_choice=services.LATE_ASK_CHAIR)
    accepted = services.case_decide_late(actor=actor, case=case, accept=True)
    assert (
        accepted.state == CaseReferral.State.REGISTERED and accepted.late_decided_by == actor.user
    )
    assert gate(actor, accepted)[0] == "on_agenda"


def test_late_with_no_later_meeting(actor, patient, closed_meeting):
    with pytest.raises(ValidationError, match="inget senare möte"):
        register(actor, patient, closed_meeting)


def test_cancelled_and_past_meetings_refuse_registration(actor, patient, meeting):
    services.meeting_cancel(actor=actor, meeting=meeting, reason="Sjukdom", version=1)
    with pytest.raises(ValidationError, match="inställt"):
        register(actor, patient, meeting)


def test_patient_of_another_unit_cannot_be_registered(actor, meeting, other_unit):
    stranger = register_patient(other_unit)
    with pytest.raises(ValidationError, match="vårdrelation"):
        register(actor, stranger, meeting)


# --- The consent gate ---------------------------------------------------------------------------


def test_same_vardgivare_needs_no_consent(actor, patient, meeting):
    case = register(actor, patient, meeting)
    where, item = gate(actor, case)
    assert where == "on_agenda" and not item.consent_needed
    assert "Inget samtycke behövs" in item.reason


def test_other_care_provider_in_the_same_vardgivare_needs_no_consent(actor, patient, meeting, unit):
    sister = OrganisationFactory(
        name="Regionens fysioterapi", kind="vardgivare", vardgivare=unit.vardgivare
    )
    services.member_add_external(
        actor=actor, organisation=sister, name="Jonas", email="", role=MbtRole.FYSIOTERAPEUT
    )
    case = register(actor, patient, meeting)
    assert gate(actor, case)[0] == "on_agenda"


def test_external_member_present_needs_consent(actor, patient, meeting, fk):
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    case = register(actor, patient, meeting)
    where, item = gate(actor, case)
    assert where == "waiting" and item.consent_needed
    assert "inget samtycke till diskussion" in item.reason.lower()
    mbt_consent(actor, patient)
    assert gate(actor, case)[0] == "on_agenda"


def test_invited_party_of_another_vardgivare_needs_consent(actor, patient, meeting):
    private = OrganisationFactory(
        name="Fysio AB", kind="vardgivare", vardgivare=VardgivareFactory()
    )
    case = register(actor, patient, meeting, invited=[private])
    assert gate(actor, case)[0] == "waiting"


def test_revoked_consent_takes_the_case_off_the_agenda_with_a_notice(actor, patient, meeting, fk):
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    consent = mbt_consent(
        actor, patient, given_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    case = register(actor, patient, meeting)
    assert gate(actor, case)[0] == "on_agenda"
    consent_services.consent_revoke(
        actor=actor, consent=consent, revoked_on=timezone.localdate(), method="telefon"
    )
    where, item = gate(actor, case)
    assert where == "left" and "återkallades" in item.reason


def test_consent_expiring_before_the_meeting_takes_the_case_off(actor, patient, meeting, fk):
    services.member_add_external(
        actor=actor, organisation=fk, name="Helena", email="", role=MbtRole.FK
    )
    ends = timezone.localtime(meeting.starts_at).date() - datetime.timedelta(days=1)
    mbt_consent(actor, patient, valid_until=ends)
    case = register(actor, patient, meeting)
    where, item = gate(actor, case)
    assert where == "left" and "gällde till och med" in item.reason


# --- Order, time, preparation ---------------------------------------------------------------------


def test_reorder_and_time_plan(actor, meeting, unit):
    cases = [register(actor, register_patient(unit, actor.user), meeting) for _ in range(3)]
    services.case_move(actor=actor, case=cases[2], direction=-1)
    services.case_set_minutes(actor=actor, case=cases[0], minutes=25)
    agenda = selectors.agenda(actor=actor, meeting=meeting, log=False)
    order = [item.case.pk for item in agenda.on_agenda]
    assert order == [cases[0].pk, cases[2].pk, cases[1].pk]
    starts = [timezone.localtime(item.starts_at).strftime("%H:%M") for item in agenda.on_agenda]
    assert starts == ["13:00", "13:25", "13:35"]
    assert agenda.planned_minutes == 45 and not agenda.over_time
    services.case_set_minutes(actor=actor, case=cases[1], minutes=30)
    assert selectors.agenda(actor=actor, meeting=meeting, log=False).over_time
    with pytest.raises(ValidationError):
        services.case_set_minutes(actor=actor, case=cases[1], minutes=0)


def test_preparation_toggles(actor, patient, meeting):
    case = register(actor, patient, meeting)
    assert services.preparation_toggle(actor=actor, case=case) is True
    assert gate(actor, case)[1].prepared_by == [actor.user]
    assert services.preparation_toggle(actor=actor, case=case) is False


def test_preparation_history_keeps_who_marked_and_unmarked(actor, patient, meeting):
    from mbt.models import Preparation

    case = register(actor, patient, meeting)
    services.preparation_toggle(actor=actor, case=case)
    services.preparation_toggle(actor=actor, case=case)
    history = Preparation.history.filter(case=case).order_by("history_date")
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", actor.user),
        ("-", actor.user),
    ]


def test_double_submitted_registration_writes_one_case(actor, patient, meeting):
    import uuid

    key = uuid.uuid4()
    first = register(actor, patient, meeting, submission_key=key)
    second = register(actor, patient, meeting, submission_key=key)
    assert first.pk == second.pk and CaseReferral.objects.count() == 1
