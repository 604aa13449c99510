"""MBT reminders: when each kind falls due on the working-day calendar, what the e-mails say (links,
never patient data), and delivery: each recipient once, a failed send retried on the next run,
and two runs at the same time never sending one mail twice."""

from __future__ import annotations

import datetime
import io
import smtplib
import threading
import time

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from mbt import reminders, services
from mbt.models import FeedbackTask, Meeting, MeetingReminder, ReminderMail
from mbt.schedule import at_local
from tests.factories import register_patient

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return at_local(datetime.date.fromisoformat(day), datetime.time(hour, minute))


def run_at(day: str, hour: int = 10, minute: int = 0) -> reminders.RunResult:
    with time_machine.travel(at(day, hour, minute), tick=False):
        return reminders.run()


def give_addresses(team) -> list[str]:
    addresses = []
    for member in team.members.filter(user__isnull=False):
        member.user.email = f"{member.user.username}@vc.invalid"
        member.user.save()
        addresses.append(member.user.email)
    return sorted(addresses)


def meeting_on(team, actor, day: str) -> Meeting:
    """The team's deadline is 3 working days before the meeting, at 12:00."""
    return Meeting.objects.create(team=team, starts_at=at(day, 13), chair=actor.user)


class FlakyBackend(EmailBackend):
    """The test outbox, refusing the addresses in `refused` as an SMTP server would."""

    refused: set[str] = set()
    delay = 0.0

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.refused:
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"mailbox unavailable")})
        time.sleep(self.delay)
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.mbt.test_reminders.FlakyBackend"}}
    FlakyBackend.refused = set()
    FlakyBackend.delay = 0.0
    yield FlakyBackend
    FlakyBackend.refused = set()
    FlakyBackend.delay = 0.0


# --- When -------------------------------------------------------------------------------------


def test_deadline_reminder_once_with_links_and_no_patient_data(actor, team, unit, settings):
    # Deadline Thursday 2026-09-17 12:00 (meeting Tuesday 09-22): reminded on Wednesday.
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting = meeting_on(team, actor, "2026-09-22")
        patient = register_patient(unit, actor.user, first_name="Hemlig", last_name="Patientsson")
        services.case_register(
            actor=actor, patient=patient, meeting=meeting, question="Hemlig frågeställning"
        )
    addresses = give_addresses(team)
    assert run_at("2026-09-15", 16).sent == 0
    result = run_at("2026-09-16", 7, 5)
    assert result.sent == len(addresses) == 5 and len(mail.outbox) == 5
    assert sorted(m.to[0] for m in mail.outbox) == addresses
    message = mail.outbox[0]
    assert message.subject == "MBT 2026-09-22: sista anmälningsdag i morgon kl. 12:00"
    assert "i morgon, torsdag 2026-09-17 kl. 12:00" in message.body
    assert f"{settings.SITE_URL}/mbt/moten/{meeting.pk}/" in message.body
    for message in mail.outbox:
        text = message.subject + message.body
        assert "Patientsson" not in text and "Hemlig" not in text
        assert patient.identity_number[:8] not in text
        assert len(message.to) == 1
    assert run_at("2026-09-16", 12).sent == 0
    assert MeetingReminder.objects.filter(kind="deadline").count() == 1


def test_a_monday_deadline_is_announced_on_friday(actor, team):
    # Meeting Thursday 2026-09-24: deadline Monday 09-21 12:00.
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting_on(team, actor, "2026-09-24")
    give_addresses(team)
    assert run_at("2026-09-17", 17).sent == 0  # Thursday
    assert run_at("2026-09-18", 6, 59).sent == 0  # Friday, before the working day
    assert run_at("2026-09-18", 7, 0).sent == 5
    assert (
        mail.outbox[0].subject == "MBT 2026-09-24: sista anmälningsdag måndag 2026-09-21 kl. 12:00"
    )
    assert "måndag 2026-09-21 kl. 12:00" in mail.outbox[0].body
    assert run_at("2026-09-19").sent == 0
    assert run_at("2026-09-21", 8).sent == 0


