"""E-mail reminders for MBT: the registration deadline is tomorrow; the agenda is ready. Links
only, never patient data (e-mail leaves the care provider's systems)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mbt.models import Meeting, ReminderSent
from mbt.services import deadline_of

LOOKAHEAD_DAYS = 30


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _recipients(meeting: Meeting) -> list[str]:
    """Internal members with an address: external members cannot open the links anyway."""
    from mbt.selectors import current_members

    emails = (
        current_members(meeting.team)
        .filter(user__isnull=False, user__is_active=True)
        .values_list("user__email", flat=True)
    )
    return sorted({e for e in emails if e})


def _message(meeting: Meeting, kind: str) -> tuple[str, str]:
    when = timezone.localtime(meeting.starts_at)
    day = when.strftime("%Y-%m-%d")
    unit = meeting.team.unit.name
    if kind == ReminderSent.Kind.DEADLINE_TOMORROW:
        deadline = timezone.localtime(deadline_of(meeting))
        subject = f"MBT {day}: sista anmälningsdag i morgon"
        body = (
            f"Sista dag att anmäla ärenden till MBT vid {unit} den {day} kl. {when:%H:%M} "
            f"är i morgon, {deadline:%Y-%m-%d} kl. {deadline:%H:%M}.\n\n"
            f"Anmäl ett ärende: {_link('mbt:register')}\n"
            f"Mötet: {_link('mbt:meeting', meeting.pk)}\n"
        )
    else:
        subject = f"MBT {day}: dagordningen är klar"
        body = (
            f"Dagordningen till MBT vid {unit} den {day} kl. {when:%H:%M} är klar. "
            "Förbered dig genom att läsa journalen för ärendena och markera dem som "
            "förberedda.\n\n"
            f"Dagordningen: {_link('mbt:meeting', meeting.pk)}\n"
        )
    body += "\nDet här är ett automatiskt meddelande från Återgång. Svara inte på det.\n"
    return subject, body


def due(now: datetime.datetime) -> list[tuple[Meeting, str]]:
    """The reminders that should go out now and have not."""
    today = timezone.localtime(now).date()
    tomorrow = today + datetime.timedelta(days=1)
    meetings = Meeting.objects.filter(
        status=Meeting.Status.PLANNED,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(days=LOOKAHEAD_DAYS),
    ).select_related("team__unit")
    sent = set(ReminderSent.objects.filter(meeting__in=meetings).values_list("meeting_id", "kind"))
    result = []
    for meeting in meetings:
        deadline = deadline_of(meeting)
        if (
            timezone.localtime(deadline).date() == tomorrow
            and (meeting.pk, ReminderSent.Kind.DEADLINE_TOMORROW) not in sent
        ):
            result.append((meeting, ReminderSent.Kind.DEADLINE_TOMORROW))
        if deadline <= now and (meeting.pk, ReminderSent.Kind.AGENDA_READY) not in sent:
            result.append((meeting, ReminderSent.Kind.AGENDA_READY))
    return result


OVERDUE_REMINDER_EVERY = datetime.timedelta(days=7)


def send_overdue(*, today: datetime.date | None = None) -> int:
    """One e-mail per owner of overdue feedback tasks: how many, and a link. Again a week later
    if still not done. Never the patients' names."""
    from mbt.models import FeedbackTask

    today = today or timezone.localdate()
    tasks = list(
        FeedbackTask.objects.select_for_update(of=("self",))
        .filter(done_at__isnull=True, due_on__lt=today, owner__is_active=True)
        .exclude(reminded_on__gt=today - OVERDUE_REMINDER_EVERY)
        .select_related("owner")
    )
    by_owner: dict[int, list] = {}
    for task in tasks:
        by_owner.setdefault(task.owner_id, []).append(task)
    sent = 0
    for owner_tasks in by_owner.values():
        owner = owner_tasks[0].owner
        if owner.email:
            count = len(owner_tasks)
            EmailMessage(
                f"Återgång: {count} försenade återkoppling{'ar' if count > 1 else ''} efter MBT",
                (
                    f"Du har {count} återkoppling{'ar' if count > 1 else ''} efter MBT som "
                    f"skulle ha varit klar{'a' if count > 1 else ''}. Återkoppla till patienten "
                    f"och journalför här: {_link('mbt:tasks')}\n\n"
                    "Det här är ett automatiskt meddelande från Återgång. Svara inte på det.\n"
                ),
                settings.DEFAULT_FROM_EMAIL,
                [owner.email],
            ).send()
            sent += 1
        FeedbackTask.objects.filter(pk__in=[t.pk for t in owner_tasks]).update(reminded_on=today)
    return sent


def send_due(*, now: datetime.datetime | None = None) -> int:
    """Sends every due reminder once (one e-mail per recipient, so no one sees the others'
    addresses). Returns the number of e-mails sent."""
    now = now or timezone.now()
    count = 0
    for meeting, kind in due(now):
        recipients = _recipients(meeting)
        try:
            with transaction.atomic():
                ReminderSent.objects.create(meeting=meeting, kind=kind, recipients=len(recipients))
        except IntegrityError:
            continue  # another run got there first
        subject, body = _message(meeting, kind)
        for address in recipients:
            EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]).send()
            count += 1
    return count
