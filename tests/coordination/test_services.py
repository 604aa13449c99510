"""Koordineringsinsatser: the consent gate, the assessment prerequisite, GC001 journal entries
without diagnosis, the register of information to Försäkringskassan and the coordinator status."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import Organisation, Profession, Role
from consent import services as consent_services
from coordination import services
from coordination.models import (
    Activity,
    CoordinatorStatus,
    Episode,
    FkInformation,
    FollowUp,
    SickLeavePeriod,
)
from journal.models import AccessLog, EntryType, JournalEntry
from tests.coordination.conftest import days_ago, give_consent, record_activity, start_episode
from tests.factories import OrganisationFactory, actor_for, staff_at

pytestmark = pytest.mark.django_db


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Episodes and the consent gate -------------------------------------------------------------


def test_episode_needs_a_consent_to_koordineringsinsatser(actor, patient, doctor):
    with pytest.raises(ValidationError) as error:
        start_episode(actor, patient, doctor)
    assert "bara med patientens samtycke" in messages(error.value)
    assert "Det finns inget samtycke till koordineringsinsatser" in messages(error.value)
    assert not Episode.objects.exists()


def test_episode_refused_with_a_revoked_or_expired_consent(actor, patient, doctor):
    consent = give_consent(actor, patient, given=60)
    consent_services.consent_revoke(
        actor=actor, consent=consent, revoked_on=days_ago(5), method="telefon"
    )
    with pytest.raises(ValidationError) as error:
        start_episode(actor, patient, doctor, started_on=days_ago(20))
    assert "återkallades" in messages(error.value)
    give_consent(actor, patient, given=90, valid_until=days_ago(40))
    with pytest.raises(ValidationError):
        start_episode(actor, patient, doctor, started_on=days_ago(20))


def test_episode_start_journals_and_sets_status(actor, patient, doctor, consented):
    episode = start_episode(actor, patient, doctor)
    assert episode.consent == consented and episode.is_open
    entry = JournalEntry.objects.filter(entry_type=EntryType.KOORDINERINGSINSATS).get()
    assert entry.is_signed and "Koordineringsinsatser påbörjade" in entry.text
    assert "Erik Läkare" in entry.text
    assert FollowUp.objects.get(patient=patient).status == CoordinatorStatus.AKTIV


def test_episode_needs_a_lakare_assessment_before_the_start(
    actor, patient, doctor, consented, unit
):
    nurse = staff_at(unit, profession=Profession.SJUKSKOTERSKA)
    with pytest.raises(ValidationError) as error:
        start_episode(actor, patient, nurse)
    assert "läkare" in messages(error.value)
    with pytest.raises(ValidationError) as error:
        start_episode(actor, patient, doctor, assessed_on=days_ago(1), started_on=days_ago(2))
    assert "före starten" in messages(error.value)
    with pytest.raises(ValidationError):
        start_episode(actor, patient, doctor, need="  ")
    assert not Episode.objects.exists()


def test_one_open_episode_per_patient_and_unit(actor, patient, doctor, episode):
    with pytest.raises(ValidationError) as error:
        start_episode(actor, patient, doctor)
    assert "redan pågående" in messages(error.value)
    with pytest.raises(IntegrityError):
        Episode.objects.create(
            patient=patient,
            unit=episode.unit,
            responsible=actor.user,
            started_on=days_ago(1),
            need="x",
            assessed_by=doctor,
            assessed_on=days_ago(1),
            consent=episode.consent,
            created_by=actor.user,
        )


def test_responsible_must_work_at_the_unit(actor, patient, doctor, consented, other_unit):
    stranger = staff_at(other_unit)
    with pytest.raises(ValidationError) as error:
        start_episode(actor, patient, doctor, responsible=stranger)
    assert "uppdrag vid enheten" in messages(error.value)


def test_diagnosis_in_the_need_is_pointed_out_then_may_be_confirmed(
    actor, patient, doctor, consented
):
    with pytest.raises(services.DiagnosisInText) as error:
        start_episode(actor, patient, doctor, need="Sjukskriven för F32.1")
    assert error.value.codes == ["F32.1"]
    assert not Episode.objects.exists()
    start_episode(actor, patient, doctor, need="Rum B12 på plan 2", diagnosis_confirmed=True)


def test_ending_journals_and_sets_status(actor, episode):
    ended = services.episode_end(
        actor=actor, episode=episode, version=episode.version, ended_on=days_ago(0), reason="arbete"
    )
    assert ended.ended_on and ended.end_reason == "arbete"
    assert JournalEntry.objects.filter(text__contains="avslutade").exists()
    assert FollowUp.objects.get(patient=episode.patient).status == CoordinatorStatus.AVSLUTAD
    with pytest.raises(ValidationError):
        record_activity(actor, episode)


def test_stale_version_is_a_conflict(actor, episode):
    services.episode_update(
        actor=actor,
        episode=episode,
        version=0,
        responsible=actor.user,
        need="Nytt behov",
        employer="",
        employer_contact="",
        next_follow_up=days_ago(-14),
    )
    from journal.services import ConflictError

    with pytest.raises(ConflictError):
        services.episode_end(
            actor=actor, episode=episode, version=0, ended_on=days_ago(0), reason="annat"
        )


def test_manager_moves_all_open_episodes(actor, unit, doctor, consented, episode):
    colleague = staff_at(unit, profession=Profession.FYSIOTERAPEUT)
    manager = staff_at(unit, role=Role.MANAGER, profession=Profession.CHEF)
    moved = services.episodes_reassign_all(
        actor=actor_for(manager, unit), from_user=actor.user, to_user=colleague
    )
    assert moved == 1
    assert Episode.objects.get().responsible == colleague


# --- Activities ---------------------------------------------------------------------------------


def test_activity_is_journalled_signed_with_gc001_and_no_diagnosis(actor, episode):
    activity = record_activity(actor, episode)
    entry = activity.journal_entry
    assert entry.is_signed and entry.kva_codes == ["GC001"]
    assert entry.entry_type == EntryType.KOORDINERINGSINSATS
    assert entry.text.startswith(
        "Koordineringsinsats. Personligt stöd (telefon, med patientkontakt"
    )
    assert "KVÅ GC001" in entry.record_text
    episode.refresh_from_db()
    assert episode.last_activity_on == days_ago(10)
    assert AccessLog.objects.filter(patient=episode.patient, action="create").exists()


def test_activity_with_a_diagnosis_code_is_pointed_out(actor, episode):
    with pytest.raises(services.DiagnosisInText) as error:
        record_activity(actor, episode, note="Samtal om M54 och arbetet")
    assert "liknar en diagnoskod (M54)" in messages(error.value)
    assert not Activity.objects.exists()
    assert not JournalEntry.objects.filter(kva_codes__contains=["GC001"]).exists()


def test_activity_refused_after_the_consent_is_revoked_mid_episode(actor, episode, consented):
    record_activity(actor, episode)
    consent_services.consent_revoke(
        actor=actor, consent=consented, revoked_on=days_ago(0), method="besok"
    )
    with pytest.raises(ValidationError) as error:
        record_activity(actor, episode, performed_on=days_ago(3))
    assert "återkallades" in messages(error.value)
    assert Activity.objects.count() == 1
    give_consent(actor, episode.patient, given=0)
    record_activity(actor, episode, performed_on=days_ago(0))
    assert Activity.objects.count() == 2


def test_samverkan_names_the_party_and_needs_consent_for_an_external_one(actor, episode, employer):
    with pytest.raises(ValidationError) as error:
        record_activity(actor, episode, kind="samverkan")
    assert "vilken aktör" in messages(error.value)
    with pytest.raises(ValidationError) as error:
        record_activity(actor, episode, kind="samverkan", organisation=employer)
    assert "Samverkan med Bygg & Anläggning AB kräver patientens samtycke" in messages(error.value)
    give_consent(actor, episode.patient, "samverkan", party=employer)
    activity = record_activity(
        actor, episode, kind="samverkan", organisation=employer, patient_contact=False
    )
    assert "Samverkan med andra aktörer: Bygg & Anläggning AB" in activity.journal_entry.text
    assert "utan patientkontakt" in activity.journal_entry.text


def test_samverkan_within_the_vardgivare_needs_no_extra_consent(actor, episode, unit):
    own = OrganisationFactory(
        name="Rehabmottagningen", kind=Organisation.Kind.VARDGIVARE, vardgivare=unit.vardgivare
    )
    record_activity(actor, episode, kind="samverkan", organisation=own)


def test_activity_dates_and_double_submit(actor, episode):
    with pytest.raises(ValidationError):
        record_activity(actor, episode, performed_on=days_ago(-1))
    with pytest.raises(ValidationError) as error:
        record_activity(actor, episode, performed_on=days_ago(30))
    assert "före ärendets start" in messages(error.value)
    with pytest.raises(ValidationError):
        record_activity(actor, episode, minutes=0)
    import uuid

    key = uuid.uuid4()
    first = record_activity(actor, episode, submission_key=key)
    again = record_activity(actor, episode, submission_key=key)
    assert first.pk == again.pk and Activity.objects.count() == 1


# --- Försäkringskassan --------------------------------------------------------------------------


def test_fk_information_needs_its_own_consent(actor, episode):
    def inform():
        return services.fk_inform(
            actor=actor,
            episode=episode,
            informed_on=days_ago(2),
            channel="blankett",
            content="Behov av arbetsträning hos arbetsgivaren.",
        )

    with pytest.raises(ValidationError) as error:
        inform()
    assert "Försäkringskassan informeras bara med patientens samtycke" in messages(error.value)
    consent = give_consent(actor, episode.patient, "fk_information", given=5)
    information = inform()
    assert information.consent == consent
    entry = information.journal_entry
    assert entry.entry_type == EntryType.FK_INFORMATION and entry.kva_codes == ["GC001"]
    assert "2019:1297" in entry.text and entry.is_signed
    consent_services.consent_revoke(
        actor=actor, consent=consent, revoked_on=days_ago(0), method="telefon"
    )
    with pytest.raises(ValidationError):
        inform()
    assert FkInformation.objects.count() == 1


# --- Sick-leave periods -------------------------------------------------------------------------


def test_sick_leave_periods_once_each_and_voided_not_deleted(actor, patient):
    def add(**overrides):
        values = {
            "start_date": days_ago(40),
            "end_date": days_ago(-10),
            "extent": 100,
            "occupation": "anstalld",
        }
        values.update(overrides)
        return services.sick_leave_add(actor=actor, patient=patient, **values)

    period = add()
    with pytest.raises(ValidationError) as error:
        add()
    assert "redan registrerad" in messages(error.value)
    with pytest.raises(ValidationError):
        add(end_date=days_ago(50))
    with pytest.raises(ValidationError):
        add(extent=30)
    with pytest.raises(ValidationError):
        add(start_date=days_ago(800), end_date=days_ago(1))
    services.sick_leave_void(actor=actor, period=period, reason="Fel patient")
    add()  # the voided one no longer blocks it
    assert SickLeavePeriod.objects.count() == 2
    assert (
        SickLeavePeriod.objects.filter(voided_at__isnull=False).get().void_reason == "Fel patient"
    )


def test_status_set_by_hand_is_kept_when_activity_is_recorded(actor, episode):
    services.status_set(actor=actor, patient=episode.patient, status="uppfoljning")
    record_activity(actor, episode)
    assert FollowUp.objects.get().status == "uppfoljning"
    assert FollowUp.history.count() >= 2
    with pytest.raises(ValidationError):
        services.status_set(actor=actor, patient=episode.patient, status="nonsense")


def test_other_units_cannot_touch_an_episode(episode, other_unit):
    stranger = staff_at(other_unit)
    with pytest.raises(Episode.DoesNotExist):
        record_activity(actor_for(stranger, other_unit), episode)


def test_periods_in_the_future_are_allowed_up_to_a_year(actor, patient):
    services.sick_leave_add(
        actor=actor,
        patient=patient,
        start_date=days_ago(-3),
        end_date=days_ago(-30),
        extent=50,
        occupation="arbetssokande",
    )
    with pytest.raises(ValidationError):
        services.sick_leave_add(
            actor=actor,
            patient=patient,
            start_date=days_ago(-300),
            end_date=days_ago(-400),
            extent=50,
            occupation="arbetssokande",
        )


# --- The return-to-work plan --------------------------------------------------------------------


def draw_up(actor, episode, based_on=0, **overrides):
    values = {
        "goals": "Tillbaka i arbete på heltid i februari.",
        "steps": [
            {"from": days_ago(-21), "work": 50, "note": ""},
            {"from": days_ago(-7), "work": 25, "note": "Förmiddagar"},
            {"from": None, "work": None, "note": ""},
        ],
        "planned_sick_leave": "Sjukskrivning 75 % till dess, därefter 50 %.",
        "collaboration": ["arbetsgivare", "fk"],
        "collaboration_note": "Avstämningsmöte med FK i januari.",
        "next_follow_up": days_ago(-14),
    }
    values.update(overrides)
    return services.plan_save(actor=actor, episode=episode, based_on=based_on, **values)


def test_plan_is_drawn_up_with_dv077_then_followed_up_with_aw026(actor, episode):
    first = draw_up(actor, episode)
    assert (first.number, first.kind, first.kva_code) == (1, "upprattad", "DV077")
    assert [s["work"] for s in first.steps] == [25, 50]  # in date order, blank row left out
    entry = first.journal_entry
    assert entry.entry_type == EntryType.VARDPLAN and entry.kva_codes == ["DV077"]
    assert "från " + days_ago(-7).isoformat() + " arbete 25 % (Förmiddagar)" in entry.text
    assert "Samverkan: arbetsgivaren, försäkringskassan" in entry.text
    episode.refresh_from_db()
    assert episode.next_follow_up == days_ago(-14)

    with pytest.raises(ValidationError) as error:
        draw_up(actor, episode, based_on=1)
    assert "hur planen har följts" in messages(error.value)
    second = draw_up(
        actor,
        episode,
        based_on=1,
        follow_up_note="Halvtid fungerar; ökar till 75 %.",
        steps=[{"from": days_ago(-10), "work": 75, "note": ""}],
    )
    assert (second.number, second.kva_code) == (2, "AW026")
    assert second.journal_entry.kva_codes == ["AW026"]
    first.refresh_from_db()
    assert first.steps[0]["work"] == 25  # the first version is kept as it was


def test_plan_conflict_and_bad_steps(actor, episode):
    draw_up(actor, episode)
    from journal.services import ConflictError

    with pytest.raises(ConflictError):
        draw_up(actor, episode, based_on=0)  # drawn up by someone else meanwhile
    with pytest.raises(ValidationError) as error:
        draw_up(
            actor,
            episode,
            based_on=1,
            follow_up_note="x",
            steps=[{"from": days_ago(-3), "work": 30, "note": ""}],
        )
    assert "25, 50, 75 eller 100" in messages(error.value)
    with pytest.raises(ValidationError) as error:
        draw_up(
            actor,
            episode,
            based_on=1,
            follow_up_note="x",
            steps=[
                {"from": days_ago(-3), "work": 50, "note": ""},
                {"from": days_ago(-3), "work": 75, "note": ""},
            ],
        )
    assert "samma datum" in messages(error.value)
    with pytest.raises(services.DiagnosisInText):
        draw_up(actor, episode, based_on=1, follow_up_note="Bättre av F32.1-behandlingen")


def test_plan_needs_the_consent(actor, episode, consented):
    consent_services.consent_revoke(
        actor=actor, consent=consented, revoked_on=days_ago(0), method="telefon"
    )
    with pytest.raises(ValidationError) as error:
        draw_up(actor, episode)
    assert "återkallades" in messages(error.value)


def test_follow_up_review_keeps_history_with_its_author(actor):
    review = services.follow_up_reviewed(actor=actor)
    assert review.history.get().history_user == actor.user