def test_a_deadline_after_a_holiday_is_announced_the_working_day_before_it(actor, team):
    # Kristi himmelsfärdsdag is Thursday 2027-05-06. Meeting Wednesday 05-12: deadline Friday
    # 05-07 12:00; the last working day before it is Wednesday 05-05.
    with time_machine.travel(at("2027-04-20"), tick=False):
        meeting_on(team, actor, "2027-05-12")
    give_addresses(team)
    assert run_at("2027-05-04", 15).sent == 0
    assert run_at("2027-05-05", 9).sent == 5
    assert "fredag 2027-05-07 kl. 12:00" in mail.outbox[0].subject
    assert run_at("2027-05-06", 9).sent == 0  # the holiday
    assert run_at("2027-05-07", 9).sent == 0


def test_a_reminder_missed_over_a_weekend_goes_out_on_the_deadline_morning(actor, team):
    """The worker was down on Friday: nothing on Saturday, then Monday 07:00, "i dag"."""
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting_on(team, actor, "2026-09-24")
    give_addresses(team)
    assert run_at("2026-09-19", 10).sent == 0  # Saturday: outside a working day
    assert run_at("2026-09-21", 7, 10).sent == 5
    assert "sista anmälningsdag i dag kl. 12:00" in mail.outbox[0].subject
    mail.outbox.clear()
    assert run_at("2026-09-21", 11, 59).sent == 0
    # The deadline has passed: now the agenda is ready, once.
    assert run_at("2026-09-21", 12, 0).sent == 5
    assert all("dagordningen är klar" in m.subject for m in mail.outbox)
    assert run_at("2026-09-22", 8).sent == 0


def test_an_agenda_whose_deadline_passed_outside_working_hours_waits_for_the_morning(actor, team):
    team.deadline_time = datetime.time(20, 0)
    team.save()
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting_on(team, actor, "2026-09-24")  # deadline Monday 09-21 20:00
    give_addresses(team)
    run_at("2026-09-18", 8)  # the deadline reminder
    mail.outbox.clear()
    assert run_at("2026-09-21", 20, 30).sent == 0
    assert run_at("2026-09-22", 7, 0).sent == 5
    assert all("dagordningen är klar" in m.subject for m in mail.outbox)


def test_cancelled_meetings_and_inactive_or_external_members_get_nothing(actor, team, unit):
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting = meeting_on(team, actor, "2026-09-22")
    addresses = give_addresses(team)
    gone = User.objects.get(email=addresses[0])
    gone.is_active = False
    gone.save()
    assert run_at("2026-09-16", 8).sent == 4
    assert addresses[0] not in [m.to[0] for m in mail.outbox]
    mail.outbox.clear()
    with time_machine.travel(at("2026-09-16", 9), tick=False):
        services.meeting_cancel(
            actor=actor, meeting=meeting, reason="Sjukdom", version=meeting.version
        )
    assert run_at("2026-09-17", 13).sent == 0


# --- Delivery ----------------------------------------------------------------------------------


def test_a_failed_send_is_retried_and_a_delivered_one_is_not_resent(actor, team, flaky, caplog):
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting_on(team, actor, "2026-09-22")
    addresses = give_addresses(team)
    flaky.refused = {addresses[2]}  # in the middle: the others before and after it still go
    first = run_at("2026-09-16", 8)
    assert (first.sent, first.failed) == (4, 1)
    assert "kunde inte skickas" in str(first)
    failed = ReminderMail.objects.get(address=addresses[2])
    assert failed.sent_at is None and failed.attempts == 1
    assert "SMTPRecipientsRefused" in failed.last_error
    assert any("not sent" in r.getMessage() for r in caplog.records)
    assert ReminderMail.objects.filter(sent_at__isnull=False).count() == 4

    flaky.refused = set()
    second = run_at("2026-09-16", 8, 15)
    assert (second.sent, second.failed) == (1, 0)
    assert sorted(m.to[0] for m in mail.outbox) == addresses  # each address exactly once
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.attempts == 2 and failed.last_error == ""


