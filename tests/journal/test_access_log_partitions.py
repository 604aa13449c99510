"""The access log partitioned by month: rows land in their month, every partition is append-only,
log review reads only the months it asks for, the coming months are made ahead (by a database
function the app's role may call), and retention drops whole months past five years, never
rows."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from journal import partitions
from journal.accesslog import Action, log_access
from journal.models import AccessLog
from mbt.schedule import at_local
from tests.factories import actor_for, register_patient, staff_at

pytestmark = pytest.mark.django_db


def _partition_of(row: AccessLog) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM journal_accesslog WHERE id = %s", [row.pk]
        )
        return cursor.fetchone()[0]


def _months_from(first: str) -> None:
    """Makes the months from `first` to now, whenever the suite runs (the migration made them
    from the day the test database was created)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT journal_accesslog_ensure_partitions(0, %s)", [first])


def test_the_table_is_partitioned_with_a_default_and_months_ahead():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'journal_accesslog'")
        assert cursor.fetchone() == ("p",)  # partitioned
    names = {p.name for p in partitions.partitions()}
    assert "journal_accesslog_default" in names
    months = sorted(p.month for p in partitions.partitions() if p.month)
    assert len(months) >= 13  # this month and twelve ahead (made when the database was)


def test_rows_land_in_their_month_and_no_partition_lets_a_row_be_changed(unit):
    _months_from("2027-01-01")
    user = staff_at(unit)
    patient = register_patient(unit, user)
    log_access(actor_for(user, unit), [patient], Action.READ, "patientöversikt")
    row = AccessLog.objects.filter(patient=patient, action=Action.READ).get()
    assert _partition_of(row) == f"journal_accesslog_p{timezone.localtime(row.at):%Y_%m}"
    partition = _partition_of(row)
    for statement in (
        "UPDATE journal_accesslog SET what = 'x' WHERE id = %s",
        "DELETE FROM journal_accesslog WHERE id = %s",
        f'DELETE FROM "{partition}" WHERE id = %s',  # noqa: S608 - a name from the catalogue
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [row.pk])


def test_a_month_without_a_partition_goes_to_the_default_and_is_read_as_usual(unit):
    user = staff_at(unit)
    far = at_local(datetime.date(2040, 6, 15), datetime.time(10))
    row = AccessLog.objects.create(user=user, unit=unit, action="read", what="x", at=far)
    assert _partition_of(row) == "journal_accesslog_default"
    assert AccessLog.objects.filter(at__gte=far).get() == row
    # That month cannot be made while its rows sit in the default partition; the others can.
    with connection.cursor() as cursor:  # the months from 2040-05 to far ahead
        cursor.execute("SELECT journal_accesslog_ensure_partitions(240, '2040-05-01')")
    names = {p.name for p in partitions.partitions()}
    assert "journal_accesslog_p2040_05" in names and "journal_accesslog_p2040_06" not in names


def test_log_review_reads_only_the_months_it_asks_for(unit):
    from journal.selectors import LogFilter, access_log_rows

    _months_from("2026-12-01")
    log_filter = LogFilter(
        units=[unit], date_from=datetime.date(2027, 1, 12), date_to=datetime.date(2027, 1, 18)
    )
    plan = str(access_log_rows(log_filter).explain())
    assert "journal_accesslog_p2027_01" in plan
    assert "journal_accesslog_p2027_02" not in plan and "journal_accesslog_p2026_12" not in plan


def test_retention_drops_whole_months_past_five_years_only(unit):
    user = staff_at(unit)
    _months_from("2020-11-01")
    old = at_local(datetime.date(2020, 11, 20), datetime.time(9))
    young = at_local(datetime.date(2022, 3, 20), datetime.time(9))
    AccessLog.objects.create(user=user, unit=unit, action="read", what="gammal", at=old)
    AccessLog.objects.create(user=user, unit=unit, action="read", what="ung", at=young)

    # The suite's today is 2027-01-19: months before 2022-01 are past five years.
    with pytest.raises(CommandError, match="minst 5 år"):
        call_command("accesslog_partitions", "--drop-before", "2022-03")
    with pytest.raises(CommandError, match="ingen månad"):
        call_command("accesslog_partitions", "--drop-before", "2021-13")
    out = io.StringIO()
    call_command("accesslog_partitions", "--drop-before", "2022-01", stdout=out)
    assert "2020-11" in out.getvalue() and "--apply" in out.getvalue()
    assert AccessLog.objects.filter(what="gammal").exists()  # a dry run by default

    call_command("accesslog_partitions", "--drop-before", "2022-01", "--apply", stdout=out)
    assert "1 rader borttagna" in out.getvalue() or "med 1 rader" in out.getvalue()
    assert not AccessLog.objects.filter(what="gammal").exists()
    assert AccessLog.objects.filter(what="ung").exists()
    assert "journal_accesslog_p2020_11" not in {p.name for p in partitions.partitions()}


def test_the_command_lists_and_makes_months(unit):
    out = io.StringIO()
    call_command("accesslog_partitions", "--ensure", stdout=out)
    call_command("accesslog_partitions", stdout=out)
    text = out.getvalue()
    assert "nya månader" in text and "övriga (default)" in text
    assert "äldre än lagringstiden" in text
