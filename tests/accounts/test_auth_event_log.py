"""Inloggningshändelser: the managers' view of the authentication event log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import AuthEvent, Role
from tests.factories import staff_at

pytestmark = pytest.mark.django_db

URL = "/logguppfoljning/inloggningar/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def record(**fields):
    return services.auth_event_record(request=None, **fields)


@pytest.fixture
def manager_client(client, unit):
    manager = staff_at(unit, role=Role.MANAGER, first_name="Chef")
    client.force_login(manager)
    return client


def test_manager_sees_own_staff_and_unknown_names_not_other_units(manager_client, unit, other_unit):
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
    assert "adminn" in body and "SE2321000016-X999" in body and "Inget konto" in body
    assert "4 händelser" not in body and "3 händelser" in body


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
    record(kind=AuthEvent.Kind.FAILED, username="=cmd|' /C calc'!A0")
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