def test_a_mail_that_still_fails_after_the_deadline_is_given_up(actor, team, flaky):
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting_on(team, actor, "2026-09-22")
    addresses = give_addresses(team)
    flaky.refused = {addresses[0]}
    run_at("2026-09-16", 8)
    flaky.refused = set()
    mail.outbox.clear()
    # After the deadline (Thursday 12:00) the deadline reminder is pointless.
    result = run_at("2026-09-17", 12, 30)
    assert all("dagordningen" in m.subject for m in mail.outbox) and result.sent == 5
    assert ReminderMail.objects.get(address=addresses[0], kind="deadline").sent_at is None


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_each_mail_once(unit, flaky):
    """Two workers (each with its own database connection) run the job at the same moment, with
    a slow mail server so that their sends overlap."""
    from mbt.selectors import team_for
    from tests.factories import actor_for, staff_at

    coordinator = staff_at(unit, email="samordnare@vc.invalid")
    actor = actor_for(coordinator, unit)
    services.member_add_internal(actor=actor, user=coordinator, role="rehabkoordinator")
    for n in range(7):
        user = staff_at(unit, email=f"medlem{n}@vc.invalid")
        services.member_add_internal(actor=actor, user=user, role="sjukskoterska")
    team = team_for(unit)
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting_on(team, actor, "2026-09-22")
        meeting_on(team, actor, "2026-09-17")  # its deadline has passed: the agenda is ready
    flaky.delay = 0.05
    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            start.wait(timeout=10)
            results.append(reminders.run())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    with time_machine.travel(at("2026-09-16", 8), tick=True):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors and len(results) == 2
    assert sum(r.sent for r in results) == 16 == len(mail.outbox)
    assert all(r.sent for r in results), "both runs took part"
    pairs = [(m.to[0], m.subject) for m in mail.outbox]
    assert len(set(pairs)) == len(pairs) == 16
    assert ReminderMail.objects.filter(sent_at__isnull=True).count() == 0
    assert MeetingReminder.objects.count() == 2


# --- Overdue feedback ----------------------------------------------------------------------------


@pytest.fixture
def overdue_task(actor, team, unit):
    """A feedback task after a meeting held on 2026-09-01, due on Friday 2026-09-11."""
    from tests.mbt.test_conference import close, decide, put_on

    with time_machine.travel(at("2026-09-01", 14), tick=False):
        meeting = Meeting.objects.create(
            team=team, starts_at=at("2026-09-01", 13), chair=actor.user
        )
        patient = register_patient(unit, actor.user, first_name="Hemlig", last_name="Patientsson")
        decide(actor, put_on(meeting, actor, patient))
        close(actor, meeting)
    actor.user.email = "kerstin@vc.invalid"
    actor.user.save()
    FeedbackTask.objects.update(due_on=datetime.date(2026, 9, 11))
    return FeedbackTask.objects.get()


def test_overdue_feedback_weekly_on_working_days_and_never_the_patient(overdue_task, actor):
    assert run_at("2026-09-11", 16).sent == 0  # due today: not overdue yet
    assert run_at("2026-09-12", 10).sent == 0  # Saturday
    assert run_at("2026-09-14", 7, 30).sent == 1  # Monday
    message = mail.outbox[0]
    assert message.to == ["kerstin@vc.invalid"] and "/mbt/uppgifter/" in message.body
    assert message.subject == "Återgång: 1 försenade återkoppling efter MBT"
    assert "Patientsson" not in message.subject + message.body
    assert run_at("2026-09-17", 8).sent == 0
    assert run_at("2026-09-21", 8).sent == 1  # a week later
    with time_machine.travel(at("2026-09-22"), tick=False):
        services.feedback_record(
            actor=actor,
            task=overdue_task,
            method="telefon",
            given_on=datetime.date(2026, 9, 22),
            said="Informerad.",
        )
    assert run_at("2026-09-28", 8).sent == 0


def test_overdue_reminder_on_a_monday_holiday_waits_for_the_next_working_day(overdue_task):
    FeedbackTask.objects.update(due_on=datetime.date(2027, 3, 26))  # långfredagen
    assert run_at("2027-03-29", 9).sent == 0  # annandag påsk
    assert run_at("2027-03-30", 9).sent == 1


# --- By hand -------------------------------------------------------------------------------------


def test_the_command_runs_the_job_once_and_again_harmlessly(actor, team):
    with time_machine.travel(at("2026-09-14"), tick=False):
        meeting_on(team, actor, "2026-09-22")
    give_addresses(team)
    out = io.StringIO()
    with time_machine.travel(at("2026-09-16", 8), tick=False):
        call_command("send_mbt_reminders", stdout=out)
        call_command("send_mbt_reminders", stdout=out)
    assert out.getvalue().splitlines() == ["5 påminnelser skickade.", "0 påminnelser skickade."]
