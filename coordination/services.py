"""Writes about koordineringsinsatser. Each function takes the Actor, runs in one transaction,
and journals what the law asks to be journalled: every activity and every information to
Försäkringskassan with KVÅ GC001, without diagnosis.

The consent gate: an episode starts, an activity is recorded and Försäkringskassan is informed
only with a consent that covers it, on the day it happens and today (consent.rules)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Assignment, Organisation, Profession, User
from consent import rules
from consent.models import Consent, Scope
from coordination.diagnosis import diagnosis_codes
from coordination.models import (
    GC001,
    Activity,
    ActivityKind,
    ContactMode,
    CoordinatorStatus,
    EndReason,
    Episode,
    Extent,
    FkChannel,
    FkInformation,
    FollowUp,
    Occupation,
    SickLeavePeriod,
)
from core import clock
from journal.accesslog import Action, Actor, log_access
from journal.models import EntryType, Patient
from journal.services import (
    ConflictError,
    DuplicateSubmission,
    already_submitted,
    journal_entry_create,
    save_by,
)

OLDEST = datetime.timedelta(days=5 * 366)
LONGEST_PERIOD_DAYS = 366
FURTHEST_AHEAD = datetime.timedelta(days=366)


class DiagnosisInText(ValidationError):
    """Text that looks like a diagnosis code, in documentation that must be diagnosis-free.
    The form shows the codes and lets the user remove them or confirm they are no diagnosis."""

    def __init__(self, field: str, codes: list[str]):
        self.codes = codes
        self.field = field
        super().__init__({field: diagnosis_message(codes)})


def diagnosis_message(codes: list[str]) -> str:
    return _(
        "Texten innehåller något som liknar en diagnoskod (%(codes)s). Koordineringsinsatser "
        "journalförs utan diagnos: ta bort koden, eller bekräfta att det inte är en diagnos."
    ) % {"codes": ", ".join(codes)}


def _check_diagnosis_free(field: str, text: str, *, confirmed: bool) -> None:
    codes = diagnosis_codes(text)
    if codes and not confirmed:
        raise DiagnosisInText(field, codes)


def _date_in_range(day: datetime.date, *, field: str, future: bool = False) -> None:
    today = clock.today()
    if not future and day > today:
        raise ValidationError({field: _("Datumet kan inte ligga i framtiden.")})
    if day < today - OLDEST:
        raise ValidationError(
            {field: _("Datumet ligger orimligt långt bakåt. Kontrollera årtalet.")}
        )
    if future and day > today + FURTHEST_AHEAD:
        raise ValidationError(
            {field: _("Datumet ligger mer än ett år fram i tiden. Kontrollera årtalet.")}
        )


def _colleague(actor: Actor, user: User | None, field: str) -> User:
    if user is None or not Assignment.objects.current().filter(user=user, unit=actor.unit).exists():
        raise ValidationError({field: _("Välj en medarbetare med uppdrag vid enheten.")})
    return user


# --- Consent ------------------------------------------------------------------------------------


def _consents(actor: Actor, patient: Patient) -> list[Consent]:
    return list(Consent.objects.filter(patient=patient, unit=actor.unit).select_related("party"))


def consent_cover(
    actor: Actor,
    patient: Patient,
    scope: str,
    *,
    on: datetime.date,
    consents: list[Consent] | None = None,
) -> rules.Coverage:
    """Does a consent of the scope hold both on the day and today? Answers with the reason."""
    consents = _consents(actor, patient) if consents is None else consents
    today = clock.today()
    answer = rules.coverage(consents, scope=scope, on=on)
    if answer.covered and on != today:
        now = rules.coverage(consents, scope=scope, on=today)
        if not now.covered:
            return now
    return answer


def _require_consent(
    actor: Actor, patient: Patient, scope: str, *, on: datetime.date, field: str
) -> Consent:
    answer = consent_cover(actor, patient, scope, on=on)
    if not answer.covered:
        what = {
            Scope.KOORDINERING: _("Koordineringsinsatser ges bara med patientens samtycke."),
            Scope.FK_INFORMATION: _(
                "Försäkringskassan informeras bara med patientens samtycke (2019:1297 4 §)."
            ),
        }[scope]
        raise ValidationError(
            {field: f"{what} {answer.reason} " + _("Registrera samtycket först.")}
        )
    return answer.consent


def _require_samverkan_consent(
    actor: Actor, patient: Patient, organisation: Organisation, *, on: datetime.date
) -> None:
    """Samverkan with a party outside the unit's vårdgivare needs the patient's consent to
    samverkan with that party (consent.rules decides whether it is outside)."""
    need = rules.consent_needed(
        vardgivare=actor.unit.vardgivare, parties=[rules.organisation_party(organisation)]
    )
    if not need.needed:
        return
    consents = _consents(actor, patient)
    answer = rules.coverage(
        consents,
        scope=Scope.SAMVERKAN,
        on=on,
        party_id=organisation.pk,
        party_name=organisation.name,
    )
    if not answer.covered:
        raise ValidationError(
            {
                "organisation": _(
                    "Samverkan med %(party)s kräver patientens samtycke. %(reason)s "
                    "Registrera samtycket först."
                )
                % {"party": organisation.name, "reason": answer.reason}
            }
        )


# --- Sick-leave periods -------------------------------------------------------------------------


def _check_period(start: datetime.date, end: datetime.date, extent: int, occupation: str) -> None:
    errors = {}
    if end < start:
        errors["end_date"] = _("Slutdatumet kan inte ligga före startdatumet.")
    elif (end - start).days + 1 > LONGEST_PERIOD_DAYS:
        errors["end_date"] = _("En period kan vara högst ett år. Dela upp längre sjukskrivningar.")
    if extent not in Extent.values:
        errors["extent"] = _("Välj omfattning: 25, 50, 75 eller 100 %.")
    if occupation not in Occupation.values:
        errors["occupation"] = _("Välj sysselsättning.")
    if errors:
        raise ValidationError(errors)
    _date_in_range(start, field="start_date", future=True)
    _date_in_range(end, field="end_date", future=True)


@transaction.atomic
def sick_leave_add(
    *,
    actor: Actor,
    patient: Patient,
    start_date: datetime.date,
    end_date: datetime.date,
    extent: int,
    occupation: str,
    source: str = SickLeavePeriod.Source.MANUAL,
) -> SickLeavePeriod:
    """Records a sick-leave period at the actor's unit. The same period twice is refused."""
    _check_period(start_date, end_date, extent, occupation)
    period = SickLeavePeriod(
        patient=patient,
        unit=actor.unit,
        start_date=start_date,
        end_date=end_date,
        extent=extent,
        occupation=occupation,
        source=source,
        created_by=actor.user,
        created_at=clock.now(),
    )
    try:
        with transaction.atomic():
            save_by(actor, period)
    except IntegrityError:
        raise ValidationError(
            {"start_date": _("Perioden är redan registrerad för patienten.")}
        ) from None
    log_access(actor, [patient], Action.CREATE, "sjukskrivningsperiod")
    return period


