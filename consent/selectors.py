"""Reads of consents, scoped to the actor's unit and access-logged."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import Http404

from consent.models import Consent
from core import clock
from journal.accesslog import Action, Actor, log_access, log_denied
from journal.models import Patient

EXPIRY_WINDOW_DAYS = 30


def consents_for_patient(*, actor: Actor, patient: Patient) -> list[Consent]:
    """The unit's consents for the patient, newest first. Shown on the patient page, whose
    read is logged by journal.selectors.patient_get."""
    return list(
        Consent.objects.filter(patient=patient, unit=actor.unit)
        .select_related("party", "recorded_by", "revoked_by")
        .order_by("-given_on", "-pk")
    )


def consent_get(*, actor: Actor, patient: Patient, consent_id: int) -> Consent:
    """The unit's consent for the patient (whose read the view has logged); else a 404 and a
    'denied' row naming the patient the consent belongs to. A patient known at two units is
    not a way into the other unit's consents."""
    consent = (
        Consent.objects.filter(pk=consent_id, patient=patient, unit=actor.unit)
        .select_related("party", "patient")
        .first()
    )
    if consent is None:
        owner = Consent.objects.filter(pk=consent_id).values_list("patient_id", flat=True).first()
        log_denied(actor, owner, f"samtycke {str(consent_id)[:20]}")
        raise Http404
    return consent


def consent_document(*, actor: Actor, consent: Consent) -> bytes:
    """The stored signed form. The view that sends it has logged the export (patient_get)."""
    with consent.document.open("rb") as handle:
        return handle.read()


def expiring_consents(
    *, actor: Actor, within_days: int = EXPIRY_WINDOW_DAYS, today: datetime.date | None = None
) -> QuerySet[Consent] | list[Consent]:
    """The unit's consents, still valid, that end within the window, soonest first. Every
    patient shown is logged."""
    today = today or clock.today()
    consents = list(
        Consent.objects.filter(
            unit=actor.unit,
            revoked_on__isnull=True,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=within_days),
        )
        .select_related("patient", "party")
        .order_by("valid_until", "patient__last_name", "pk")
    )
    log_access(actor, [c.patient for c in consents], Action.READ, "samtycken som går ut")
    return consents


def expiring_count(*, unit, within_days: int = EXPIRY_WINDOW_DAYS) -> int:
    """How many consents end soon (a number, no patient data: not logged)."""
    today = clock.today()
    return Consent.objects.filter(
        unit=unit,
        revoked_on__isnull=True,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=within_days),
    ).count()
