"""Local accounts: a password and then a code from an authenticator app (TOTP) or a one-time
recovery code. Until the code is right nobody is logged in."""

from __future__ import annotations

import datetime
import re
import time
from base64 import b32decode

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor, services
from accounts.models import Authenticator, AuthEvent, EnrolmentCode
from accounts.second_factor import PENDING_AT
from tests.factories import (
    PASSWORD,
    UserFactory,
    enrolment_code_for,
    staff_at,
    totp_code,
    with_authenticator,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CODE = "/accounts/tvafaktor/"
ENROL = "/accounts/tvafaktor/aktivera/"


@pytest.fixture(autouse=True)
def no_throttle(settings):
    # django-otp makes the next try after a wrong code wait 1, 2, 4 ... s; one test checks that.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def password(client, user, **extra):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, **extra})


def kinds(user=None):
    rows = AuthEvent.objects.order_by("pk")
    if user is not None:
        rows = rows.filter(user=user)
    return [row.kind for row in rows]


def test_a_right_password_alone_logs_nobody_in(client, unit):
    user = staff_at(unit)
    with_authenticator(user)
    response = password(client, user)
    assert response["Location"] == CODE
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    assert client.get("/patienter/").status_code == 302
    assert kinds() == []  # the login is not complete: nothing to log yet


def key_on(page) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.content.decode()).group(1)


def code_for_key(key: str) -> str:
    plain = key.replace(" ", "")
    totp = TOTP(b32decode(plain + "=" * (-len(plain) % 8)))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_first_login_sets_up_the_app_with_the_aktiveringskod_and_a_qr_code(client, unit):
    user = staff_at(unit, first_name="Karin")
    activation = enrolment_code_for(user)
    assert password(client, user)["Location"] == ENROL
    first = client.get(ENROL).content.decode()
    assert "aktiveringskoden du fått av administratören" in first
    assert "data:image/svg+xml" not in first  # no key before the aktiveringskod
    wrong = client.post(ENROL, {"enrolment_code": "1111-2222-3333"})
    assert wrong.status_code == 400 and "Aktiveringskoden stämmer inte" in wrong.content.decode()
    assert client.post(ENROL, {"enrolment_code": activation.replace("-", " ")})["Location"] == ENROL

    page = client.get(ENROL)
    body = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in body
    key = key_on(page)
    # The same key until it is confirmed: reloading does not change the QR code.
    assert key in client.get(ENROL).content.decode()

    bad = client.post(ENROL, {"code": "000000"})
    assert bad.status_code == 400
    assert "Koden stämmer inte" in bad.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post(ENROL, {"code": code_for_key(key)})
    assert response["Location"] == "/accounts/inloggning/reservkoder/"
    assert client.session["_auth_user_id"] == str(user.pk)
    device = Authenticator.objects.get(user=user)
    plain = key.replace(" ", "")
    assert device.confirmed and device.bin_key == b32decode(plain + "=" * (-len(plain) % 8))
    assert EnrolmentCode.objects.get(user=user).used_at is not None

    codes_page = client.get("/accounts/inloggning/reservkoder/")
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    assert len(set(codes)) == 10 and second_factor.recovery_codes_left(user) == 10
    # Shown once.
    assert client.get("/accounts/inloggning/reservkoder/")["Location"] == "/accounts/inloggning/"
    assert kinds(user) == ["code_created", "otp_failed", "otp_failed", "otp_enrolled", "login"]


def test_without_an_aktiveringskod_a_password_cannot_set_up_an_app(client, unit):
    """Someone who knows the password must not be able to make their own phone the second
    factor."""
    user = staff_at(unit)
    password(client, user)
    page = client.get(ENROL).content.decode()
    assert "det finns ingen giltig kod för dig" in page
    assert "data:image/svg+xml" not in page
    assert client.post(ENROL, {"enrolment_code": "1234-5678-9012"}).status_code == 200
    assert client.post(ENROL, {"code": "123456"}).status_code == 400
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert "_auth_user_id" not in client.session


def test_an_aktiveringskod_expires_and_works_once(client, unit, settings):
    user = staff_at(unit)
    activation = enrolment_code_for(user)
    EnrolmentCode.objects.filter(user=user).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    password(client, user)
    assert "det finns ingen giltig kod för dig" in client.get(ENROL).content.decode()
    assert client.post(ENROL, {"enrolment_code": activation}).status_code == 200

    fresh = enrolment_code_for(user)
    assert client.post(ENROL, {"enrolment_code": fresh})["Location"] == ENROL
    client.post(ENROL, {"code": code_for_key(key_on(client.get(ENROL)))})
    client.post("/accounts/logout/")
    TOTPDevice.objects.filter(user=user).delete()
    password(client, user)
    assert "det finns ingen giltig kod för dig" in client.get(ENROL).content.decode()