@transaction.atomic
def sick_leave_void(*, actor: Actor, period: SickLeavePeriod, reason: str) -> SickLeavePeriod:
    """Voids a period entered by mistake; it stays in the history with who, when and why."""
    current = SickLeavePeriod.objects.select_for_update().get(pk=period.pk, unit=actor.unit)
    if current.voided_at is not None:
        return current
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Ange varför perioden tas bort.")})
    current.voided_at = clock.now()
    current.voided_by = actor.user
    current.void_reason = reason.strip()
    save_by(actor, current)
    log_access(actor, [current.patient], Action.UPDATE, "sjukskrivningsperiod makulerad")
    return current


# --- The coordinator's status -------------------------------------------------------------------


@transaction.atomic
def status_set(*, actor: Actor, patient: Patient, status: str) -> FollowUp:
    if status not in CoordinatorStatus.values:
        raise ValidationError({"status": _("Välj en status.")})
    follow_up = (
        FollowUp.objects.select_for_update().filter(unit=actor.unit, patient=patient).first()
    )
    if follow_up is None:
        follow_up = FollowUp(
            unit=actor.unit,
            patient=patient,
            status=status,
            changed_by=actor.user,
            changed_at=clock.now(),
        )
        save_by(actor, follow_up)
    elif follow_up.status != status:
        follow_up.status = status
        follow_up.changed_by = actor.user
        follow_up.changed_at = clock.now()
        save_by(actor, follow_up)
    return follow_up


