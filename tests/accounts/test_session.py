"""Idle timeout, absolute lifetime, background requests and htmx with an ended session."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from accounts.middleware import SESSION_AUTH_TIME, SESSION_LAST_ACTIVITY

pytestmark = pytest.mark.django_db


def shift_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    if "last_activity" in seconds_ago:
        session[SESSION_LAST_ACTIVITY] = now - seconds_ago["last_activity"]
    if "auth_time" in seconds_ago:
        session[SESSION_AUTH_TIME] = now - seconds_ago["auth_time"]
    session.save()


@pytest.fixture
def logged_in(clinician_client):
    clinician_client.get(reverse("start"))  # the first request starts the clock
    return clinician_client


def test_idle_for_29_minutes_keeps_session_and_counts_as_activity(logged_in):
    shift_session(logged_in, last_activity=29 * 60)
    assert logged_in.get(reverse("start")).status_code == 200
    assert time.time() - logged_in.session[SESSION_LAST_ACTIVITY] < 5


def test_idle_for_31_minutes_logs_out_with_message(logged_in):
    shift_session(logged_in, last_activity=31 * 60)
    response = logged_in.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
    login_page = logged_in.get(response["Location"])
    assert "inte har varit aktiv på 30 minuter" in login_page.content.decode()
    assert "_auth_user_id" not in logged_in.session


def test_absolute_lifetime_ends_an_active_session(logged_in):
    shift_session(logged_in, auth_time=10 * 3600 + 1, last_activity=10)
    response = logged_in.get(reverse("start"))
    assert response.status_code == 302
    login_page = logged_in.get(response["Location"])
    assert "inloggad i 10 timmar" in login_page.content.decode()


def test_session_status_reports_time_left_without_extending(logged_in):
    shift_session(logged_in, last_activity=10 * 60)
    before = logged_in.session[SESSION_LAST_ACTIVITY]
    response = logged_in.get(reverse("session_status"))
    assert response.status_code == 200
    data = response.json()
    assert data["expired"] is False
    assert 19 * 60 < data["seconds_left"] <= 20 * 60
    assert logged_in.session[SESSION_LAST_ACTIVITY] == before


def test_background_header_does_not_keep_session_alive(logged_in):
    shift_session(logged_in, last_activity=20 * 60)
    before = logged_in.session[SESSION_LAST_ACTIVITY]
    logged_in.get(reverse("start"), headers={"X-Background-Request": "1"})
    assert logged_in.session[SESSION_LAST_ACTIVITY] == before
    shift_session(logged_in, last_activity=31 * 60)
    response = logged_in.get(reverse("session_status"))
    assert response.status_code == 401
    assert response.json() == {"expired": True, "login_url": "/accounts/login/"}


def test_keepalive_extends_session(logged_in):
    shift_session(logged_in, last_activity=29 * 60)
    assert logged_in.get(reverse("session_keepalive")).status_code == 405
    response = logged_in.post(reverse("session_keepalive"))
    assert response.status_code == 200
    assert response.json()["seconds_left"] > 29 * 60


def test_status_for_anonymous_is_401_json(client):
    response = client.get(reverse("session_status"))
    assert response.status_code == 401
    assert response.json()["expired"] is True


def test_htmx_request_with_expired_session_redirects_whole_page(logged_in):
    shift_session(logged_in, last_activity=31 * 60)
    response = logged_in.get(
        reverse("start"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/accounts/enhet/"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=/accounts/enhet/"
    assert response.content == b""


def test_htmx_request_without_session_redirects_whole_page(client):
    response = client.get(
        reverse("start"), headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert b"<form" not in response.content


def test_pages_for_logged_in_users_are_not_stored(logged_in):
    response = logged_in.get(reverse("start"))
    assert "no-store" in response["Cache-Control"]


def test_htmx_post_without_session_comes_back_to_the_page_not_the_fragment(client):
    response = client.post(
        "/patienter/1/journal/ny/",
        {"text": "x"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/patienter/1/"},
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=/patienter/1/"


def test_expired_htmx_polling_is_sent_to_login(logged_in):
    shift_session(logged_in, last_activity=31 * 60)
    response = logged_in.get(
        reverse("start"),
        headers={
            "HX-Request": "true",
            "X-Background-Request": "1",
            "HX-Current-URL": "http://testserver/",
        },
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=/"