def test_each_login_attempt_shows_a_new_key(client, unit):
    user = staff_at(unit)
    activation = enrolment_code_for(user)
    password(client, user)
    client.post(ENROL, {"enrolment_code": activation})
    first = key_on(client.get(ENROL))
    password(client, user)
    client.post(ENROL, {"enrolment_code": activation})
    assert key_on(client.get(ENROL)) != first


def test_code_from_the_app_completes_the_login(client, unit):
    user = staff_at(unit)
    device = with_authenticator(user)
    password(client, user, next="/patienter/")
    page = client.get(CODE)
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    response = client.post(CODE, {"code": totp_code(device)})
    assert response["Location"] == "/patienter/"
    assert client.session["_auth_user_id"] == str(user.pk)
    login = AuthEvent.objects.get(kind="login")
    assert (login.user, login.method) == (user, "totp")


def test_wrong_code_is_refused_with_a_message_and_logged(client, unit):
    user = staff_at(unit)
    with_authenticator(user)
    password(client, user)
    response = client.post(CODE, {"code": "12 34 56"})
    assert response.status_code == 400
    assert "Koden stämmer inte" in response.content.decode()
    assert "_auth_user_id" not in client.session
    empty = client.post(CODE, {"code": ""})
    assert empty.status_code == 400 and "Skriv koden" in empty.content.decode()
    assert kinds(user) == ["otp_failed"]