def _status_moves_on(actor: Actor, patient: Patient, *, to: str, unless: tuple[str, ...] = ()):
    current = (
        FollowUp.objects.filter(unit=actor.unit, patient=patient)
        .values_list("status", flat=True)
        .first()
    )
    if current != to and current not in unless:
        status_set(actor=actor, patient=patient, status=to)


# --- Episodes -----------------------------------------------------------------------------------


@transaction.atomic
def episode_start(
    *,
    actor: Actor,
    patient: Patient,
    responsible: User | None,
    started_on: datetime.date,
    need: str,
    assessed_by: User | None,
    assessed_on: datetime.date,
    employer: str = "",
    employer_contact: str = "",
    next_follow_up: datetime.date | None = None,
    diagnosis_confirmed: bool = False,
    submission_key=None,
) -> Episode:
    """Starts koordineringsinsatser for the patient: after a läkare's medical assessment, and
    only with a valid consent to koordineringsinsatser."""
    if submission_key is not None:
        earlier = already_submitted(Episode, submission_key, actor=actor, author_field="created_by")
        if earlier is not None:
            return earlier
    errors = {}
    if not (need or "").strip():
        errors["need"] = _("Beskriv patientens behov av stöd för att återgå i arbete.")
    if assessed_by is None or assessed_by.profession != Profession.LAKARE:
        errors["assessed_by"] = _(
            "Ange vilken läkare som gjort den medicinska bedömningen: den är en förutsättning "
            "för koordineringsinsatser."
        )
    elif not Assignment.objects.filter(user=assessed_by, unit=actor.unit).exists():
        errors["assessed_by"] = _("Läkaren har inget uppdrag vid enheten.")
    if assessed_on > started_on:
        errors["assessed_on"] = _("Den medicinska bedömningen ska vara gjord före starten.")
    if errors:
        raise ValidationError(errors)
    _date_in_range(started_on, field="started_on")
    _date_in_range(assessed_on, field="assessed_on")
    if next_follow_up is not None:
        _date_in_range(next_follow_up, field="next_follow_up", future=True)
    _colleague(actor, responsible, "responsible")
    _check_diagnosis_free("need", need, confirmed=diagnosis_confirmed)
    consent = _require_consent(actor, patient, Scope.KOORDINERING, on=started_on, field="__all__")
    if Episode.objects.filter(unit=actor.unit, patient=patient, ended_on__isnull=True).exists():
        raise ValidationError(_("Patienten har redan pågående koordineringsinsatser vid enheten."))
    episode = Episode(
        patient=patient,
        unit=actor.unit,
        responsible=responsible,
        started_on=started_on,
        need=need.strip(),
        employer=(employer or "").strip(),
        employer_contact=(employer_contact or "").strip(),
        assessed_by=assessed_by,
        assessed_on=assessed_on,
        consent=consent,
        next_follow_up=next_follow_up,
        created_by=actor.user,
        created_at=clock.now(),
        submission_key=submission_key,
    )
    episode.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            save_by(actor, episode)
    except IntegrityError:
        if submission_key is not None and Episode.objects.filter(submission_key=submission_key):
            raise DuplicateSubmission(Episode.objects.get(submission_key=submission_key)) from None
        raise ValidationError(
            _("Patienten har redan pågående koordineringsinsatser vid enheten.")
        ) from None
    text = _(
        "Koordineringsinsatser påbörjade %(start)s efter medicinsk bedömning av %(doctor)s "
        "%(assessed)s. Ansvarig: %(responsible)s. Behov: %(need)s"
    ) % {
        "start": started_on.isoformat(),
        "doctor": assessed_by.display_name,
        "assessed": assessed_on.isoformat(),
        "responsible": responsible.name_and_profession,
        "need": episode.need,
    }
    journal_entry_create(
        actor=actor, patient=patient, entry_type=EntryType.KOORDINERINGSINSATS, text=text
    )
    _status_moves_on(
        actor, patient, to=CoordinatorStatus.AKTIV, unless=(CoordinatorStatus.UPPFOLJNING,)
    )
    return episode


