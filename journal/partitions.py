"""The access log's monthly partitions (journal/migrations/0005): keeping months ahead, listing
them, and retention by dropping whole months past the retention time. Rows are never deleted:
a month goes when all of it is older than the retention time, and only by the database owner
(`manage.py accesslog_partitions --drop-before`, an operator's procedure in docs/operations.md).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction

from core import clock

MONTHS_AHEAD = 12
NAME = re.compile(r"^journal_accesslog_p(\d{4})_(\d{2})$")


@dataclass(frozen=True)
class Partition:
    name: str
    month: datetime.date | None  # None: the default partition
    rows: int  # PostgreSQL's estimate (pg_class.reltuples), exact after ANALYZE


def ensure(months_ahead: int = MONTHS_AHEAD) -> int:
    """Makes the missing months from this one to `months_ahead` ahead; returns how many. The
    database function runs with its owner's rights, so the app's role may call it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT journal_accesslog_ensure_partitions(%s)", [months_ahead])
        return cursor.fetchone()[0]


def partitions() -> list[Partition]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname, greatest(child.reltuples, 0)::bigint
            FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE pg_inherits.inhparent = 'journal_accesslog'::regclass
            ORDER BY child.relname
            """
        )
        found = []
        for name, rows in cursor.fetchall():
            match = NAME.match(name)
            month = datetime.date(int(match[1]), int(match[2]), 1) if match else None
            found.append(Partition(name=name, month=month, rows=rows))
    return found


def retention_cutoff(today: datetime.date | None = None) -> datetime.date:
    """The first month that must be kept: the month `ACCESS_LOG_RETENTION_YEARS` years back."""
    today = today or clock.today()
    years = settings.ACCESS_LOG_RETENTION_YEARS
    return datetime.date(today.year - years, today.month, 1)


class RetentionError(Exception):
    pass


def droppable(before: datetime.date, today: datetime.date | None = None) -> list[Partition]:
    """The monthly partitions wholly before `before` (a first of a month), which may not be later
    than the retention cutoff."""
    if before.day != 1:
        raise RetentionError("Ange en månad (ÅÅÅÅ-MM): partitionerna är hela månader.")
    cutoff = retention_cutoff(today)
    if before > cutoff:
        raise RetentionError(
            f"Åtkomstloggen ska sparas i minst {settings.ACCESS_LOG_RETENTION_YEARS} år: "
            f"månader före {cutoff:%Y-%m} kan tas bort, inte före {before:%Y-%m}."
        )
    return [p for p in partitions() if p.month is not None and p.month < before]


def rows_in_default_before(before: datetime.date) -> int:
    """Rows older than `before` that sit in the default partition (written while their month had
    no partition): they cannot go with a month and are left for the operator."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM journal_accesslog_default "
            "WHERE at < journal_accesslog_month_start(%s)",
            [before],
        )
        return cursor.fetchone()[0]


def drop(parts: list[Partition]) -> int:
    """Detaches and drops whole months (as the table's owner). Returns the rows they held."""
    removed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred foreign-key checks of this transaction's own inserts would block the drop.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for part in parts:
            cursor.execute(f'SELECT count(*) FROM "{part.name}"')  # noqa: S608 - our own names
            removed += cursor.fetchone()[0]
            cursor.execute(f'ALTER TABLE journal_accesslog DETACH PARTITION "{part.name}"')
            cursor.execute(f'DROP TABLE "{part.name}"')
    return removed
