"""The one order in which MBT writes lock rows, so that two writes never wait for each other in a
circle (PostgreSQL breaks such a deadlock after a second by failing one of them, which the user
would see as an error):

0. the team (its routine);
1. a meeting;
2. then its cases, several in ascending id;
3. then what belongs to a case: its discussion, action items, preparations, feedback task.

A write may skip a level (lock a case alone, or a feedback task alone) but never go back up: no
meeting after a case, no case after a discussion. Only the named rows are locked (`of=("self",)`):
a plain FOR UPDATE over a join would lock the joined team or patient rows too.

A write that starts from a case therefore reads the case's meeting without a lock, locks that
meeting, then locks the case and checks that it is still on the meeting. A case changes meeting
(postponed, or a late registration sent on) only while the meeting it leaves is locked, so once
that meeting is locked and the case is still on it, it stays."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from journal.accesslog import Actor
from mbt.models import CaseReferral, Meeting

# A case can move between reading its meeting and locking it only if someone postpones it in
# that instant; more than a couple of moves in a row means something is wrong.
_ATTEMPTS = 3


def meeting_locked(actor: Actor, meeting_id: int) -> Meeting:
    """Level 1: the meeting, at the actor's unit."""
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=meeting_id, team__unit=actor.unit)
    )


def case_and_meeting_locked(actor: Actor, case: CaseReferral) -> tuple[CaseReferral, Meeting]:
    """Levels 1 and 2 for a write that starts from a case: its meeting, then the case."""
    for _attempt in range(_ATTEMPTS):
        meeting_id = (
            CaseReferral.objects.filter(pk=case.pk, unit=actor.unit)
            .values_list("meeting_id", flat=True)
            .get()
        )
        meeting = meeting_locked(actor, meeting_id)
        current = case_locked(actor, case)
        if current.meeting_id == meeting.pk:
            current.meeting = meeting
            return current, meeting
    raise ValidationError(
        _("Ärendet flyttades till ett annat möte medan du arbetade. Ladda om sidan.")
    )


def case_locked(actor: Actor, case: CaseReferral) -> CaseReferral:
    """Level 2 alone: for a write that changes the case but neither its meeting nor depends on
    the meeting's state."""
    return (
        CaseReferral.objects.select_for_update(of=("self",))
        .select_related("meeting__team", "patient", "registrant")
        .get(pk=case.pk, unit=actor.unit)
    )


def cases_locked(cases: QuerySet[CaseReferral]) -> list[CaseReferral]:
    """Level 2 for several cases (of one locked meeting): in ascending id, whatever order the
    caller wants them in afterwards."""
    return list(cases.select_for_update(of=("self",)).order_by("pk"))