def _locked_episode(actor: Actor, episode: Episode, version: int | None = None) -> Episode:
    current = (
        Episode.objects.select_for_update(of=("self",))
        .select_related("patient")
        .get(pk=episode.pk, unit=actor.unit)
    )
    if version is not None and current.version != version:
        raise ConflictError(current)
    return current


@transaction.atomic
def episode_update(
    *,
    actor: Actor,
    episode: Episode,
    version: int,
    responsible: User | None,
    need: str,
    employer: str,
    employer_contact: str,
    next_follow_up: datetime.date | None,
    diagnosis_confirmed: bool = False,
) -> Episode:
    current = _locked_episode(actor, episode, version)
    if not current.is_open:
        raise ValidationError(_("Ärendet är avslutat och kan inte ändras."))
    if not (need or "").strip():
        raise ValidationError({"need": _("Beskriv patientens behov av stöd.")})
    if next_follow_up is not None:
        _date_in_range(next_follow_up, field="next_follow_up", future=True)
    if responsible is None or responsible.pk != current.responsible_id:
        _colleague(actor, responsible, "responsible")
    _check_diagnosis_free("need", need, confirmed=diagnosis_confirmed)
    current.responsible = responsible
    current.need = need.strip()
    current.employer = (employer or "").strip()
    current.employer_contact = (employer_contact or "").strip()
    current.next_follow_up = next_follow_up
    current.version += 1
    save_by(actor, current)
    return current


@transaction.atomic
def episode_end(
    *,
    actor: Actor,
    episode: Episode,
    version: int,
    ended_on: datetime.date,
    reason: str,
    note: str = "",
    diagnosis_confirmed: bool = False,
) -> Episode:
    current = _locked_episode(actor, episode, version)
    if not current.is_open:
        return current
    if reason not in EndReason.values:
        raise ValidationError({"reason": _("Välj varför insatserna avslutas.")})
    _date_in_range(ended_on, field="ended_on")
    if ended_on < current.started_on:
        raise ValidationError(
            {
                "ended_on": _("Ärendet kan inte avslutas före startdatumet (%(date)s).")
                % {"date": current.started_on.isoformat()}
            }
        )
    _check_diagnosis_free("note", note, confirmed=diagnosis_confirmed)
    current.ended_on = ended_on
    current.end_reason = reason
    current.end_note = (note or "").strip()
    current.next_follow_up = None
    current.version += 1
    save_by(actor, current)
    text = _("Koordineringsinsatser avslutade %(date)s: %(reason)s.") % {
        "date": ended_on.isoformat(),
        "reason": str(EndReason(reason).label).lower(),
    }
    if current.end_note:
        text += " " + current.end_note
    journal_entry_create(
        actor=actor, patient=current.patient, entry_type=EntryType.KOORDINERINGSINSATS, text=text
    )
    _status_moves_on(actor, current.patient, to=CoordinatorStatus.AVSLUTAD)
    return current


