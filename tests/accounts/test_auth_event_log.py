"""Inloggningshändelser: the managers' view of the authentication event log."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.middleware import SESSION_ACTIVE_UNIT
from accounts.models import AuthEvent, Role
from core import clock
from tests.factories import AssignmentFactory, UserFactory, staff_at

pytestmark = pytest.mark.django_db

URL = "/logguppfoljning/inloggningar/"
HTMX = {"HTTP_HX_REQUEST": "true"}
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def record(**fields):
    return services.auth_event_record(request=None, **fields)


@pytest.fixture
def manager_client(client, unit):
    manager = staff_at(unit, role=Role.MANAGER, first_name="Chef")
    client.force_login(manager)
    return client


def test_manager_sees_own_staff_not_other_units_nor_unknown_names(manager_client, unit, other_unit):
    """Attempts with a username or HSA-id that matched no account are not tied to any unit: they
    belong to the system administrators (the admin), not to every unit's manager."""
    mine = staff_at(unit, first_name="Mina", last_name="Egen")
    theirs = staff_at(other_unit, first_name="Tora", last_name="Annan")
    record(kind=AuthEvent.Kind.LOGIN, user=mine, method=AuthEvent.Method.TOTP)
    record(kind=AuthEvent.Kind.LOGIN, user=theirs, method=AuthEvent.Method.TOTP)
    record(kind=AuthEvent.Kind.FAILED, username="adminn", reason="fel användarnamn eller lösenord")
    record(
        kind=AuthEvent.Kind.REFUSED,
        hsa_id="SE2321000016-X999",
        method=AuthEvent.Method.OIDC,
        reason="okänt HSA-id",
    )
    body = manager_client.get(URL).content.decode()
    assert "Mina Egen" in body and "Tora Annan" not in body
    assert "adminn" not in body and "SE2321000016-X999" not in body and "Inget konto" not in body
    assert "1 händelse" in body
    csv = manager_client.get(URL, {"format": "csv"}).content.decode("utf-8-sig")
    assert "Mina Egen" in csv and "adminn" not in csv and "X999" not in csv


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=STOCKHOLM)


def test_manager_sees_a_persons_events_only_while_they_worked_at_the_unit(
    manager_client, unit, other_unit
):
    """An assignment's days are Swedish days: an event at 00:30 the day after it ended (23:30 the
    day before in UTC) is outside it."""
    today = clock.today()
    started, ended = today - datetime.timedelta(days=20), today - datetime.timedelta(days=10)
    mover = UserFactory(first_name="Flytt", last_name="Person")
    AssignmentFactory(user=mover, unit=unit, valid_from=started, valid_to=ended)
    AssignmentFactory(user=mover, unit=other_unit, valid_from=ended + datetime.timedelta(days=1))
    moments = {
        "före": at(started - datetime.timedelta(days=1), 23, 30),
        "första": at(started, 0, 30),
        "sista": at(ended, 23, 30),
        "efter": at(ended + datetime.timedelta(days=1), 0, 30),
        "sedan": at(today - datetime.timedelta(days=2), 9),
    }
    for label, moment in moments.items():
        with clock.fixed_at(moment):
            record(kind=AuthEvent.Kind.LOGIN, user=mover, reason=f"händelse-{label}")
    body = manager_client.get(URL).content.decode()
    assert "händelse-första" in body and "händelse-sista" in body
    assert "händelse-före" not in body and "händelse-efter" not in body
    assert "händelse-sedan" not in body
    assert "2 händelser" in body


