"""Single sign-on through the region's identity provider, against a real OpenID Connect
provider (tests/oidc: the npm package oidc-provider on a loopback port)."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone

from accounts import oidc as app_oidc
from accounts.models import AuthEvent
from tests.factories import (
    AssignmentFactory,
    UserFactory,
    register_patient,
    staff_at,
)
from tests.oidc import CLIENT_ID, LOA2, LOA3, OTHER_CLIENT_ID

pytestmark = pytest.mark.django_db

ANNA = "SE2321000016-A001"
BERTIL = "SE2321000016-B002"


def start(client, next_url: str = "") -> str:
    """Clicks "Logga in med e-tjänstekort": the address of the provider's authorization."""
    response = client.get("/accounts/oidc/login/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.content
    return response["Location"]


def back(client, url: str):
    """The browser arrives at the app's callback."""
    parts = urlsplit(url)
    assert parts.path == "/accounts/oidc/callback/"
    return client.get(f"{parts.path}?{parts.query}")


def refusal(reason_part: str) -> AuthEvent:
    event = AuthEvent.objects.get(kind="refused")
    assert event.method == "oidc"
    assert reason_part in event.reason, event.reason
    return event


def test_login_page_offers_e_tjanstekort_only_when_configured(client, settings, oidc):
    assert "Logga in med e-tjänstekort" in client.get("/accounts/login/").content.decode()
    settings.OIDC_ENABLED = False
    assert "Logga in med e-tjänstekort" not in client.get("/accounts/login/").content.decode()
    assert client.get("/accounts/oidc/login/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404


def test_authorization_request_carries_pkce_state_and_nonce(client, oidc):
    url = start(client)
    assert url.startswith(f"{oidc.issuer}/")
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/callback/"]
    assert "openid" in query["scope"][0].split()
    assert query["acr_values"] == [f"{LOA3} {LOA2}"]


def test_user_matched_by_hsa_id_logs_in_and_sees_only_their_unit(client, oidc, unit, other_unit):
    user = staff_at(unit, hsa_id=ANNA, first_name="A.", last_name="Andersson")
    mine = register_patient(unit, first_name="Egen")
    theirs = register_patient(other_unit, first_name="Annans")

    response = back(client, oidc.sign_in(start(client, "/patienter/"), "anna"))

    assert response.status_code == 302 and response["Location"] == "/patienter/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["auth_method"] == "oidc" and client.session["auth_acr"] == LOA3
    event = AuthEvent.objects.get(kind="login")
    assert (event.user, event.method, event.hsa_id, event.acr) == (user, "oidc", ANNA, LOA3)
    assert event.ip == "127.0.0.1"
    # Name and title follow the identity provider, with history.
    user.refresh_from_db()
    assert (user.first_name, user.title) == ("Anna", "Distriktsläkare")
    assert user.history.filter(title="").exists()
    assert user.history.latest().title == "Distriktsläkare"
    assert client.get(f"/patienter/{mine.pk}/").status_code == 200
    assert client.get(f"/patienter/{theirs.pk}/").status_code == 404


def test_unknown_hsa_id_is_refused_and_no_account_is_created(client, oidc, unit):
    users_before = UserFactory._meta.model.objects.count()
    response = back(client, oidc.sign_in(start(client), "okand"))
    assert response.status_code == 403
    assert "Ditt HSA-id är inte kopplat till något konto" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert UserFactory._meta.model.objects.count() == users_before
    event = refusal("okänt HSA-id")
    assert (event.user, event.hsa_id, event.acr) == (None, "SE2321000016-X999", LOA3)


def test_deactivated_user_is_refused(client, oidc, unit):
    user = staff_at(unit, hsa_id=ANNA, is_active=False)
    response = back(client, oidc.sign_in(start(client), "anna"))
    assert response.status_code == 403
    assert "Ditt konto är avstängt" in response.content.decode()
    assert refusal("avstängt").user == user


def test_user_without_a_current_assignment_is_refused(client, oidc, unit):
    user = UserFactory(hsa_id=ANNA)
    today = timezone.localdate()
    AssignmentFactory(
        user=user,
        unit=unit,
        valid_from=today - datetime.timedelta(days=90),
        valid_to=today - datetime.timedelta(days=1),
    )
    response = back(client, oidc.sign_in(start(client), "anna"))
    assert response.status_code == 403
    assert "inget giltigt medarbetaruppdrag" in response.content.decode()
    assert refusal("medarbetaruppdrag").user == user
    assert "_auth_user_id" not in client.session


def test_a_login_without_hsa_id_is_refused(client, oidc, unit):
    response = back(client, oidc.sign_in(start(client), "utan-hsa"))
    assert response.status_code == 403
    refusal("inget HSA-id")


def test_wrong_state_is_refused(client, oidc, unit):
    staff_at(unit, hsa_id=ANNA)
    url = oidc.sign_in(start(client), "anna")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    query["state"] = ["en-annan-state-som-inte-finns"]
    tampered = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query, doseq=True)}"
    response = back(client, tampered)
    assert response.status_code == 403
    assert "Försök igen" in response.content.decode()
    refusal("state")
    assert "_auth_user_id" not in client.session