@transaction.atomic
def episodes_reassign_all(*, actor: Actor, from_user: User, to_user: User | None) -> int:
    """Moves every open episode at the unit from one person to another in one step (someone
    leaves or is away). Returns how many moved."""
    if to_user is not None and from_user.pk == to_user.pk:
        raise ValidationError({"to_user": _("Välj en annan medarbetare.")})
    _colleague(actor, to_user, "to_user")
    episodes = list(
        Episode.objects.select_for_update().filter(
            unit=actor.unit, responsible=from_user, ended_on__isnull=True
        )
    )
    for episode in episodes:
        episode.responsible = to_user
        episode.version += 1
        save_by(actor, episode)
    return len(episodes)


# --- Activities ---------------------------------------------------------------------------------


def _activity_text(
    kind: str,
    organisation: Organisation | None,
    mode: str,
    patient_contact: bool,
    minutes: int,
    note: str,
) -> str:
    what = str(ActivityKind(kind).label)
    if organisation is not None:
        what += f": {organisation.name}"
    how = ", ".join(
        [
            str(ContactMode(mode).label).lower(),
            _("med patientkontakt") if patient_contact else _("utan patientkontakt"),
            _("%(minutes)s min") % {"minutes": minutes},
        ]
    )
    return f"{_('Koordineringsinsats')}. {what} ({how}).\n{note.strip()}"


@transaction.atomic
def activity_record(
    *,
    actor: Actor,
    episode: Episode,
    kind: str,
    performed_on: datetime.date,
    minutes: int,
    patient_contact: bool,
    mode: str,
    note: str,
    organisation: Organisation | None = None,
    diagnosis_confirmed: bool = False,
    submission_key=None,
) -> Activity:
    """Records a koordineringsinsats and journals it, signed, with KVÅ GC001 and no diagnosis."""
    if submission_key is not None:
        earlier = already_submitted(
            Activity, submission_key, actor=actor, author_field="performed_by"
        )
        if earlier is not None:
            return earlier
    current = _locked_episode(actor, episode)
    errors = {}
    if not current.is_open:
        raise ValidationError(_("Ärendet är avslutat. Starta ett nytt för nya insatser."))
    if kind not in ActivityKind.values:
        errors["kind"] = _("Välj vilken sorts insats.")
    if kind == ActivityKind.SAMVERKAN and organisation is None:
        errors["organisation"] = _("Välj vilken aktör samverkan gällde.")
    if mode not in ContactMode.values:
        errors["mode"] = _("Välj kontaktsätt.")
    if not isinstance(minutes, int) or not 1 <= minutes <= 600:
        errors["minutes"] = _("Ange tiden i minuter, 1–600.")
    if not (note or "").strip():
        errors["note"] = _("Skriv vad som gjordes.")
    if errors:
        raise ValidationError(errors)
    if kind != ActivityKind.SAMVERKAN:
        organisation = None
    _date_in_range(performed_on, field="performed_on")
    if performed_on < current.started_on:
        raise ValidationError(
            {
                "performed_on": _("Insatsen kan inte ligga före ärendets start (%(date)s).")
                % {"date": current.started_on.isoformat()}
            }
        )
    _check_diagnosis_free("note", note, confirmed=diagnosis_confirmed)
    patient = current.patient
    _require_consent(actor, patient, Scope.KOORDINERING, on=performed_on, field="__all__")
    if organisation is not None:
        _require_samverkan_consent(actor, patient, organisation, on=performed_on)
    entry = journal_entry_create(
        actor=actor,
        patient=patient,
        entry_type=EntryType.KOORDINERINGSINSATS,
        text=_activity_text(kind, organisation, mode, patient_contact, minutes, note),
        kva_codes=[GC001],
    )
    activity = Activity(
        episode=current,
        unit=actor.unit,
        kind=kind,
        organisation=organisation,
        performed_on=performed_on,
        minutes=minutes,
        patient_contact=patient_contact,
        mode=mode,
        note=note.strip(),
        performed_by=actor.user,
        journal_entry=entry,
        created_at=clock.now(),
        submission_key=submission_key,
    )
    try:
        with transaction.atomic():
            save_by(actor, activity)
    except IntegrityError:
        if submission_key is None:
            raise
        raise DuplicateSubmission(Activity.objects.get(submission_key=submission_key)) from None
    if current.last_activity_on is None or performed_on > current.last_activity_on:
        current.last_activity_on = performed_on
        save_by(actor, current, update_fields=["last_activity_on"])
    if patient_contact:
        _status_moves_on(
            actor,
            patient,
            to=CoordinatorStatus.AKTIV,
            unless=(CoordinatorStatus.UPPFOLJNING, CoordinatorStatus.AVSLUTAD),
        )
    return activity


