"""manage.py send_mbt_reminders: run from cron (e.g. every hour on working days)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from mbt.reminders import send_due, send_overdue


class Command(BaseCommand):
    help = (
        "E-mails MBT reminders that are due: deadline tomorrow, agenda ready, feedback overdue. "
        "Links only."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = send_due() + send_overdue()
        self.stdout.write(f"{count} påminnelser skickade.")