def test_callback_in_another_browser_is_refused(client, oidc, unit, django_user_model):
    from django.test import Client

    staff_at(unit, hsa_id=ANNA)
    url = oidc.sign_in(start(client), "anna")
    other_browser = Client()
    assert back(other_browser, url).status_code == 403
    refusal("state")


def test_wrong_nonce_is_refused(client, oidc, unit):
    staff_at(unit, hsa_id=ANNA)
    url = oidc.sign_in(start(client), "anna")
    session = client.session
    (key,) = [k for k in session.keys() if k.startswith("_state_idp_")]  # noqa: SIM118
    stored = session[key]
    stored["data"]["nonce"] = "ett-annat-nonce-an-det-som-skickades"
    session[key] = stored
    session.save()
    response = back(client, url)
    assert response.status_code == 403
    refusal("nonce")
    assert "_auth_user_id" not in client.session


def test_a_code_issued_to_another_client_is_refused(client, oidc, unit):
    """The provider sends the browser back with a code it issued to another service: the
    exchange with Återgång's credentials is refused, and so is the login."""
    staff_at(unit, hsa_id=ANNA)
    ours = parse_qs(urlsplit(start(client)).query)
    other = {
        **{k: v[0] for k, v in ours.items()},
        "client_id": OTHER_CLIENT_ID,
    }
    url = oidc.sign_in(f"{oidc.issuer}/auth?{urlencode(other)}", "anna")
    response = back(client, url)
    assert response.status_code == 403
    refusal("tokenutbytet nekades")
    assert "_auth_user_id" not in client.session


def test_an_id_token_for_another_client_fails_validation(oidc):
    """An id token the provider really signed, for the same user, but for another client: its
    audience is not Återgång."""
    from joserfc.errors import JoseError

    token = oidc.token_for_other_client()
    assert token["id_token"].count(".") == 2
    with pytest.raises(JoseError, match="aud|azp"):
        app_oidc.client().parse_id_token(token, nonce=token["nonce"])


def test_cancelling_at_the_provider_is_refused_with_a_message(client, oidc):
    start(client)
    keys = list(client.session.keys())
    state = next(k for k in keys if k.startswith("_state_idp_"))[len("_state_idp_") :]
    response = client.get(
        f"/accounts/oidc/callback/?error=access_denied&error_description=avbrutet&state={state}"
    )
    assert response.status_code == 403
    assert "Inloggningen avbröts" in response.content.decode()
    refusal("access_denied")


def test_weak_assurance_reaches_only_pages_without_patient_data(client, oidc, unit, settings):
    user = staff_at(unit, hsa_id=BERTIL, is_staff=True)
    patient = register_patient(unit)
    response = back(client, oidc.sign_in(start(client), "bertil"))
    assert response.status_code == 302 and response["Location"] == "/accounts/inloggning/"
    assert client.session["auth_acr"] == LOA2
    event = AuthEvent.objects.get(kind="login", user=user)
    assert event.acr == LOA2 and "tillitsnivån räcker inte" in event.reason
    mine = client.get("/accounts/inloggning/")
    assert mine.status_code == 200 and "inte räcker för patientuppgifter" in mine.content.decode()
    for url in ("/", "/patienter/", f"/patienter/{patient.pk}/", "/koordinering/", "/mbt/"):
        refused = client.get(url)
        assert refused.status_code == 403, url
        assert "Din inloggning räcker inte för patientuppgifter" in refused.content.decode()
    # Nor the administration, which shows clinical records read-only.
    assert client.get("/admin/").status_code in (302, 403)
    assert client.get("/admin/login/?next=/admin/").status_code == 403
    # With the level lowered, the same login is enough.
    settings.OIDC_PATIENT_DATA_ACR = LOA2
    assert client.get(f"/patienter/{patient.pk}/").status_code == 200