# --- Information to Försäkringskassan -----------------------------------------------------------


@transaction.atomic
def fk_inform(
    *,
    actor: Actor,
    episode: Episode,
    informed_on: datetime.date,
    channel: str,
    content: str,
    diagnosis_confirmed: bool = False,
    submission_key=None,
) -> FkInformation:
    """Records that Försäkringskassan was told of the patient's need of rehabilitation measures
    (2019:1297 4 §), only with a valid consent of that scope; journalled with GC001."""
    if submission_key is not None:
        earlier = already_submitted(
            FkInformation, submission_key, actor=actor, author_field="informed_by"
        )
        if earlier is not None:
            return earlier
    current = _locked_episode(actor, episode)
    if not current.is_open:
        raise ValidationError(_("Ärendet är avslutat."))
    errors = {}
    if channel not in FkChannel.values:
        errors["channel"] = _("Välj hur Försäkringskassan informerades.")
    if not (content or "").strip():
        errors["content"] = _("Skriv vad som lämnades till Försäkringskassan.")
    if errors:
        raise ValidationError(errors)
    _date_in_range(informed_on, field="informed_on")
    if informed_on < current.started_on:
        raise ValidationError(
            {
                "informed_on": _("Datumet kan inte ligga före ärendets start (%(date)s).")
                % {"date": current.started_on.isoformat()}
            }
        )
    _check_diagnosis_free("content", content, confirmed=diagnosis_confirmed)
    consent = _require_consent(
        actor, current.patient, Scope.FK_INFORMATION, on=informed_on, field="__all__"
    )
    text = _(
        "Information till Försäkringskassan enligt lag (2019:1297) om koordineringsinsatser 4 § "
        "om att patienten har behov av rehabiliteringsåtgärder, %(date)s, %(channel)s. "
        "Patienten har samtyckt (%(consent)s).\n%(content)s"
    ) % {
        "date": informed_on.isoformat(),
        "channel": str(FkChannel(channel).label).lower(),
        "consent": _("givet %(date)s") % {"date": consent.given_on.isoformat()},
        "content": content.strip(),
    }
    entry = journal_entry_create(
        actor=actor,
        patient=current.patient,
        entry_type=EntryType.FK_INFORMATION,
        text=text,
        kva_codes=[GC001],
    )
    information = FkInformation(
        episode=current,
        unit=actor.unit,
        informed_on=informed_on,
        channel=channel,
        content=content.strip(),
        informed_by=actor.user,
        consent=consent,
        journal_entry=entry,
        created_at=clock.now(),
        submission_key=submission_key,
    )
    try:
        with transaction.atomic():
            save_by(actor, information)
    except IntegrityError:
        if submission_key is None:
            raise
        raise DuplicateSubmission(
            FkInformation.objects.get(submission_key=submission_key)
        ) from None
    return information


# --- The follow-up list -------------------------------------------------------------------------


