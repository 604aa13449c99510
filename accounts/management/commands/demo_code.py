"""manage.py demo_code: the demo users' current authenticator code (demo installations only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import demo


class Command(BaseCommand):
    help = "Prints the current TOTP code of the demo users' authenticator. DEBUG only."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code is for demo installations only (DJANGO_DEBUG=1).")
        self.stdout.write(demo.demo_code())
