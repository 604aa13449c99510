"""manage.py send_mbt_reminders: run from cron (e.g. every hour on working days)."""

from django.core.management.base import BaseCommand

from mbt.reminders import send_due


class Command(BaseCommand):
    help = "E-mails MBT reminders that are due: deadline tomorrow, agenda ready. Links only."

    def handle(self, *args, **options):
        count = send_due()
        self.stdout.write(f"{count} påminnelser skickade.")
