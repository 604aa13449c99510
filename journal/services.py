"""Writes about patients, journal entries and log reviews. Every function takes the Actor (who,
at which unit, from which request), runs in one transaction and writes its access-log rows in it.

journal_entry_create is the one way any app writes a journal entry."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Assignment, CareUnit, Role, User
from core import clock
from journal.accesslog import Action, Actor, log_access
from journal.models import (
    CareRelation,
    EntryType,
    IdentityKind,
    JournalEntry,
    LogReview,
    LogReviewSettings,
    Patient,
)
from journal.personnummer import PERSONNUMMER, parse_identity_number

KVA_CODE = re.compile(r"^[A-Z]{2}\d{3}$")


class DuplicateSubmission(Exception):
    """The same form was sent twice at the same moment; `record` is what the first one made.
    Raised (rolling back the second request's own writes) rather than returned, so that
    nothing the second request did survives."""

    def __init__(self, record):
        super().__init__("duplicate submission")
        self.record = record


class ConflictError(Exception):
    """Someone else saved the same record since it was opened."""

    def __init__(self, current):
        super().__init__("conflict")
        self.current = current


PATIENT_DETAIL_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "postal_code",
    "city",
    "interpreter_needed",
    "interpreter_language",
    "protected_identity",
    "deceased_date",
)


def save_by(actor: Actor, instance, **kwargs) -> None:
    """Saves with the actor as the history record's author, request or not. Every app's
    services save their history-tracked models through this."""
    instance._history_user = actor.user
    instance.save(**kwargs)


def _fill_known_patient(patient: Patient, details: dict) -> None:
    """A patient another unit already registered: what this unit enters fills what is missing,
    and never overwrites another unit's data. Protected identity and a date of death are never
    taken away by a registration."""
    for field, value in details.items():
        current = getattr(patient, field)
        if field == "protected_identity":
            patient.protected_identity = current or bool(value)
        elif current in ("", None, False) and value not in ("", None):
            setattr(patient, field, value)


def already_submitted(
    model, submission_key, *, actor: Actor, author_field: str, unit_field: str | None = "unit"
):
    """What an earlier sending of the same form created, if anything. A key used by someone
    else, or at another unit (`unit_field` is the lookup from the record to its unit; None
    where the author alone decides, as for a manager's log review of any of their units), is
    refused rather than handed out."""
    earlier = model.objects.filter(submission_key=submission_key).first()
    if earlier is None:
        return None
    same_unit = unit_field is None or (
        model.objects.filter(pk=earlier.pk, **{unit_field: actor.unit}).exists()
    )
    if getattr(earlier, f"{author_field}_id") != actor.user.pk or not same_unit:
        raise ValidationError(_("Formuläret kunde inte tas emot. Ladda om sidan och försök igen."))
    return earlier


def _check_fast_vardkontakt(actor: Actor, user: User | None, *, keep: User | None = None) -> None:
    """The fast vårdkontakt is staff of the unit; one already chosen may stay after their
    assignment ends, until someone picks another."""
    if user is None or (keep is not None and user.pk == keep.pk):
        return
    if not user.assignments.current().filter(unit=actor.unit).exists():
        raise ValidationError(
            {
                "fast_vardkontakt": _(
                    "Fast vårdkontakt ska vara en medarbetare med uppdrag vid %(unit)s."
                )
                % {"unit": actor.unit}
            }
        )


def _next_reservnummer(actor: Actor) -> str:
    """R + the unit's id + year + a running number: unit-local and never shaped like a
    personnummer."""
    year = clock.today().year
    prefix = f"R{actor.unit.pk}-{year}-"
    taken = Patient.objects.filter(
        identity_kind=IdentityKind.RESERVNUMMER,
        reserve_unit=actor.unit,
        identity_number__startswith=prefix,
    ).count()
    return f"{prefix}{taken + 1:04d}"


@transaction.atomic
def patient_register(
    *,
    actor: Actor,
    identity: str | None,
    use_reservnummer: bool = False,
    fast_vardkontakt: User | None = None,
    **details,
) -> Patient:
    """Registers a patient at the actor's unit: creates the patient unless the number is known,
    and the care relation. A patient already registered elsewhere gets the details entered here
    (the latest information wins; history keeps the earlier)."""
    unknown = set(details) - set(PATIENT_DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"unknown patient fields: {sorted(unknown)}")
    if use_reservnummer:
        # Serialise reservnummer issuing per unit so two registrations cannot take one number.
        CareUnit.objects.select_for_update().get(pk=actor.unit.pk)
        patient = Patient(
            created_at=clock.now(),
            identity_kind=IdentityKind.RESERVNUMMER,
            identity_number=_next_reservnummer(actor),
            reserve_unit=actor.unit,
        )
    else:
        try:
            parsed = parse_identity_number(identity, today=clock.today())
        except ValueError as error:
            raise ValidationError({"identity": str(error)}) from None
        patient = (
            Patient.objects.select_for_update().filter(identity_number=parsed.canonical).first()
        )
        if patient is None:
            patient = Patient(
                created_at=clock.now(),
                identity_kind=(
                    IdentityKind.PERSONNUMMER
                    if parsed.kind == PERSONNUMMER
                    else IdentityKind.SAMORDNINGSNUMMER
                ),
                identity_number=parsed.canonical,
            )
        elif CareRelation.objects.filter(patient=patient, unit=actor.unit).exists():
            raise ValidationError(
                {
                    "identity": _("Patienten är redan registrerad vid %(unit)s.")
                    % {"unit": actor.unit}
                }
            )
    _check_fast_vardkontakt(actor, fast_vardkontakt)
    if patient.pk is None:
        for field, value in details.items():
            setattr(patient, field, value)
    else:
        _fill_known_patient(patient, details)
    if not patient.interpreter_needed:
        patient.interpreter_language = ""
    patient.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            save_by(actor, patient)
    except IntegrityError:
        # Registered at the same moment by someone else. The database's message names the
        # number; this one does not.
        raise ValidationError(
            {"identity": _("Patienten registrerades just av någon annan. Sök fram patienten.")}
        ) from None
    relation = CareRelation(
        patient=patient,
        unit=actor.unit,
        created_by=actor.user,
        created_at=clock.now(),
        fast_vardkontakt=fast_vardkontakt,
    )
    relation.full_clean()
    save_by(actor, relation)
    log_access(actor, [patient], Action.CREATE, "registrering av patient")
    return patient


@transaction.atomic
def patient_update(
    *,
    actor: Actor,
    patient: Patient,
    version: int,
    fast_vardkontakt: User | None,
    **details,
) -> Patient:
    """Updates a patient's details and the unit's fast vårdkontakt. Raises ConflictError when
    someone else saved since the form was opened."""
    current = Patient.objects.select_for_update().get(pk=patient.pk)
    if current.version != version:
        raise ConflictError(current)
    for field, value in details.items():
        if field not in PATIENT_DETAIL_FIELDS:
            raise TypeError(f"unknown patient field: {field}")
        setattr(current, field, value)
    if not current.interpreter_needed:
        current.interpreter_language = ""
    current.version += 1
    current.full_clean()
    save_by(actor, current)
    relation = CareRelation.objects.select_for_update().get(patient=current, unit=actor.unit)
    _check_fast_vardkontakt(actor, fast_vardkontakt, keep=relation.fast_vardkontakt)
    if relation.fast_vardkontakt_id != (fast_vardkontakt.pk if fast_vardkontakt else None):
        relation.fast_vardkontakt = fast_vardkontakt
        save_by(actor, relation, update_fields=["fast_vardkontakt"])
    log_access(actor, [current], Action.UPDATE, "ändring av patientuppgifter")
    return current


def _clean_kva_codes(codes: Sequence[str]) -> list[str]:
    cleaned = []
    for code in codes:
        code = code.strip().upper()
        if not code:
            continue
        if not KVA_CODE.match(code):
            raise ValidationError(
                {
                    "kva_codes": _(
                        "%(code)s är ingen KVÅ-kod (två bokstäver och tre siffror, t.ex. GC001)."
                    )
                    % {"code": code}
                }
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


@transaction.atomic
def journal_entry_create(
    *,
    actor: Actor,
    patient: Patient,
    entry_type: str,
    text: str,
    kva_codes: Sequence[str] = (),
    sign: bool = True,
    corrects: JournalEntry | None = None,
    submission_key=None,
    author: User | None = None,
) -> JournalEntry:
    """The one way to write a journal entry. Entries written on a user's action (consent given,
    activity logged, feedback given) are signed at once; a free-text note may be a draft until
    its author signs it. With a submission_key, sending the same form twice writes one entry.
    `author` lets a service prepare a draft for someone else to sign (the MBT registrant's
    conference entry); a signed entry is always the actor's own."""
    author = author or actor.user
    if sign and author.pk != actor.user.pk:
        raise ValueError("only one's own entries are signed")
    if submission_key is not None:
        earlier = already_submitted(
            JournalEntry, submission_key, actor=actor, author_field="author"
        )
        if earlier is not None:
            return earlier
    if not CareRelation.objects.filter(patient=patient, unit=actor.unit).exists():
        raise ValidationError(
            _("Patienten har ingen vårdrelation vid %(unit)s.") % {"unit": actor.unit}
        )
    now = clock.now()
    entry = JournalEntry(
        patient=patient,
        unit=actor.unit,
        author=author,
        author_name=author.display_name,
        author_profession=author.profession,
        entry_type=entry_type,
        kva_codes=_clean_kva_codes(kva_codes),
        text=(text or "").strip(),
        created_at=now,
        updated_at=now,
        signed_at=now if sign else None,
        corrects=corrects,
        submission_key=submission_key,
    )
    if not entry.text:
        raise ValidationError({"text": _("Skriv anteckningens text.")})
    entry.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            save_by(actor, entry)
    except IntegrityError:
        if submission_key is None:
            raise
        # The same form, sent twice at the same moment: the other request wrote it.
        return JournalEntry.objects.get(submission_key=submission_key)
    log_access(actor, [patient], Action.CREATE, f"journalanteckning {entry.pk}")
    return entry


def _own_draft(actor: Actor, entry: JournalEntry) -> JournalEntry:
    current = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if current.unit_id != actor.unit.pk or current.author_id != actor.user.pk:
        raise ValidationError(_("Bara författaren kan ändra eller signera ett utkast."))
    if current.is_signed:
        raise ValidationError(
            _("Anteckningen är redan signerad. En signerad anteckning ändras genom en rättelse.")
        )
    return current


@transaction.atomic
def journal_entry_update_draft(
    *, actor: Actor, entry: JournalEntry, text: str, kva_codes: Sequence[str], version: int
) -> JournalEntry:
    current = _own_draft(actor, entry)
    if current.version != version:
        raise ConflictError(current)
    current.text = (text or "").strip()
    if not current.text:
        raise ValidationError({"text": _("Skriv anteckningens text.")})
    current.kva_codes = _clean_kva_codes(kva_codes)
    current.version += 1
    current.updated_at = clock.now()
    current.full_clean()
    save_by(actor, current)
    log_access(actor, [current.patient], Action.UPDATE, f"journalanteckning {current.pk} (utkast)")
    return current


@transaction.atomic
def journal_entry_sign(*, actor: Actor, entry: JournalEntry) -> JournalEntry:
    """Signs the author's own draft; from now on it cannot change."""
    current = _own_draft(actor, entry)
    current.signed_at = clock.now()
    current.version += 1
    save_by(actor, current, update_fields=["signed_at", "version"])
    log_access(
        actor, [current.patient], Action.UPDATE, f"signering av journalanteckning {current.pk}"
    )
    return current


@transaction.atomic
def journal_draft_reassign(*, actor: Actor, entry: JournalEntry, author: User) -> JournalEntry:
    """Hands an unsigned draft to another author (a task moved to a colleague)."""
    current = JournalEntry.objects.select_for_update().get(pk=entry.pk, unit=actor.unit)
    if current.is_signed:
        raise ValidationError(_("Anteckningen är redan signerad."))
    current.author = author
    current.author_name = author.display_name
    current.author_profession = author.profession
    current.version += 1
    save_by(actor, current)
    return current


@transaction.atomic
def journal_entry_correct(
    *, actor: Actor, entry: JournalEntry, text: str, submission_key=None
) -> JournalEntry:
    """A correction: a new signed entry that refers to the signed one it corrects, by anyone at
    the unit (the correction names its own author)."""
    original = JournalEntry.objects.get(pk=entry.pk, unit=actor.unit)
    if not original.is_signed:
        raise ValidationError(_("Ett utkast ändras direkt; bara signerade anteckningar rättas."))
    return journal_entry_create(
        actor=actor,
        patient=original.patient,
        entry_type=original.entry_type,
        text=text,
        kva_codes=original.kva_codes,
        sign=True,
        corrects=original,
        submission_key=submission_key,
    )


@transaction.atomic
def log_review_record(
    *,
    actor: Actor,
    period_start: datetime.date,
    period_end: datetime.date,
    filters: dict,
    sample: str,
    findings: str,
    outcome: str,
    actions_taken: str = "",
    unit: CareUnit | None = None,
    submission_key=None,
) -> LogReview:
    """Records a completed log review of a unit where the actor is manager (the active unit by
    default). With a submission_key, sending the same form twice records one review."""
    if submission_key is not None:
        earlier = already_submitted(
            LogReview, submission_key, actor=actor, author_field="reviewer", unit_field=None
        )
        if earlier is not None:
            return earlier
    unit = unit or actor.unit
    if (
        not Assignment.objects.current()
        .filter(user=actor.user, unit=unit, role=Role.MANAGER)
        .exists()
    ):
        raise ValidationError(
            {"unit": _("Du kan bara registrera uppföljning för enheter där du är chef.")}
        )
    review = LogReview(
        unit=unit,
        reviewer=actor.user,
        period_start=period_start,
        period_end=period_end,
        filters=filters,
        sample=sample.strip(),
        findings=findings.strip(),
        outcome=outcome,
        actions_taken=actions_taken.strip(),
        submission_key=submission_key,
    )
    if outcome != LogReview.Outcome.NO_FINDINGS and not review.actions_taken:
        raise ValidationError({"actions_taken": _("Beskriv vad som görs åt avvikelserna.")})
    review.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            save_by(actor, review)
    except IntegrityError:
        if submission_key is not None:
            # The same form, sent twice at the same moment: the other request recorded it.
            earlier = LogReview.objects.filter(submission_key=submission_key).first()
            if earlier is not None:
                return earlier
        raise ValidationError(_("Uppföljningen kunde inte sparas; kontrollera perioden.")) from None
    return review


@transaction.atomic
def log_settings_update(
    *,
    actor: Actor,
    office_start: datetime.time,
    office_end: datetime.time,
    volume_factor,
    volume_minimum: int,
) -> LogReviewSettings:
    settings, _created = LogReviewSettings.objects.select_for_update().get_or_create(
        unit=actor.unit
    )
    settings.office_start = office_start
    settings.office_end = office_end
    settings.volume_factor = volume_factor
    settings.volume_minimum = volume_minimum
    if office_end <= office_start:
        raise ValidationError({"office_end": _("Kontorstiden måste sluta efter att den börjar.")})
    settings.full_clean()
    save_by(actor, settings)
    return settings


__all__ = [
    "ConflictError",
    "EntryType",
    "journal_entry_correct",
    "journal_entry_create",
    "journal_entry_sign",
    "journal_entry_update_draft",
    "log_review_record",
    "log_settings_update",
    "patient_register",
    "DuplicateSubmission",
    "already_submitted",
    "patient_update",
    "save_by",
]
