"""E-mail reminders for MBT. Links only, never patient data (e-mail leaves the care provider's
systems). Three kinds, each on the working-day calendar (journal/workdays.py):

- **deadline**: on the last working day before the registration deadline, from 07:00, to the
  team's internal members (the Friday before a Monday deadline, the day before a holiday);
- **agenda ready**: once the registration deadline has passed, to the same members;
- **overdue feedback**: to each owner of feedback tasks past their due day, and again a week
  later while they stay overdue;
- **cases moved**: to each registrant whose cases a closed or cancelled meeting moved to the
  next one. Issued by the closing or cancelling itself, whenever that happens (mbt/services/
  moves.py); only its delivery is this job's.

No reminder is issued outside a working day's hours (07:00-18:00): one that fell due in the
evening or over a weekend is issued at the next working day's start, if it still matters then.

A reminder that falls due is *issued* once, in one transaction: one ReminderMail per recipient.
It is then *delivered*: each mail is claimed (a short lease taken under a row lock), sent, and
marked sent in a transaction of its own. A send that fails leaves the mail unsent, with its
error logged, and the next run tries it again until it expires. Two runs at the same time, on
one machine or two, never send one mail twice; a run that dies between sending and marking may
send that one mail again once its lease has lapsed."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import clock
from journal.workdays import add_working_days, is_working_day
from mbt.models import FeedbackTask, Meeting, MeetingReminder, ReminderMail
from mbt.schedule import at_local
from mbt.services.dates import deadline_of

log = logging.getLogger(__name__)

DAY_STARTS = datetime.time(7, 0)
DAY_ENDS = datetime.time(18, 0)
LOOKAHEAD_DAYS = 30
OVERDUE_REMINDER_EVERY = datetime.timedelta(days=7)
# A mail about moved cases that could not be sent within this long is no news any more.
CASES_MOVED_MAIL_LASTS = datetime.timedelta(days=7)
# How long a run may take to send one mail before another run may try it.
CLAIM_FOR = datetime.timedelta(minutes=5)
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
FOOTER = "\nDet här är ett automatiskt meddelande från Återgång. Svara inte på det.\n"


@dataclass
class RunResult:
    issued: int = 0
    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        text = f"{self.sent} påminnelser skickade"
        if self.failed:
            text += f", {self.failed} kunde inte skickas (försöks igen vid nästa körning)"
        return text + "."


# --- The calendar --------------------------------------------------------------------------------


def in_working_hours(moment: datetime.datetime) -> bool:
    local = timezone.localtime(moment)
    return is_working_day(local.date()) and DAY_STARTS <= local.time() < DAY_ENDS


def working_moment(moment: datetime.datetime) -> datetime.datetime:
    """The first moment at or after `moment` within a working day's hours."""
    local = timezone.localtime(moment)
    if in_working_hours(local):
        return local
    day = local.date()
    if not is_working_day(day) or local.time() >= DAY_ENDS:
        day = add_working_days(day, 1)
    return at_local(day, DAY_STARTS)


def deadline_reminder_day(deadline: datetime.datetime) -> datetime.date:
    """The last working day before the deadline's day."""
    return add_working_days(timezone.localtime(deadline).date(), -1)


def deadline_reminder_from(meeting: Meeting) -> datetime.datetime:
    return at_local(deadline_reminder_day(deadline_of(meeting)), DAY_STARTS)


# --- Texts ---------------------------------------------------------------------------------------


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _day_words(day: datetime.date, today: datetime.date) -> str:
    """ "i morgon, fredag 2026-12-04"; "måndag 2026-12-07" further ahead."""
    named = f"{WEEKDAYS[day.weekday()]} {day:%Y-%m-%d}"
    if day == today:
        return f"i dag, {named}"
    if day == today + datetime.timedelta(days=1):
        return f"i morgon, {named}"
    return named