def test_logout_ends_the_session_here_and_at_the_provider(client, oidc, unit):
    staff_at(unit, hsa_id=ANNA)
    browser = oidc.browser()
    back(client, oidc.sign_in(start(client), "anna", browser))
    # While logged in at the provider, another login there needs no password (single sign-on).
    second = oidc.sign_in(start(client), None, browser)
    assert back(client, second).status_code == 302

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{oidc.issuer}/session/end")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"] and query["client_id"] == [CLIENT_ID]
    assert client.get("/").status_code == 302  # logged out here
    event = AuthEvent.objects.get(kind="logout")
    assert event.reason == "även hos identitetsleverantören"

    returned = oidc.end_session(end_session, browser)
    assert returned.startswith("http://testserver/accounts/login/")
    # Logged out there too: the next login asks for the card again.
    with pytest.raises(AssertionError, match="log in again"):
        oidc.sign_in(start(client), None, browser)


def test_password_login_can_be_switched_off(client, oidc, settings, unit):
    settings.PASSWORD_LOGIN = False
    user = staff_at(unit)
    page = client.get("/accounts/login/").content.decode()
    assert "Logga in med e-tjänstekort" in page and 'name="password"' not in page
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": "x"}, follow=True
    )
    assert "Inloggning med lösenord är avstängd" in response.content.decode()
    assert "pending_login_user" not in client.session


def test_provider_that_does_not_answer_gives_a_message_not_an_error(client, oidc, settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    settings.OIDC_DISCOVERY_URL = f"http://localhost:{free_port}/.well-known/openid-configuration"
    settings.OIDC_TIMEOUT_SECONDS = 2
    response = client.get("/accounts/oidc/login/")
    assert response.status_code == 503
    assert "Identitetsleverantören svarar inte" in response.content.decode()


def id_token_claims(oidc, **overrides):
    now = int(timezone.now().timestamp())
    claims = {
        "iss": oidc.issuer,
        "sub": "anna",
        "aud": CLIENT_ID,
        "exp": now + 300,
        "iat": now,
        "nonce": "n-1",
    }
    claims.update(overrides)
    return claims


def test_id_token_must_name_this_client_as_audience_and_come_from_the_issuer(oidc):
    """Authlib's default would take a token whose azp names us but whose aud does not."""
    from authlib.oidc.core import CodeIDToken
    from joserfc.errors import JoseError

    idp = app_oidc.client()

    def validate(**overrides):
        claims = CodeIDToken(
            id_token_claims(oidc, **overrides),
            {"alg": "RS256"},
            app_oidc._claims_options(idp),
            {"nonce": "n-1", "client_id": CLIENT_ID},
        )
        claims.validate()

    validate()
    with pytest.raises(JoseError, match="aud"):
        validate(aud="annan-tjanst", azp=CLIENT_ID)
    with pytest.raises(JoseError, match="iss"):
        validate(iss="http://localhost:1")


def test_a_forged_error_answer_is_refused_without_storing_its_text(client, oidc):
    response = client.get(
        "/accounts/oidc/callback/?error=access_denied&error_description=falsk%00text&state=x"
    )
    assert response.status_code == 403
    event = refusal("utan giltig state")
    assert "falsk" not in event.reason
    odd = client.get("/accounts/oidc/callback/?error=%00%3Cscript%3E")
    assert odd.status_code == 403
    assert AuthEvent.objects.filter(reason__contains="okänt fel").exists()


def test_hsa_ids_match_and_are_unique_whatever_the_case(client, oidc, unit):
    from django.core.exceptions import ValidationError

    user = staff_at(unit, hsa_id=ANNA.lower())
    twin = UserFactory.build(hsa_id=ANNA)
    with pytest.raises(ValidationError, match="HSA-id"):
        twin.full_clean()
    response = back(client, oidc.sign_in(start(client), "anna"))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