def test_a_manager_of_two_units_sees_each_persons_time_at_either(client, unit, other_unit):
    manager = staff_at(unit, role=Role.MANAGER)
    AssignmentFactory(user=manager, unit=other_unit, role=Role.MANAGER)
    client.force_login(manager)
    session = client.session
    session[SESSION_ACTIVE_UNIT] = unit.pk
    session.save()
    today = clock.today()
    mover = UserFactory(first_name="Flytt", last_name="Person")
    AssignmentFactory(
        user=mover,
        unit=unit,
        valid_from=today - datetime.timedelta(days=20),
        valid_to=today - datetime.timedelta(days=10),
    )
    AssignmentFactory(user=mover, unit=other_unit, valid_from=today - datetime.timedelta(days=5))
    for days_ago in (15, 7, 2):
        with clock.fixed_at(at(today - datetime.timedelta(days=days_ago), 9)):
            record(kind=AuthEvent.Kind.LOGIN, user=mover, reason=f"för {days_ago} dagar sedan")
    body = client.get(URL).content.decode()
    assert "för 15 dagar sedan" in body and "för 2 dagar sedan" in body
    assert "för 7 dagar sedan" not in body


def test_system_administrators_find_events_without_an_account_in_the_admin(client, unit):
    mine = staff_at(unit, first_name="Mina", last_name="Egen")
    record(kind=AuthEvent.Kind.LOGIN, user=mine)
    record(kind=AuthEvent.Kind.FAILED, username="adminn", reason="fel användarnamn eller lösenord")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/accounts/authevent/", {"konto": "inget"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "adminn" in body and "Mina Egen" not in body


def test_filters_and_problems_only(manager_client, unit):
    mine = staff_at(unit, first_name="Mina", last_name="Egen")
    record(kind=AuthEvent.Kind.LOGIN, user=mine)
    record(kind=AuthEvent.Kind.SECOND_FACTOR_FAILED, user=mine, reason="fel kod")
    body = manager_client.get(URL, {"problems": "on"}).content.decode()
    assert "1 händelse" in body and "Fel engångskod" in body
    body = manager_client.get(URL, {"kind": "login", "who": "egen"}).content.decode()
    assert "1 händelse" in body
    body = manager_client.get(URL, {"who": "ingen-alls"}).content.decode()
    assert "Inga händelser i urvalet" in body


def test_bad_dates_get_a_swedish_message(manager_client):
    response = manager_client.get(URL, {"date_from": "2026-13-40", "date_to": "2026-01-01"})
    assert response.status_code == 400
    assert "Skriv datumet som 2026-11-24" in response.content.decode()
    response = manager_client.get(URL, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "Slutdatumet kan inte ligga före startdatumet" in response.content.decode()
    response = manager_client.get(URL, {"date_from": "2026-01-01", "date_to": "9999-12-31"})
    assert response.status_code == 400
    assert "Välj ett datum mellan 2000-01-01" in response.content.decode()


def test_csv_for_swedish_excel(manager_client, unit):
    mine = staff_at(unit, first_name="Mina", last_name="Egen")
    record(kind=AuthEvent.Kind.LOGIN, user=mine, method=AuthEvent.Method.OIDC, acr="loa3")
    record(kind=AuthEvent.Kind.FAILED, user=mine, reason="=cmd|' /C calc'!A0")
    response = manager_client.get(URL, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Tid;Händelse;Metod;Användare")
    assert "Inloggning;E-tjänstekort;Mina Egen" in text
    assert ";'=cmd" in text


def test_only_managers(client, unit):
    client.force_login(staff_at(unit, role=Role.CARE))
    assert client.get(URL).status_code == 403


def test_htmx_gets_the_partial(manager_client):
    response = manager_client.get(URL, **HTMX)
    assert response.content.decode().lstrip().startswith('<section id="auth-results"')
    assert "HX-Request" in response["Vary"]


def test_query_count_is_flat(manager_client, unit):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(URL).status_code == 200
        return len(queries)

    def add(n):
        for _ in range(n):
            user = staff_at(unit)
            record(kind=AuthEvent.Kind.LOGIN, user=user)
            record(kind=AuthEvent.Kind.SECOND_FACTOR_RESET, user=user, actor=user)

    add(2)
    small = count()
    add(15)
    assert count() == small
