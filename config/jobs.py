"""The schedule: every periodic job, run by the `worker` service (procrastinate on the app's own
PostgreSQL; see docs/decisions/0004-scheduled-jobs-in-the-database.md).

Cron expressions are in UTC (procrastinate's), so the jobs that care about Swedish working hours
run often and decide for themselves what is due (mbt/reminders.py reads the working-day
calendar). Every job is safe to run twice or late: a run missed while the worker was down is
made up by the next one. A job that raises is logged with its traceback, kept in procrastinate's
job table as failed, and tried again after `RETRY`'s wait; the next scheduled run comes anyway.

`manage.py jobs` lists the schedule and each job's last runs; `manage.py jobs --run NAME` runs
one by hand; `manage.py jobs --health` is the worker's health check."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.db import close_old_connections
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

log = logging.getLogger(__name__)

QUEUE = "scheduled"
RETRY = RetryStrategy(max_attempts=4, exponential_wait=30)  # after 30 s, 60 s, 120 s
# Finished runs are kept this long for `manage.py jobs` and the admin, then removed.
KEEP_RUNS_HOURS = 24 * 90


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    when: str
    what: str
    run: Callable[[], object]


SCHEDULE: dict[str, Job] = {}


def _register(name: str, cron: str, when: str, what: str, run: Callable[[], object], task):
    app.periodic(cron=cron, periodic_id=name)(task)
    SCHEDULE[name] = Job(name=name, cron=cron, when=when, what=what, run=run)


def _task_options(name: str) -> dict:
    # lock: never two runs of one job at once; queueing_lock: at most one waiting.
    return {"name": name, "queue": QUEUE, "retry": RETRY, "lock": name, "queueing_lock": name}


def scheduled(name: str, *, cron: str, when: str, what: str):
    """Registers a job that runs in a thread of the worker, with Django's database connections
    handled as they are for a request."""

    def decorate(func: Callable[[], object]) -> Callable[[], object]:
        @functools.wraps(func)
        def task_body(timestamp: int | None = None) -> None:
            close_old_connections()
            try:
                log.info("Job %s done: %s", name, func())
            finally:
                close_old_connections()

        _register(name, cron, when, what, func, app.task(**_task_options(name))(task_body))
        return func

    return decorate


@scheduled(
    "mbt-reminders",
    cron="*/15 * * * *",
    when="var 15:e minut (nya påminnelser bara arbetsdagar 07–18)",
    what=(
        "MBT-påminnelser: sista anmälningsdag, dagordningen klar, försenad återkoppling; "
        "e-post som inte gick fram skickas igen"
    ),
)
def mbt_reminders():
    from mbt import reminders

    return reminders.run()


@scheduled(
    "clear-sessions",
    cron="17 2 * * *",
    when="varje natt",
    what="tar bort utgångna inloggningar (sessioner)",
)
def clear_sessions():
    call_command("clearsessions")
    return "klart"


@scheduled(
    "axes-logs",
    cron="27 2 * * *",
    when="varje natt",
    what=(
        "tar bort django-axes egna rader om inloggningsförsök äldre än 30 dagar "
        "(händelseloggen för inloggningar finns kvar)"
    ),
)
def axes_logs():
    from axes.handlers.proxy import AxesProxyHandler

    removed = AxesProxyHandler.reset_logs(age_days=30)
    removed += AxesProxyHandler.reset_failure_logs(age_days=30)
    return f"{removed} borttagna"


@scheduled(
    "accesslog-partitions",
    cron="7 2 * * *",
    when="varje natt",
    what=(
        "gör åtkomstloggens månadspartitioner tolv månader framåt (en standardpartition tar "
        "emot raderna om jobbet inte har gått)"
    ),
)
def accesslog_partitions():
    from journal import partitions

    return f"{partitions.ensure()} nya månader"


async def _remove_old_runs(job_manager) -> str:
    await job_manager.delete_old_jobs(
        nb_hours=KEEP_RUNS_HOURS,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )
    return "klart"


@app.task(pass_context=True, **_task_options("old-runs"))
async def _old_runs_task(context, timestamp: int | None = None) -> None:
    # Async, so that it runs on the worker's own connection pool.
    log.info("Job old-runs done: %s", await _remove_old_runs(context.app.job_manager))


_register(
    "old-runs",
    cron="37 2 * * *",
    when="varje natt",
    what="tar bort jobbens körningar som är äldre än 90 dagar",
    run=lambda: async_to_sync(_remove_old_runs)(app.job_manager),
    task=_old_runs_task,
)