def test_a_code_works_only_once(client, unit):
    user = staff_at(unit)
    device = with_authenticator(user)
    code = totp_code(device)
    password(client, user)
    assert client.post(CODE, {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    password(client, user)
    again = client.post(CODE, {"code": code})
    assert again.status_code == 400
    assert "en kod som redan använts fungerar inte igen" in again.content.decode()


def test_recovery_code_works_once(client, unit):
    user = staff_at(unit)
    with_authenticator(user)
    codes = services.recovery_codes_replace(user=user)
    password(client, user)
    response = client.post(CODE, {"code": codes[0].upper()[:4] + "-" + codes[0][4:]}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "Du har 9 kvar" in response.content.decode()
    assert AuthEvent.objects.get(kind="login").method == "recovery"
    client.post("/accounts/logout/")
    password(client, user)
    assert client.post(CODE, {"code": codes[0]}).status_code == 400
    assert client.post(CODE, {"code": codes[1]}).status_code == 302


def test_too_many_wrong_codes_start_the_login_over(client, unit, settings):
    user = staff_at(unit)
    device = with_authenticator(user)
    password(client, user)
    for _ in range(settings.SECOND_FACTOR_MAX_ATTEMPTS - 1):
        assert client.post(CODE, {"code": "000000"}).status_code == 400
    last = client.post(CODE, {"code": "000000"}, follow=True)
    assert last.redirect_chain[-1][0] == LOGIN
    assert "För många felaktiga koder" in last.content.decode()
    # The right code no longer helps: the password must be given again.
    assert client.post(CODE, {"code": totp_code(device)})["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_wrong_codes_in_a_row_are_throttled(client, unit, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 30
    user = staff_at(unit)
    device = with_authenticator(user)
    password(client, user)
    client.post(CODE, {"code": "000000"})
    throttled = client.post(CODE, {"code": totp_code(device)})
    assert throttled.status_code == 400
    assert "Vänta" in throttled.content.decode()


def test_a_pending_login_lapses(client, unit):
    user = staff_at(unit)
    device = with_authenticator(user)
    password(client, user)
    session = client.session
    session[PENDING_AT] = time.time() - 10 * 60
    session.save()
    response = client.post(CODE, {"code": totp_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert "Inloggningen hann gå ut" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_code_pages_without_a_password_send_to_login(client):
    assert client.get(CODE)["Location"] == LOGIN
    assert client.get(ENROL)["Location"] == LOGIN


def test_the_admin_login_cannot_be_used_to_skip_the_code(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_administrator_resets_a_lost_phone_and_it_is_logged(client, unit):
    admin = UserFactory(is_staff=True, is_superuser=True)
    user = staff_at(unit)
    with_authenticator(user)
    services.recovery_codes_replace(user=user)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [user.pk]},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Tvåfaktorsinloggningen är återställd" in body
    activation = re.search(r'<code class="enrolment-code">([\d-]+)</code>', body).group(1)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(device__user=user).exists()
    event = AuthEvent.objects.get(kind="otp_reset")
    assert (event.user, event.actor, event.method) == (user, admin, "admin")
    assert AuthEvent.objects.get(kind="code_created").actor == admin
    assert activation not in "".join(AuthEvent.objects.values_list("reason", flat=True))
    client.post("/accounts/logout/")
    assert password(client, user)["Location"] == ENROL
    assert client.post(ENROL, {"enrolment_code": activation})["Location"] == ENROL


def test_staff_who_may_only_view_users_cannot_reset_or_issue_codes(client, unit):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    user = staff_at(unit)
    with_authenticator(user)
    client.force_login(viewer)
    for action in ("reset_second_factor", "create_enrolment_code"):
        client.post("/admin/accounts/user/", {"action": action, "_selected_action": [user.pk]})
    assert TOTPDevice.objects.filter(user=user).exists()
    assert not EnrolmentCode.objects.exists()


def test_only_a_superuser_resets_a_superuser(client):
    from django.contrib.auth.models import Permission

    changer = UserFactory(is_staff=True)
    changer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    root = UserFactory(is_staff=True, is_superuser=True)
    with_authenticator(root)
    client.force_login(changer)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [root.pk]},
        follow=True,
    )
    assert "Bara en superanvändare" in response.content.decode()
    assert TOTPDevice.objects.filter(user=root).exists()


def test_admin_pages_never_show_authenticator_keys(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_my_login_page_makes_new_recovery_codes_with_a_code_from_the_app(client, unit):
    user = staff_at(unit)
    device = with_authenticator(user)
    old = services.recovery_codes_replace(user=user)
    password(client, user)
    client.post(CODE, {"code": totp_code(device)})
    page = client.get("/accounts/inloggning/").content.decode()
    assert "10 reservkoder kvar" in page
    refused = client.post("/accounts/inloggning/", {"code": old[1]})
    assert refused.status_code == 400 and "sex siffror" in refused.content.decode()
    # ... and the recovery code is not used up by trying.
    assert second_factor.recovery_codes_left(user) == 10
    response = client.post("/accounts/inloggning/", {"code": totp_code(device)})
    assert response["Location"] == "/accounts/inloggning/reservkoder/"
    page = client.get("/accounts/inloggning/reservkoder/").content.decode()
    new = set(re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page))
    assert len(new) == 10 and not new & set(old)
    assert second_factor.recovery_codes_left(user) == 10
    assert kinds(user)[-1] == "recovery_created"


def test_auth_event_log_is_append_only(unit):
    user = staff_at(unit)
    event = services.auth_event_record(request=None, kind=AuthEvent.Kind.LOGIN, user=user)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuthEvent.objects.filter(pk=event.pk).update(reason="ändrad")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuthEvent.objects.filter(pk=event.pk).delete()
    assert AuthEvent.objects.get(pk=event.pk).reason == ""


def test_every_page_of_the_login_and_set_up_flow_is_never_stored(client, unit):
    """The set-up page shows the authenticator's secret (QR code and key) before anyone is logged
    in: a browser or proxy keeping it would hand a second factor to the next user of the
    workstation."""
    user = staff_at(unit)
    activation = enrolment_code_for(user)
    pages = [client.get(LOGIN), password(client, user), client.get(ENROL)]
    pages.append(client.post(ENROL, {"enrolment_code": activation}))
    setup = client.get(ENROL)
    assert 'src="data:image/svg+xml' in setup.content.decode()
    pages += [setup, client.post(ENROL, {"code": "000000"})]
    other = staff_at(unit)
    with_authenticator(other)
    pages += [password(client, other), client.get(CODE), client.post(CODE, {"code": "000000"})]
    for response in pages:
        assert "no-store" in response.get("Cache-Control", ""), response.request["PATH_INFO"]


def test_resetting_the_second_factor_ends_the_users_sessions(client, unit):
    """A lost phone may be in someone else's hands, logged in: the reset logs the user out
    everywhere. Other users stay logged in."""
    from django.test import Client

    admin = UserFactory(is_staff=True, is_superuser=True)
    user = staff_at(unit)
    with_authenticator(user)
    client.force_login(user)
    other_browser = Client()
    other_browser.force_login(user)
    bystander = Client()
    bystander.force_login(staff_at(unit))
    assert client.get("/").status_code == 200 and other_browser.get("/").status_code == 200
    admin_browser = Client()
    admin_browser.force_login(admin)
    admin_browser.post(
        "/admin/accounts/user/", {"action": "reset_second_factor", "_selected_action": [user.pk]}
    )
    for browser in (client, other_browser):
        response = browser.get("/")
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in browser.session
    assert bystander.get("/").status_code == 200
    assert admin_browser.get("/admin/").status_code == 200
    # The reset is in the user's history, with the administrator as its author.
    assert user.history.latest().history_user == admin
    # A new login (password, aktiveringskod, new app) works as usual.
    assert password(client, user)["Location"] == ENROL
