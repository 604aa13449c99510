from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import SESSION_AUTH_TIME
from accounts.models import AuthEvent, Role
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    UserFactory,
    staff_at,
    totp_code,
    with_authenticator,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def post_login(client, username, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def full_login(client, user, **extra):
    """Password, then the code from the user's authenticator: the response to the code."""
    device = with_authenticator(user)
    response = post_login(client, user.username, **extra)
    assert response["Location"] == "/accounts/tvafaktor/"
    return client.post("/accounts/tvafaktor/", {"code": totp_code(device)})


def test_login_page_is_swedish(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="sv">' in content
    assert "Användarnamn" in content and "Lösenord" in content


def test_login_with_current_assignment_reaches_start_page(client, unit):
    user = staff_at(unit)
    response = full_login(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("start")
    assert SESSION_AUTH_TIME in client.session
    start = client.get(reverse("start"))
    assert start.status_code == 200
    assert unit.name in start.content.decode()


def test_login_keeps_next(client, unit):
    user = staff_at(unit)
    response = full_login(client, user, next="/accounts/enhet/")
    assert response["Location"] == "/accounts/enhet/"


def test_wrong_password_gives_swedish_message_and_keeps_username(client, unit):
    user = staff_at(unit)
    response = post_login(client, user.username, password="fel-lösenord")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Fel användarnamn eller lösenord" in content
    assert f'value="{user.username}"' in content
    assert "_auth_user_id" not in client.session
    event = AuthEvent.objects.get()
    assert (event.kind, event.user) == ("failed", user)
    assert event.reason == "fel användarnamn eller lösenord"


def test_unknown_username_is_logged_as_typed(client):
    post_login(client, "ingen-sadan", password="x")
    event = AuthEvent.objects.get()
    assert (event.kind, event.user, event.username) == ("failed", None, "ingen-sadan")
    assert event.ip == "127.0.0.1"


def test_ended_assignment_cannot_log_in(client, unit):
    user = UserFactory()
    today = timezone.localdate()
    AssignmentFactory(
        user=user,
        unit=unit,
        valid_from=today - datetime.timedelta(days=100),
        valid_to=today - datetime.timedelta(days=1),
    )
    response = post_login(client, user.username)
    assert response.status_code == 200
    assert "inget giltigt medarbetaruppdrag" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuthEvent.objects.get()
    assert (event.kind, event.user, event.reason) == (
        "refused",
        user,
        "inget giltigt medarbetaruppdrag",
    )


def test_assignment_ending_today_still_gives_access(client, unit):
    user = UserFactory()
    today = timezone.localdate()
    AssignmentFactory(
        user=user, unit=unit, valid_from=today - datetime.timedelta(days=10), valid_to=today
    )
    assert post_login(client, user.username).status_code == 302


def test_future_assignment_gives_no_access_yet(client, unit):
    user = UserFactory()
    AssignmentFactory(
        user=user, unit=unit, valid_from=timezone.localdate() + datetime.timedelta(days=1)
    )
    response = post_login(client, user.username)
    assert "inget giltigt medarbetaruppdrag" in response.content.decode()


def test_deactivated_user_cannot_log_in(client, unit):
    user = staff_at(unit, is_active=False)
    response = post_login(client, user.username)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_assignment_at_deactivated_unit_gives_no_access(client, unit):
    user = staff_at(unit)
    unit.is_active = False
    unit.save()
    response = post_login(client, user.username)
    assert "inget giltigt medarbetaruppdrag" in response.content.decode()


def test_staff_without_assignment_logs_in_but_sees_no_unit_data(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = full_login(client, admin)
    assert response["Location"] == reverse("admin:index")
    response = client.get(reverse("start"))
    assert response.status_code == 403
    content = response.content.decode()
    assert "inget giltigt medarbetaruppdrag" in content
    assert reverse("admin:index") in content


def test_logout_is_post_only_and_says_so(client, unit):
    user = staff_at(unit)
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "Du har loggats ut." in response.content.decode()
    assert client.get(reverse("start")).status_code == 302
    assert AuthEvent.objects.get().kind == "logout"


def test_logged_out_user_is_sent_to_login(client):
    response = client.get(reverse("start"))
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/"


def test_lockout_after_repeated_failures_by_username(client, unit, settings):
    user = staff_at(unit)
    other = staff_at(unit)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, user.username, password="fel").status_code == 200
    locked = post_login(client, user.username, password="fel")
    assert locked.status_code == 429
    content = locked.content.decode()
    assert "Kontot är tillfälligt spärrat" in content
    assert "15 minuter" in content
    # Even the right password is refused while locked out ...
    assert post_login(client, user.username).status_code == 429
    assert "_auth_user_id" not in client.session
    refused = AuthEvent.objects.filter(kind="refused", user=user)
    assert refused.count() == 2
    assert refused.first().reason == "spärrat efter för många misslyckade försök"
    # ... but a colleague at the same workstation (same address) can still log in.
    assert post_login(client, other.username).status_code == 302


def test_successful_login_resets_failure_count(client, unit, settings):
    user = staff_at(unit, role=Role.CARE)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, user.username, password="fel")
    # The count is reset when the login is complete, with the second factor.
    assert full_login(client, user)["Location"] == reverse("start")
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_login(client, user.username, password="fel").status_code == 200
