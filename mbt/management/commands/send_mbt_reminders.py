"""manage.py send_mbt_reminders: one run of the reminder job by hand. The worker runs it on its
schedule (mbt/tasks.py); running it again is harmless: nothing is issued or sent twice."""

from django.core.management.base import BaseCommand

from mbt import reminders


class Command(BaseCommand):
    help = (
        "E-mails the MBT reminders that are due (registration deadline, agenda ready, overdue "
        "feedback) and retries those that failed. Links only."
    )

    def handle(self, *args, **options):
        self.stdout.write(str(reminders.run()))
