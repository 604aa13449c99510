"""Scheduled jobs: the schedule in config/jobs.py, `manage.py jobs`, and a real worker process
(procrastinate) running a due job against PostgreSQL."""

from __future__ import annotations

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from config import jobs
from mbt import reminders
from mbt.models import Meeting, ReminderMail
from tests.factories import CareUnitFactory, actor_for, staff_at

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db

EXPECTED = {"mbt-reminders", "clear-sessions", "axes-logs", "old-runs", "accesslog-partitions"}


def test_the_schedule_has_every_job_and_registers_it_with_the_worker():
    from procrastinate.contrib.django import app

    assert set(jobs.SCHEDULE) == EXPECTED
    periodic = {p.periodic_id: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic == {name: job.cron for name, job in jobs.SCHEDULE.items()}
    for name in EXPECTED:
        task = app.tasks[name]
        assert task.queue == jobs.QUEUE and task.retry_strategy.max_attempts == 4


def test_jobs_lists_the_schedule(empty_queue):
    out = io.StringIO()
    call_command("jobs", stdout=out)
    text = out.getvalue()
    for name in EXPECTED:
        assert name in text
    assert "inga körningar ännu" in text


def test_a_job_is_run_by_hand_and_an_unknown_one_is_refused():
    out = io.StringIO()
    call_command("jobs", "--run", "mbt-reminders", stdout=out)
    assert out.getvalue().startswith("mbt-reminders: 0 påminnelser skickade")
    call_command("jobs", "--run", "clear-sessions", stdout=out)
    call_command("jobs", "--run", "old-runs", stdout=out)
    assert "old-runs: klart" in out.getvalue()
    with pytest.raises(CommandError, match="Inget jobb heter"):
        call_command("jobs", "--run", "finns-inte")


def test_health_fails_without_a_worker(empty_queue):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("jobs", "--health", stderr=err)
    assert exit_.value.code == 1
    assert "Ingen arbetare" in err.getvalue()


@pytest.fixture
def empty_queue():
    """Procrastinate's tables are not Django's to flush between tests: start from empty ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, "
            "procrastinate_workers"
        )


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "0",
        "EMAIL_DELIVERY": "console",
        "DB_CONN_MAX_AGE": "0",
    }


@pytest.mark.real_clock
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_due_job_against_postgresql(empty_queue):
    """A reminder mail waits unsent; the job is due; a worker process (as the compose service
    runs it) takes the job, sends the mail and records the run; its health check passes while
    it reports in."""
    from procrastinate.contrib.django import app

    unit = CareUnitFactory()
    coordinator = staff_at(unit, email="samordnare@vc.invalid")
    actor = actor_for(coordinator, unit)
    from mbt import services

    services.member_add_internal(actor=actor, user=coordinator, role="rehabkoordinator")
    meeting = Meeting.objects.create(
        team=services.team_for(unit),
        starts_at=timezone.now() + datetime.timedelta(days=30),
        chair=coordinator,
    )
    (mail,) = reminders.issue(meeting, "agenda", now=timezone.now())
    job_id = app.tasks["mbt-reminders"].defer(timestamp=int(timezone.now().timestamp()))

    worker = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "procrastinate", "worker", "--one-shot"],
        cwd=ROOT,
        env=_worker_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-3000:]
    mail.refresh_from_db()
    assert mail.sent_at is not None and mail.attempts == 1
    assert f"/mbt/moten/{meeting.pk}/" in worker.stdout  # the console mail backend
    with connection.cursor() as cursor:
        # The worker's own scheduler may have added a run of its own: no matter.
        cursor.execute("SELECT task_name, status FROM procrastinate_jobs WHERE id = %s", [job_id])
        assert cursor.fetchall() == [("mbt-reminders", "succeeded")]
    out = io.StringIO()
    call_command("jobs", stdout=out)
    assert "succeeded" in out.getvalue()
    assert ReminderMail.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.real_clock
@pytest.mark.django_db(transaction=True)
def test_health_passes_while_a_worker_reports_in_and_fails_after_it_stopped(empty_queue):
    import time

    worker = subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "manage.py", "procrastinate", "worker"],
        cwd=ROOT,
        env=_worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60  # generous: the machine may be busy
        while True:
            try:
                call_command("jobs", "--health", stdout=io.StringIO(), stderr=io.StringIO())
                break
            except SystemExit:
                assert worker.poll() is None, worker.stderr.read()[-3000:]
                assert time.monotonic() < deadline, "the worker never reported in"
                time.sleep(0.5)
    finally:
        worker.terminate()  # a graceful stop, as `docker compose stop` asks
        assert worker.wait(timeout=60) == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_workers")
        assert cursor.fetchone() == (0,)  # it signed off
    with pytest.raises(SystemExit):
        call_command("jobs", "--health", stderr=io.StringIO())
