"""manage.py jobs: the schedule of periodic jobs and their last runs; --run NAME runs one now, in
this process; --health answers whether a worker is alive (the worker service's health check)."""

from __future__ import annotations

import datetime
import logging

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

# A worker records a heartbeat every 10 s (procrastinate's default); a minute without one means
# it has stopped or cannot reach the database.
HEARTBEAT_WITHIN = datetime.timedelta(seconds=60)
LAST_RUNS = 3


class Command(BaseCommand):
    help = "Lists the periodic jobs and their last runs; runs one by hand; checks the worker."

    def add_arguments(self, parser):
        parser.add_argument("--run", metavar="NAME", help="run this job now, in this process")
        parser.add_argument(
            "--health",
            action="store_true",
            help="exit 0 if a worker has reported within the last minute, 1 otherwise",
        )

    def handle(self, *args, run: str | None = None, health: bool = False, **options):
        # Registering the schedule is the worker's news at its start, not this command's.
        logging.getLogger("procrastinate.periodic").setLevel(logging.WARNING)
        from config.jobs import SCHEDULE

        if health:
            return self._health()
        if run:
            if run not in SCHEDULE:
                raise CommandError(f"Inget jobb heter {run!r}. Jobben: {', '.join(SCHEDULE)}.")
            self.stdout.write(f"{run}: {SCHEDULE[run].run()}")
            return None
        runs = self._last_runs()
        for job in SCHEDULE.values():
            self.stdout.write(
                self.style.MIGRATE_HEADING(f"{job.name}  ({job.cron} UTC, {job.when})")
            )
            self.stdout.write(f"  {job.what}")
            for status, attempts, at in runs.get(job.name, [])[:LAST_RUNS]:
                when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S") if at else "–"
                self.stdout.write(f"  {when}  {status}  (försök {attempts})")
            if not runs.get(job.name):
                self.stdout.write("  inga körningar ännu")
        return None

    def _last_runs(self) -> dict[str, list[tuple[str, int, datetime.datetime | None]]]:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT j.task_name, j.status, j.attempts, MAX(e.at)
                FROM procrastinate_jobs j LEFT JOIN procrastinate_events e ON e.job_id = j.id
                GROUP BY j.id ORDER BY MAX(e.at) DESC NULLS LAST LIMIT 200
                """
            )
            rows = cursor.fetchall()
        runs: dict[str, list] = {}
        for name, status, attempts, at in rows:
            runs.setdefault(name, []).append((status, attempts, at))
        return runs

    def _health(self) -> None:
        # The database's clock on both sides: heartbeats are written with its NOW().
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT MAX(last_heartbeat), MAX(last_heartbeat) > NOW() - %s "
                "FROM procrastinate_workers",
                [HEARTBEAT_WITHIN],
            )
            latest, alive = cursor.fetchone()
        if not alive:
            seen = timezone.localtime(latest).strftime("%Y-%m-%d %H:%M:%S") if latest else "aldrig"
            self.stderr.write(
                f"Ingen arbetare har hört av sig den senaste minuten (senast: {seen})."
            )
            raise SystemExit(1)
        self.stdout.write(f"Arbetaren hörde av sig {timezone.localtime(latest):%H:%M:%S}.")
