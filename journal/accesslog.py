"""Writing the PDL access log. Every read of patient data goes through a selector that calls
log_access; a refused attempt at another unit's patient calls log_denied. Nothing here reads the
log: see selectors.py for the review."""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import CareUnit, User
from config.middleware import client_ip
from core import clock
from journal.models import AccessLog, CareRelation, LogReviewSettings, Patient
from journal.workdays import is_working_day

Action = AccessLog.Action


@dataclass(frozen=True)
class Actor:
    """Who is acting, where and from which request: what every access-log row records."""

    user: User
    unit: CareUnit
    ip: str | None = None
    request_id: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        return cls(
            user=request.user,
            unit=request.active_unit,
            ip=client_ip(request),
            request_id=getattr(request, "request_id", ""),
        )


def log_settings_for(unit: CareUnit) -> LogReviewSettings:
    """The unit's thresholds, or the defaults (07-18 on working days, 3x median, at least 20)."""
    found = LogReviewSettings.objects.filter(unit=unit).first()
    return found or LogReviewSettings(unit=unit)


def is_outside_office_hours(moment: datetime.datetime, settings: LogReviewSettings) -> bool:
    local = timezone.localtime(moment)
    if not is_working_day(local.date()):
        return True
    return not (settings.office_start <= local.time() < settings.office_end)


# The print rows of a printout being made (see printout()); None outside one.
_held_prints: contextvars.ContextVar[list[AccessLog] | None] = contextvars.ContextVar(
    "held_prints", default=None
)


class Printout:
    def __init__(self):
        self.held: list[AccessLog] = []

    def discard(self) -> None:
        """Nothing is printed after all (there was nothing to print)."""
        self.held.clear()


@contextlib.contextmanager
def printout() -> Iterator[Printout]:
    """Makes a printed document: PRINT rows logged inside the block are held back and written,
    in one INSERT, when the block ends without an exception, that is once the document exists.
    A document that could not be made leaves no print in the log; rows of other actions (and
    refusals) inside the block are written at once, as always."""
    printing = Printout()
    token = _held_prints.set(printing.held)
    try:
        yield printing
    finally:
        _held_prints.reset(token)
    if printing.held:
        AccessLog.objects.bulk_create(printing.held)


def log_access(
    actor: Actor,
    patients: Iterable[Patient],
    action: str,
    what: str,
    *,
    purpose: str = "vård och behandling",
) -> list[AccessLog]:
    """One row per patient, written in one INSERT, with the review flags fixed now. Inside
    printout(), PRINT rows wait until the document exists."""
    rows = access_rows(actor, patients, action, what, purpose=purpose)
    held = _held_prints.get()
    if held is not None and action == Action.PRINT:
        held.extend(rows)
        return rows
    return AccessLog.objects.bulk_create(rows) if rows else []


def access_rows(
    actor: Actor,
    patients: Iterable[Patient],
    action: str,
    what: str,
    *,
    purpose: str = "vård och behandling",
) -> list[AccessLog]:
    """The unsaved rows log_access would write: for a caller that writes rows of several
    units in one statement (an export)."""
    patients = list({p.pk: p for p in patients}.values())
    if not patients:
        return []
    now = clock.now()
    outside = is_outside_office_hours(now, log_settings_for(actor.unit))
    related = set(
        CareRelation.objects.filter(
            unit=actor.unit, patient_id__in=[p.pk for p in patients]
        ).values_list("patient_id", flat=True)
    )
    return [
        AccessLog(
            at=now,
            user=actor.user,
            unit=actor.unit,
            patient=patient,
            action=action,
            what=what[:200],
            purpose=purpose,
            ip=actor.ip,
            request_id=actor.request_id,
            has_care_relation=patient.pk in related,
            protected_identity=patient.protected_identity,
            outside_office_hours=outside,
        )
        for patient in patients
    ]


def log_denied(actor: Actor, patient_id: object, what: str) -> AccessLog:
    """Records a refused attempt. durable=True: this must never run inside another transaction,
    where the failed request's rollback would take the row with it."""
    patient = None
    if patient_id is not None:
        with contextlib.suppress(TypeError, ValueError):
            patient = Patient.objects.filter(pk=int(str(patient_id))).first()
        if patient is None:
            what = f"{what} (id {str(patient_id)[:20]} finns inte)"
    with transaction.atomic(durable=True):
        now = clock.now()
        return AccessLog.objects.create(
            at=now,
            user=actor.user,
            unit=actor.unit,
            patient=patient,
            action=Action.DENIED,
            what=what[:200],
            ip=actor.ip,
            request_id=actor.request_id,
            has_care_relation=False,
            protected_identity=bool(patient and patient.protected_identity),
            outside_office_hours=is_outside_office_hours(now, log_settings_for(actor.unit)),
        )
