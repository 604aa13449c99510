"""manage.py accesslog_partitions: the access log's monthly partitions. Lists them; --ensure makes
the coming months (the worker does it nightly); --drop-before YYYY-MM shows which months are past
the retention time, and with --apply detaches and drops them. Dropping needs the database owner's
role (docs/operations.md, "The access log's partitions")."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from journal import partitions


def _month(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise CommandError(f"{value!r} är ingen månad: skriv ÅÅÅÅ-MM, t.ex. 2021-01.") from None


class Command(BaseCommand):
    help = "Lists, makes and (past the retention time) drops the access log's monthly partitions."

    def add_arguments(self, parser):
        parser.add_argument("--ensure", action="store_true", help="make the coming months")
        parser.add_argument("--drop-before", metavar="YYYY-MM", type=_month)
        parser.add_argument("--apply", action="store_true", help="really drop (with --drop-before)")

    def handle(self, *args, ensure=False, drop_before=None, apply=False, **options):
        if ensure:
            made = partitions.ensure()
            self.stdout.write(f"{made} nya månader.")
        if drop_before:
            return self._drop(drop_before, apply)
        if not ensure:
            self._list()
        return None

    def _list(self) -> None:
        cutoff = partitions.retention_cutoff()
        for part in partitions.partitions():
            label = f"{part.month:%Y-%m}" if part.month else "övriga (default)"
            self.stdout.write(f"{label:18} ~{part.rows} rader  {part.name}")
        self.stdout.write(f"Månader före {cutoff:%Y-%m} är äldre än lagringstiden.")

    def _drop(self, before: datetime.date, apply: bool) -> None:
        try:
            parts = partitions.droppable(before)
        except partitions.RetentionError as error:
            raise CommandError(str(error)) from None
        for part in parts:
            self.stdout.write(f"{part.month:%Y-%m}  ~{part.rows} rader  {part.name}")
        left = partitions.rows_in_default_before(before)
        if left:
            self.stdout.write(
                f"{left} rader före {before:%Y-%m} ligger i default-partitionen och tas inte "
                "bort härifrån (docs/operations.md)."
            )
        if not parts:
            self.stdout.write("Inga månader att ta bort.")
            return
        if not apply:
            self.stdout.write(f"{len(parts)} månader skulle tas bort; --apply gör det.")
            return
        try:
            removed = partitions.drop(parts)
        except DatabaseError as error:
            raise CommandError(
                f"Kunde inte ta bort månaderna ({error}). Kör som databasens ägare."
            ) from None
        self.stdout.write(f"{len(parts)} månader med {removed} rader borttagna.")
