"""Nothing stays on a meeting that is over without a decision. Closing a meeting moves every case
it did not discuss (waiting for consent, off the agenda, a late registration the chair never
decided on, not reached) to the next open meeting; cancelling a meeting moves all of them. There
the consent gate is asked again, as for any case on that meeting's agenda (mbt.status). Each
move is recorded (Postponement, with its cause) and the case's registrant is told: on the start
page until they have seen it, and by e-mail (how many and a link, never who).

A patient already registered to the next meeting is not registered twice: the moved case is
withdrawn from the old meeting, and that is journalled as any withdrawal is.

Callers hold the lock of the meeting the cases leave, and the cases' own (mbt/services/locks.py);
the meeting they go to is only read."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import clock
from journal.accesslog import Actor
from journal.models import EntryType
from journal.services import journal_entry_create, save_by
from mbt import reminders
from mbt.models import CaseReferral, Meeting, Postponement
from mbt.services.dates import next_open_meeting
from mbt.services.locks import case_and_meeting_locked

Cause = Postponement.Cause


def _day(meeting: Meeting) -> str:
    return timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")


def _reason(cause: str, meeting: Meeting) -> str:
    """Why the case moved, as its history and the next meeting's agenda say it."""
    day = _day(meeting)
    return {
        Cause.NOT_REACHED: _("Hanns inte med på mötet %(day)s."),
        Cause.WAITING: _("Väntade på samtycke när mötet %(day)s avslutades."),
        Cause.LEFT: _("Hade lämnat dagordningen när mötet %(day)s avslutades."),
        Cause.LATE: _("Sen anmälan som ordföranden inte tog ställning till på mötet %(day)s."),
        Cause.CANCELLED: _("Mötet %(day)s ställdes in."),
        Cause.RESCUED: _("Mötet %(day)s var redan över utan att ärendet togs upp."),
    }[cause] % {"day": day}


def withdraw(actor: Actor, case: CaseReferral, reason: str) -> CaseReferral:
    """Takes a locked case off its meeting and journals it (återtagen anmälan)."""
    case.state = CaseReferral.State.WITHDRAWN
    case.withdrawn_reason = reason
    case.version += 1
    save_by(actor, case)
    journal_entry_create(
        actor=actor,
        patient=case.patient,
        entry_type=EntryType.MBT_ANMALAN,
        text=_("MBT-anmälan till mötet %(when)s återtogs. Skäl: %(reason)s")
        % {"when": _day(case.meeting), "reason": reason},
    )
    return case


def move_cases(
    *,
    actor: Actor,
    meeting: Meeting,
    cases: Sequence[CaseReferral],
    causes: dict[int, str],
    mail: bool = True,
) -> Meeting | None:
    """Moves the (locked) cases of the (locked) meeting to the next open meeting after it and
    tells their registrants. Returns the meeting they went to, or None when there were none.
    Without an open meeting to go to, nothing moves: the caller's whole write is refused."""
    if not cases:
        return None
    target = next_open_meeting(meeting.team, after=meeting.starts_at)
    if target is None:
        raise ValidationError(
            ngettext(
                "Det finns inget senare möte med öppen anmälan att flytta %(n)s ärende till. "
                "Planera fler möten först.",
                "Det finns inget senare möte med öppen anmälan att flytta %(n)s ärenden till. "
                "Planera fler möten först.",
                len(cases),
            )
            % {"n": len(cases)}
        )
    now = clock.now()
    already_there = set(
        CaseReferral.objects.filter(meeting=target, patient_id__in=[c.patient_id for c in cases])
        .exclude(state=CaseReferral.State.WITHDRAWN)
        .values_list("patient_id", flat=True)
    )
    position = CaseReferral.objects.filter(meeting=target).aggregate(m=Max("position"))["m"] or 0
    told: dict = {}
    for case in sorted(cases, key=lambda c: (c.position, c.pk)):
        moved, withdrawn = told.get(case.registrant, (0, 0))
        if case.patient_id in already_there:
            withdraw(
                actor,
                case,
                _("Patienten är redan anmäld till mötet %(day)s. %(why)s")
                % {"day": _day(target), "why": _reason(causes[case.pk], meeting)},
            )
            told[case.registrant] = (moved, withdrawn + 1)
            continue
        move = Postponement(
            case=case,
            from_meeting=meeting,
            to_meeting=target,
            cause=causes[case.pk],
            reason=_reason(causes[case.pk], meeting),
            by=actor.user,
            at=now,
        )
        move.full_clean()
        save_by(actor, move)
        position += 1
        case.meeting = target
        case.position = position
        # On time for the next meeting: a late registration is an ordinary one there.
        case.state = CaseReferral.State.REGISTERED
        case.version += 1
        save_by(actor, case)
        already_there.add(case.patient_id)
        told[case.registrant] = (moved + 1, withdrawn)
    if mail:
        reminders.issue_cases_moved(meeting, target, told, now=now)
    return target


@transaction.atomic
def case_to_next_meeting(*, actor: Actor, case: CaseReferral) -> CaseReferral:
    """A case left on a meeting that is over (closed or cancelled before meetings moved their
    cases) goes to the next open meeting: the way forward for such a case."""
    current, meeting = case_and_meeting_locked(actor, case)
    if current.state not in (CaseReferral.State.REGISTERED, CaseReferral.State.LATE):
        raise ValidationError(_("Ärendet är redan hanterat."))
    if meeting.status == Meeting.Status.PLANNED:
        raise ValidationError(_("Mötet är inte över: ärendet står kvar på det."))
    move_cases(
        actor=actor,
        meeting=meeting,
        cases=[current],
        causes={current.pk: Cause.RESCUED},
        mail=False,
    )
    current.refresh_from_db()
    return current


@transaction.atomic
def notices_seen(*, actor: Actor, moves: Sequence[Postponement]) -> int:
    """The registrant has seen the notices of their moved cases on the start page."""
    now = clock.now()
    seen = 0
    for move in Postponement.objects.select_for_update(of=("self",)).filter(
        pk__in=[m.pk for m in moves],
        case__unit=actor.unit,
        case__registrant=actor.user,
        seen_at__isnull=True,
    ):
        move.seen_at = now
        save_by(actor, move, update_fields=["seen_at"])
        seen += 1
    return seen