@transaction.atomic
def follow_up_reviewed(*, actor: Actor):
    """Marks the unit's follow-up list as gone through by the user, now."""
    from coordination.models import FollowUpReview

    review = FollowUpReview(user=actor.user, unit=actor.unit, reviewed_at=clock.now())
    review.full_clean()
    save_by(actor, review)
    return review


# --- The return-to-work plan --------------------------------------------------------------------

WORK_SHARES = (25, 50, 75, 100)


def _clean_steps(steps: list[dict]) -> list[dict]:
    """Steps as {"from": date, "work": 25|50|75|100, "note": str}: dated, in date order, one
    per day."""
    cleaned = []
    for step in steps:
        day, work = step.get("from"), step.get("work")
        if day is None and not work:
            continue
        if day is None or work not in WORK_SHARES:
            raise ValidationError(
                {"steps": _("Varje steg behöver ett datum och en andel: 25, 50, 75 eller 100 %.")}
            )
        _date_in_range(day, field="steps", future=True)
        cleaned.append({"from": day, "work": work, "note": (step.get("note") or "").strip()})
    cleaned.sort(key=lambda s: s["from"])
    days = [s["from"] for s in cleaned]
    if len(days) != len(set(days)):
        raise ValidationError({"steps": _("Två steg har samma datum.")})
    return [{**s, "from": s["from"].isoformat()} for s in cleaned]


def _plan_text(version) -> str:
    from coordination.models import Collaboration

    lines = [
        (
            _("Plan för återgång i arbete upprättad (version %(n)s).")
            if version.number == 1
            else _("Plan för återgång i arbete uppföljd (version %(n)s).")
        )
        % {"n": version.number}
    ]
    if version.follow_up_note:
        lines.append(_("Uppföljning: %(text)s") % {"text": version.follow_up_note})
    lines.append(_("Mål: %(text)s") % {"text": version.goals})
    if version.steps:
        lines.append(
            _("Steg: %(steps)s")
            % {
                "steps": "; ".join(
                    _("från %(day)s arbete %(work)s %%") % {"day": s["from"], "work": s["work"]}
                    + (f" ({s['note']})" if s["note"] else "")
                    for s in version.steps
                )
            }
        )
    lines.append(_("Planerad sjukskrivning: %(text)s") % {"text": version.planned_sick_leave})
    if version.collaboration:
        lines.append(
            _("Samverkan: %(with)s")
            % {
                "with": ", ".join(
                    str(Collaboration(c).label).lower() for c in version.collaboration
                )
            }
            + (f". {version.collaboration_note}" if version.collaboration_note else "")
        )
    if version.next_follow_up:
        lines.append(
            _("Nästa uppföljning %(date)s.") % {"date": version.next_follow_up.isoformat()}
        )
    return "\n".join(lines)