def _meeting_message(meeting: Meeting, kind: str, today: datetime.date) -> tuple[str, str]:
    when = timezone.localtime(meeting.starts_at)
    day = f"{when:%Y-%m-%d}"
    unit = meeting.team.unit.name
    if kind == MeetingReminder.Kind.DEADLINE:
        deadline = timezone.localtime(deadline_of(meeting))
        words = _day_words(deadline.date(), today)
        subject = f"MBT {day}: sista anmälningsdag {words.split(',')[0]} kl. {deadline:%H:%M}"
        body = (
            f"Sista dag att anmäla ärenden till MBT vid {unit} den {day} kl. {when:%H:%M} "
            f"är {words} kl. {deadline:%H:%M}.\n\n"
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
    return subject, body + FOOTER


def _overdue_message(count: int) -> tuple[str, str]:
    plural = count > 1
    subject = f"Återgång: {count} försenade återkoppling{'ar' if plural else ''} efter MBT"
    body = (
        f"Du har {count} återkoppling{'ar' if plural else ''} efter MBT som skulle ha varit "
        f"klar{'a' if plural else ''}. Återkoppla till patienten och journalför här: "
        f"{_link('mbt:tasks')}\n"
    )
    return subject, body + FOOTER


def _cases_moved_message(
    meeting: Meeting, target: Meeting, *, moved: int, withdrawn: int
) -> tuple[str, str]:
    """How many of the registrant's cases moved, and where; never who the patients are."""
    day = f"{timezone.localtime(meeting.starts_at):%Y-%m-%d}"
    when = timezone.localtime(target.starts_at)
    count = moved + withdrawn
    how = "inställt" if meeting.is_cancelled else "avslutat"
    cases = "ett av dina anmälda ärenden" if count == 1 else f"{count} av dina anmälda ärenden"
    subject = f"MBT {day}: {cases} har flyttats"
    body = (
        f"Mötet i MBT vid {meeting.team.unit.name} den {day} är {how}. "
        f"{'Ett ärende' if count == 1 else f'{count} ärenden'} som du har anmält togs inte upp "
        f"där och har flyttats till nästa möte, {WEEKDAYS[when.weekday()]} {when:%Y-%m-%d} "
        f"kl. {when:%H:%M}."
    )
    if withdrawn:
        already = "Ett" if withdrawn == 1 else str(withdrawn)
        body += f" {already} av dem var redan anmält dit och har tagits bort från det gamla mötet."
    body += (
        "\n\nPå startsidan ser du vilka ärenden det gäller och var de står nu, till exempel om "
        f"något väntar på patientens samtycke: {_link('start')}\n"
    )
    return subject, body + FOOTER


# --- Issuing -------------------------------------------------------------------------------------


def issue_cases_moved(
    meeting: Meeting, target: Meeting, cases_by_registrant: dict[User, tuple[int, int]], *, now
) -> list[ReminderMail]:
    """One mail to each registrant whose cases a closed or cancelled meeting moved (how many,
    where to, and a link). Issued in the closing's own transaction, at once (something changed
    for them, it is not a reminder), and delivered by the reminder job like the others."""
    mails = []
    for registrant, (moved, withdrawn) in cases_by_registrant.items():
        if not registrant.is_active or not registrant.email:
            continue
        subject, body = _cases_moved_message(meeting, target, moved=moved, withdrawn=withdrawn)
        mails.append(
            ReminderMail(
                kind=ReminderMail.Kind.CASES_MOVED,
                meeting=meeting,
                recipient=registrant,
                occasion=timezone.localdate(now),
                address=registrant.email,
                subject=subject,
                body=body,
                created_at=now,
                expires_at=now + CASES_MOVED_MAIL_LASTS,
            )
        )
    return ReminderMail.objects.bulk_create(mails, ignore_conflicts=True)


def _recipients(meeting: Meeting) -> list[User]:
    """Internal members with an address: external members cannot open the links anyway."""
    from mbt.selectors import current_members

    users = User.objects.filter(
        pk__in=current_members(meeting.team)
        .filter(user__isnull=False, user__is_active=True)
        .values("user")
    ).exclude(email="")
    return list(users.order_by("pk"))


def due(now: datetime.datetime) -> list[tuple[Meeting, str]]:
    """The meeting reminders that fall due at `now` and have not been issued."""
    if not in_working_hours(now):
        return []
    meetings = list(
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(days=LOOKAHEAD_DAYS),
        )
        .select_related("team__unit")
        .order_by("starts_at", "pk")
    )
    issued = set(
        MeetingReminder.objects.filter(meeting__in=meetings).values_list("meeting_id", "kind")
    )
    result = []
    for meeting in meetings:
        deadline = deadline_of(meeting)
        if (
            deadline_reminder_from(meeting) <= now < deadline
            and (meeting.pk, MeetingReminder.Kind.DEADLINE) not in issued
        ):
            result.append((meeting, MeetingReminder.Kind.DEADLINE))
        if deadline <= now and (meeting.pk, MeetingReminder.Kind.AGENDA_READY) not in issued:
            result.append((meeting, MeetingReminder.Kind.AGENDA_READY))
    return result


