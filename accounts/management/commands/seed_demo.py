"""manage.py seed_demo: loads demo data for every app, idempotently."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import demo as accounts_demo
from consent import demo as consent_demo
from coordination import demo as coordination_demo
from core import clock
from journal import demo as journal_demo
from journal.models import Patient
from mbt import demo as mbt_demo


class Command(BaseCommand):
    help = "Loads demo data (idempotent). Refuses to run with DEBUG off unless --force is given."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (never against a production database).",
        )
        parser.add_argument(
            "--today",
            type=datetime.date.fromisoformat,
            help=(
                "The day the demo is built around, as YYYY-MM-DD (default: today). The demo's "
                "history happened before it and its coming meetings follow it."
            ),
        )

    def handle(self, *args, force: bool = False, today: datetime.date | None = None, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: demo accounts share one known password. "
                "Use --force only on a test or demo installation."
            )
        # Each app's demo data, in dependency order, around one instant (a given day at 10:00).
        moment = (
            clock.now()
            if today is None
            else timezone.make_aware(datetime.datetime.combine(today, datetime.time(10, 0)))
        )
        with transaction.atomic(), clock.fixed_at(moment):
            users = accounts_demo.seed()
            journal_demo.seed()
            consent_demo.seed()
            mbt_demo.seed()
            mbt_demo.seed_conferences()
            mbt_demo.seed_reminders()
            coordination_demo.seed()
            accounts_demo.seed_auth_events()

        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: {Patient.objects.count()} patients.")
        )
        self.stdout.write("")
        self.stdout.write(f"Demo users (password for all: {accounts_demo.DEMO_PASSWORD}):")
        rows = [("username", "name", "profession", "units")]
        rows += [
            (
                user.username,
                user.get_full_name(),
                user.get_profession_display(),
                accounts_demo.describe(user),
            )
            for user in users
        ]
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
        for row in rows:
            self.stdout.write(
                "  "
                + "  ".join(
                    str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)
                )
                + "  "
                + row[3]
            )
        self.stdout.write("")
        self.stdout.write(
            "After the password, the login asks for a code from an authenticator app. Every demo\n"
            "user but lena has one with the key\n"
            f"  {accounts_demo.DEMO_TOTP_KEY_BASE32}\n"
            "Add it to any authenticator app, or print the current code with\n"
            "  .venv/bin/python manage.py demo_code\n"
            "lena shows the first-time set-up: her aktiveringskod from the administrator is\n"
            f"  {accounts_demo.DEMO_ENROLMENT_CODE}"
        )