@transaction.atomic
def plan_save(
    *,
    actor: Actor,
    episode: Episode,
    based_on: int,
    goals: str,
    steps: list[dict],
    planned_sick_leave: str,
    collaboration: list[str],
    collaboration_note: str = "",
    follow_up_note: str = "",
    next_follow_up: datetime.date | None = None,
    diagnosis_confirmed: bool = False,
    submission_key=None,
):
    """Draws up the plan (version 1, KVÅ DV077) or records its follow-up as a new version
    (AW026). `based_on` is the version the user saw (0 for none): a plan changed in between is a
    conflict, never overwritten. Journalled, signed; the episode's next follow-up follows."""
    from coordination.models import Collaboration, PlanVersion

    if submission_key is not None:
        earlier = already_submitted(
            PlanVersion, submission_key, actor=actor, author_field="created_by"
        )
        if earlier is not None:
            return earlier
    current = _locked_episode(actor, episode)
    if not current.is_open:
        raise ValidationError(_("Ärendet är avslutat."))
    latest = current.plan_versions.order_by("-number").first()
    if (latest.number if latest else 0) != based_on:
        raise ConflictError(latest)
    number = based_on + 1
    errors = {}
    if not (goals or "").strip():
        errors["goals"] = _("Skriv målet med planen.")
    if not (planned_sick_leave or "").strip():
        errors["planned_sick_leave"] = _("Beskriv den planerade sjukskrivningen.")
    if number > 1 and not (follow_up_note or "").strip():
        errors["follow_up_note"] = _("Skriv hur planen har följts sedan förra versionen.")
    if any(c not in Collaboration.values for c in collaboration):
        errors["collaboration"] = _("Välj bland de listade aktörerna.")
    if errors:
        raise ValidationError(errors)
    cleaned_steps = _clean_steps(steps)
    if next_follow_up is not None:
        _date_in_range(next_follow_up, field="next_follow_up", future=True)
    confirmed = diagnosis_confirmed
    _check_diagnosis_free("goals", goals, confirmed=confirmed)
    _check_diagnosis_free("planned_sick_leave", planned_sick_leave, confirmed=confirmed)
    _check_diagnosis_free("follow_up_note", follow_up_note, confirmed=confirmed)
    _check_diagnosis_free("collaboration_note", collaboration_note, confirmed=confirmed)
    _require_consent(actor, current.patient, Scope.KOORDINERING, on=clock.today(), field="__all__")
    version = PlanVersion(
        episode=current,
        unit=actor.unit,
        number=number,
        kind=PlanVersion.Kind.DRAWN_UP if number == 1 else PlanVersion.Kind.FOLLOWED_UP,
        goals=goals.strip(),
        steps=cleaned_steps,
        planned_sick_leave=planned_sick_leave.strip(),
        collaboration=list(dict.fromkeys(collaboration)),
        collaboration_note=(collaboration_note or "").strip(),
        follow_up_note=(follow_up_note or "").strip() if number > 1 else "",
        next_follow_up=next_follow_up,
        created_by=actor.user,
        created_at=clock.now(),
        submission_key=submission_key,
    )
    version.journal_entry = journal_entry_create(
        actor=actor,
        patient=current.patient,
        entry_type=EntryType.VARDPLAN,
        text=_plan_text(version),
        kva_codes=[version.kva_code],
    )
    try:
        with transaction.atomic():
            save_by(actor, version)
    except IntegrityError:
        if submission_key is not None and PlanVersion.objects.filter(submission_key=submission_key):
            raise DuplicateSubmission(
                PlanVersion.objects.get(submission_key=submission_key)
            ) from None
        raise ConflictError(current.plan_versions.order_by("-number").first()) from None
    if next_follow_up != current.next_follow_up and next_follow_up is not None:
        current.next_follow_up = next_follow_up
        current.version += 1
        save_by(actor, current)
    return version


@transaction.atomic
def sick_leave_import(*, actor: Actor, items: list[tuple]) -> tuple[int, int]:
    """Stores imported periods: items are (patient_id, start, end, extent, occupation) already
    read and checked (coordination.importer). Periods the unit already has are skipped, so the
    same file imported twice adds nothing. Returns (added, skipped)."""
    from journal.selectors import patients_at_unit

    patients = patients_at_unit(actor.unit).in_bulk({item[0] for item in items})
    added, skipped, touched = 0, 0, []
    now = clock.now()
    for patient_id, start, end, extent, occupation in items:
        patient = patients.get(patient_id)
        if patient is None:
            skipped += 1
            continue
        _check_period(start, end, extent, occupation)
        period = SickLeavePeriod(
            patient=patient,
            unit=actor.unit,
            start_date=start,
            end_date=end,
            extent=extent,
            occupation=occupation,
            source=SickLeavePeriod.Source.IMPORT,
            created_by=actor.user,
            created_at=now,
        )
        try:
            with transaction.atomic():
                save_by(actor, period)
        except IntegrityError:
            skipped += 1
            continue
        added += 1
        touched.append(patient)
    log_access(actor, touched, Action.CREATE, "sjukskrivningsperioder (import)")
    return added, skipped