def issue(meeting: Meeting, kind: str, *, now: datetime.datetime) -> list[ReminderMail]:
    """Issues one meeting reminder: its marker and a mail per recipient, all or nothing. Returns
    no mails when another run issued it first."""
    today = timezone.localdate(now)
    deadline = kind == MeetingReminder.Kind.DEADLINE
    expires_at = deadline_of(meeting) if deadline else meeting.starts_at
    recipients = _recipients(meeting)
    subject, body = _meeting_message(meeting, kind, today)
    try:
        with transaction.atomic():
            MeetingReminder.objects.create(
                meeting=meeting, kind=kind, sent_at=now, recipients=len(recipients)
            )
            return ReminderMail.objects.bulk_create(
                ReminderMail(
                    kind=kind,
                    meeting=meeting,
                    recipient=user,
                    occasion=today,
                    address=user.email,
                    subject=subject,
                    body=body,
                    created_at=now,
                    expires_at=expires_at,
                )
                for user in recipients
            )
    except IntegrityError:
        return []  # another run issued it first


def issue_overdue(now: datetime.datetime) -> list[ReminderMail]:
    """One mail per owner of overdue feedback tasks (how many, and a link; never the patients),
    unless they had one in the last week."""
    if not in_working_hours(now):
        return []
    today = timezone.localdate(now)
    with transaction.atomic():
        tasks = list(
            FeedbackTask.objects.select_for_update(of=("self",))
            .filter(done_at__isnull=True, due_on__lt=today, owner__is_active=True)
            .exclude(reminded_on__gt=today - OVERDUE_REMINDER_EVERY)
            .select_related("owner")
            .order_by("owner_id", "pk")
        )
        by_owner: dict[int, list[FeedbackTask]] = {}
        for task in tasks:
            by_owner.setdefault(task.owner_id, []).append(task)
        mails = []
        for owner_tasks in by_owner.values():
            owner = owner_tasks[0].owner
            if owner.email:
                subject, body = _overdue_message(len(owner_tasks))
                mails.append(
                    ReminderMail(
                        kind=ReminderMail.Kind.FEEDBACK_OVERDUE,
                        recipient=owner,
                        occasion=today,
                        address=owner.email,
                        subject=subject,
                        body=body,
                        created_at=now,
                        expires_at=now + OVERDUE_REMINDER_EVERY,
                    )
                )
        created = ReminderMail.objects.bulk_create(mails, ignore_conflicts=True)
        FeedbackTask.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_on=today)
    return created


# --- Delivering ----------------------------------------------------------------------------------


def _claim(now: datetime.datetime, skip: Iterable[int]) -> ReminderMail | None:
    with transaction.atomic():
        mail = (
            ReminderMail.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, expires_at__gt=now)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .exclude(pk__in=list(skip))
            .order_by("pk")
            .first()
        )
        if mail is not None:
            mail.claimed_until = now + CLAIM_FOR
            mail.attempts += 1
            mail.save(update_fields=["claimed_until", "attempts"])
    return mail


def deliver() -> RunResult:
    """Sends every unsent mail that still matters, each once. A failure is logged and the mail
    left for the next run; this run goes on with the others."""
    result = RunResult()
    tried: list[int] = []
    while (mail := _claim(clock.now(), tried)) is not None:
        tried.append(mail.pk)
        try:
            message = EmailMessage(
                mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.address]
            )
            message.send()
        except Exception as error:  # noqa: BLE001 - any failure of the mail server: try again later
            reason = f"{type(error).__name__}: {error}"[:300]
            log.warning("Reminder mail %s not sent (try %s): %s", mail.pk, mail.attempts, reason)
            ReminderMail.objects.filter(pk=mail.pk).update(claimed_until=None, last_error=reason)
            result.failed += 1
        else:
            ReminderMail.objects.filter(pk=mail.pk).update(
                sent_at=clock.now(), claimed_until=None, last_error=""
            )
            result.sent += 1
    return result


def run(*, now: datetime.datetime | None = None) -> RunResult:
    """What the scheduled job does: issue what has fallen due, then deliver what is unsent."""
    now = now or clock.now()
    issued = sum(len(issue(meeting, kind, now=now)) for meeting, kind in due(now))
    issued += len(issue_overdue(now))
    result = deliver()
    result.issued = issued
    return result
