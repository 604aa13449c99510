"""Writes about consents. Giving and revoking each write a signed journal entry in the same
transaction (HSLF-FS 2016:40: consents and revoked consents are recorded in the journal)."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation
from consent.models import Consent, ConsentForm, RevocationMethod, Scope, scope_phrase
from consent.uploads import CheckedUpload
from core import clock
from journal.accesslog import Actor
from journal.models import EntryType, Patient
from journal.services import (
    DuplicateSubmission,
    already_submitted,
    journal_entry_create,
    save_by,
)

OLDEST_CONSENT = datetime.timedelta(days=5 * 366)


def _scope_text(scope: str, party: Organisation | None) -> str:
    return scope_phrase(scope, party.name if party else None)


@transaction.atomic
def consent_give(
    *,
    actor: Actor,
    patient: Patient,
    scope: str,
    form: str,
    given_on: datetime.date,
    valid_until: datetime.date | None = None,
    party: Organisation | None = None,
    note: str = "",
    document: CheckedUpload | None = None,
    submission_key=None,
):
    """Records a consent at the actor's unit and journals it. A written consent needs its
    signed form (already checked by consent.uploads.check_upload). With a submission_key,
    sending the same form twice records one consent."""
    if submission_key is not None:
        earlier = already_submitted(
            Consent, submission_key, actor=actor, author_field="recorded_by"
        )
        if earlier is not None:
            return earlier
    today = clock.today()
    errors = {}
    if given_on > today:
        errors["given_on"] = _("Datumet då samtycket gavs kan inte ligga i framtiden.")
    elif given_on < today - OLDEST_CONSENT or (
        patient.birth_date and given_on < patient.birth_date
    ):
        errors["given_on"] = _(
            "Datumet ligger orimligt långt bakåt. Kontrollera årtalet; ett samtycke äldre än "
            "fem år bör förnyas."
        )
    if valid_until and valid_until < given_on:
        errors["valid_until"] = _("Slutdatumet kan inte ligga före datumet då samtycket gavs.")
    if scope == Scope.SAMVERKAN and party is None:
        errors["party"] = _("Välj vilken part samverkan gäller.")
    if scope != Scope.SAMVERKAN:
        party = None
    if form == ConsentForm.SKRIFTLIGT and document is None:
        errors["document"] = _("Ladda upp den underskrivna blanketten för ett skriftligt samtycke.")
    if errors:
        raise ValidationError(errors)

    consent = Consent(
        patient=patient,
        unit=actor.unit,
        scope=scope,
        party=party,
        form=form,
        given_on=given_on,
        valid_until=valid_until,
        note=(note or "").strip(),
        recorded_by=actor.user,
        recorded_at=clock.now(),
        submission_key=submission_key,
    )
    if document is not None:
        consent.document_token = uuid.uuid4().hex
        consent.document_extension = document.extension
        consent.document_content_type = document.content_type
        consent.document_size = document.size
        consent.document_sha256 = document.sha256
        # The file is written first; if the transaction fails it is an orphan, never a hole.
        consent.document.save("blankett", ContentFile(document.content), save=False)

    what = _scope_text(scope, party)
    text = _("Samtycke till %(what)s gavs %(form)s %(date)s.") % {
        "what": what,
        "form": _("muntligt") if form == ConsentForm.MUNTLIGT else _("skriftligt"),
        "date": given_on.isoformat(),
    }
    if valid_until:
        text += " " + _("Gäller till och med %(date)s.") % {"date": valid_until.isoformat()}
    if scope == Scope.MBT:
        text += " " + _(
            "Samtycket omfattar att teamets medlemmar tar del av journalen för ärendet."
        )
    if form == ConsentForm.SKRIFTLIGT:
        text += " " + _("Underskriven blankett finns inskannad.")
    if consent.note:
        text += "\n" + consent.note
    consent.journal_entry = journal_entry_create(
        actor=actor, patient=patient, entry_type=EntryType.SAMTYCKE, text=text, sign=True
    )
    consent.full_clean(exclude=["document"], validate_unique=False)
    try:
        with transaction.atomic():
            save_by(actor, consent)
    except IntegrityError:
        if submission_key is None:
            raise
        # The same form sent twice at once: the other request recorded it (and its entry).
        raise DuplicateSubmission(Consent.objects.get(submission_key=submission_key)) from None
    return consent


@transaction.atomic
def consent_revoke(
    *,
    actor: Actor,
    consent: Consent,
    revoked_on: datetime.date,
    method: str,
    reason: str = "",
) -> tuple[Consent, bool]:
    """Revokes a consent and journals it. Revoking an already revoked consent changes nothing
    and returns (consent, False)."""
    current = (
        Consent.objects.select_for_update(of=("self",))
        .select_related("party")
        .get(pk=consent.pk, unit=actor.unit)
    )
    if current.revoked_on is not None:
        return current, False
    errors = {}
    if revoked_on > clock.today():
        errors["revoked_on"] = _("Datumet kan inte ligga i framtiden.")
    if revoked_on < current.given_on:
        errors["revoked_on"] = _(
            "Samtycket kan inte återkallas före datumet då det gavs (%(date)s)."
        ) % {"date": current.given_on.isoformat()}
    if method not in RevocationMethod.values:
        errors["method"] = _("Välj hur patienten återkallade samtycket.")
    if errors:
        raise ValidationError(errors)
    current.revoked_on = revoked_on
    current.revoked_by = actor.user
    current.revoked_at = clock.now()
    current.revocation_method = method
    current.revocation_reason = (reason or "").strip()
    text = _("Samtycke till %(what)s (givet %(given)s) återkallades %(date)s, %(how)s.") % {
        "what": _scope_text(current.scope, current.party),
        "given": current.given_on.isoformat(),
        "date": revoked_on.isoformat(),
        "how": str(RevocationMethod(method).label).lower(),
    }
    if current.revocation_reason:
        text += " " + _("Skäl: %(reason)s") % {"reason": current.revocation_reason}
    current.revocation_entry = journal_entry_create(
        actor=actor, patient=current.patient, entry_type=EntryType.SAMTYCKE, text=text, sign=True
    )
    current.full_clean(exclude=["document"])
    save_by(actor, current)
    return current, True
