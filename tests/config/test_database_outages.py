"""A database that goes away (a restart, a failover) is answered honestly: 503 with Retry-After
and a page in Swedish, never a 500; a write that was committed before the database went away
is answered as saved; and the same form sent again answers with what was saved.

The database really goes away: Django's connection runs through a loopback proxy
(tests/outage.py) that cuts every connection and refuses new ones. The requests are those a
WSGI server makes: close_old_connections() at the start of each, as gunicorn's request_started
does (the test client leaves it out)."""

from __future__ import annotations

import uuid

import pytest
from django.db import close_old_connections, connection

import tests.outage
from journal.models import JournalEntry
from tests.factories import register_patient
from tests.outage import DatabaseProxy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proxy(settings):
    """Django's connection, through a proxy that the test (or a request) can cut."""
    saved = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    proxy = DatabaseProxy(saved[0] or "127.0.0.1", saved[1] or 5432)
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", proxy.port
    tests.outage.current_proxy = proxy
    middleware = list(settings.MIDDLEWARE)
    sessions = next(i for i, m in enumerate(middleware) if m.endswith(".SessionMiddleware"))
    middleware.insert(sessions + 1, "tests.outage.OutageMiddleware")
    middleware.append("tests.outage.OutageBeforeViewMiddleware")
    settings.MIDDLEWARE = middleware
    yield proxy
    proxy.restore()
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved
    tests.outage.current_proxy = None
    proxy.close()


@pytest.fixture
def app(client):
    """The test client as a WSGI server drives the app: a 503 is an answer, not an exception
    raised into the test, and each request starts with close_old_connections()."""
    client.raise_request_exception = False
    return client


def send(app, method, path, **kwargs):
    close_old_connections()
    return getattr(app, method)(path, **kwargs)


def assert_unavailable(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    body = response.content.decode()
    assert 'lang="sv"' in body and "Tjänsten kan inte nå sin databas just nu" in body
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )


@pytest.fixture
def patient(unit, clinician):
    return register_patient(unit, clinician)


def test_a_request_that_cannot_reach_the_database_is_503(app, clinician, patient, proxy):
    app.force_login(clinician)
    proxy.drop()
    assert_unavailable(send(app, "get", f"/patienter/{patient.pk}/"))
    assert_unavailable(send(app, "get", "/healthz"))
    proxy.restore()
    assert send(app, "get", f"/patienter/{patient.pk}/").status_code == 200


@pytest.mark.parametrize("when", ["before-session", "before-view"])
def test_a_database_that_goes_away_during_the_request_is_503(app, clinician, patient, proxy, when):
    # before-session: the session and the user are loaded by middleware, where Django's
    # handler would answer 500 (the "no attribute '_session_cache'" tracebacks).
    app.force_login(clinician)
    assert_unavailable(
        send(app, "get", f"/patienter/{patient.pk}/", headers={"X-Test-Outage": when})
    )
    proxy.restore()
    assert send(app, "get", f"/patienter/{patient.pk}/").status_code == 200


def test_a_saved_note_is_answered_as_saved_when_the_session_cannot_be_saved(
    app, clinician, patient, proxy
):
    app.force_login(clinician)
    url = f"/patienter/{patient.pk}/journal/ny/"
    note = {"text": "Telefonsamtal.", "sign": "on", "submission_key": str(uuid.uuid4())}
    response = send(app, "post", url, data=note, headers={"X-Test-Outage": "after-view"})
    # Before: 400 SessionInterrupted, although the note was signed and saved.
    assert response.status_code == 302
    assert response["Location"] == f"/patienter/{patient.pk}/#journal"
    proxy.restore()
    assert JournalEntry.objects.get().text == "Telefonsamtal."
    page = send(app, "get", response["Location"]).content.decode()
    assert "Telefonsamtal." in page


def test_the_same_form_sent_again_answers_with_what_was_saved(app, clinician, patient, proxy):
    app.force_login(clinician)
    url = f"/patienter/{patient.pk}/journal/ny/"
    note = {"text": "Telefonsamtal.", "sign": "on", "submission_key": str(uuid.uuid4())}
    # The database goes away after the note was committed, before the page is shown: the
    # user sees 503 and does not know whether it was saved.
    htmx = {"HX-Request": "true", "HX-Current-URL": f"http://testserver/patienter/{patient.pk}/"}
    lost = send(app, "post", url, data=note, headers={**htmx, "X-Test-Outage": "after-view"})
    assert lost.status_code == 200
    proxy.drop()
    assert_unavailable(send(app, "post", url, data=note, headers=htmx))
    proxy.restore()
    again = send(app, "post", url, data=note, headers=htmx)
    assert again.status_code == 200
    section = again.content.decode()
    assert "Telefonsamtal." in section and "Anteckningen är signerad." in section
    without_js = send(app, "post", url, data=note)
    assert without_js.status_code == 302
    assert JournalEntry.objects.count() == 1
