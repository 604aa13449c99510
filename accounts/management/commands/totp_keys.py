"""manage.py totp_keys: make a key for TOTP_ENCRYPTION_KEYS, or re-encrypt every stored TOTP
seed with the first key listed (the rotation's second step; docs/authentication.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts import services, totp_secrets


class Command(BaseCommand):
    help = "Keys for the TOTP seeds: --new prints a new key, --rotate re-encrypts with the first."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--new", action="store_true", help="print a new random key")
        group.add_argument(
            "--rotate",
            action="store_true",
            help="re-encrypt every seed with the first key in TOTP_ENCRYPTION_KEYS",
        )

    def handle(self, *args, new=False, rotate=False, **options):
        if new:
            self.stdout.write(totp_secrets.new_key())
            return
        try:
            changed = services.totp_secrets_reencrypt()
        except ValueError as error:
            raise CommandError(
                f"{error} Keep the old key in the list until this has run."
            ) from None
        self.stdout.write(f"{changed} TOTP-nycklar krypterades om med den första nyckeln.")
