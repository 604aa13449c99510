"""Logging in as staff do: with the e-tjänstekort through the region's identity provider (a real
OpenID Connect provider on loopback), and with a password and an authenticator app, set up at
the first login."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.models import AuthEvent
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.factories import PASSWORD, CareUnitFactory, enrolment_code_for, staff_at
from tests.oidc import IdentityProvider


@pytest.fixture(scope="session")
def browser_identity_provider(live_server):
    provider = IdentityProvider(live_server.url)
    yield provider
    provider.stop()


def test_login_with_e_tjanstekort_and_logout_at_both_ends(
    page, browser_identity_provider, settings
):
    for name, value in browser_identity_provider.settings().items():
        setattr(settings, name, value)
    unit = CareUnitFactory(name="Vårdcentralen Norr")
    staff_at(unit, hsa_id="SE2321000016-A001", first_name="A", last_name="Andersson")

    page.goto("/")
    expect(page.get_by_role("link", name="Logga in med e-tjänstekort")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "login-with-sso")
    page.get_by_role("link", name="Logga in med e-tjänstekort").click()

    expect(page.get_by_role("heading", name="Logga in hos identitetsleverantören")).to_be_visible()
    page.get_by_label("Test-id").fill("anna")
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", name="Välkommen, Anna")).to_be_visible()
    page.get_by_role("link", name=re.compile("Anna Andersson")).click()
    expect(
        page.get_by_text("Med e-tjänstekort via regionens identitetsleverantör.")
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "my-login-sso")

    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("heading", name="Logga ut från identitetsleverantören")).to_be_visible()
    page.get_by_role("button", name="Ja, logga ut").click()
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Du har loggats ut.")

    # Logged out at the provider too: the next login asks for the card again.
    page.get_by_role("link", name="Logga in med e-tjänstekort").click()
    expect(page.get_by_role("heading", name="Logga in hos identitetsleverantören")).to_be_visible()
    assert [e.kind for e in AuthEvent.objects.order_by("pk")] == ["login", "logout"]
    assert page.console_errors == []


def test_refused_and_too_weak_logins_say_why(page, browser_identity_provider, settings):
    for name, value in browser_identity_provider.settings().items():
        setattr(settings, name, value)
    unit = CareUnitFactory(name="Vårdcentralen Norr")
    staff_at(unit, hsa_id="SE2321000016-B002", first_name="Bertil", last_name="Berg")

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Logga in med e-tjänstekort").click()
    page.get_by_label("Test-id").fill("okand")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Du kunde inte loggas in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Ditt HSA-id är inte kopplat")
    assert_accessible(page)

    page.get_by_role("link", name="Tillbaka till inloggningen").click()
    # Still logged in at the provider as the unknown person: another card, another session.
    page.context.clear_cookies()
    page.get_by_role("link", name="Logga in med e-tjänstekort").click()
    page.get_by_label("Test-id").fill("bertil")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Min inloggning")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("inte räcker för patientuppgifter")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Patienter").click()
    expect(
        page.get_by_role("heading", name="Din inloggning räcker inte för patientuppgifter")
    ).to_be_visible()
    assert_accessible(page)
    screenshot(page, "weak-assurance")


def test_first_login_sets_up_the_authenticator_app(page):
    unit = CareUnitFactory(name="Vårdcentralen Norr")
    karin = staff_at(unit, username="karin", first_name="Karin", last_name="Ek")
    activation = enrolment_code_for(karin)

    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill("karin")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()

    expect(page.get_by_role("heading", name="Ställ in tvåfaktorsinloggning")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "enrolment-code")
    page.get_by_label("Aktiveringskod").fill(activation)
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.get_by_role("img", name=re.compile("QR-kod"))).to_be_visible()
    assert_accessible(page)
    screenshot(page, "second-factor-enrol")
    key = page.locator("code.secret").inner_text().replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time()
    page.get_by_label("Kod").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Aktivera och logga in").click()

    expect(page.get_by_role("heading", name="Spara dina reservkoder")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    screenshot(page, "recovery-codes")
    page.get_by_role("link", name="Jag har sparat koderna – fortsätt").click()
    expect(page.get_by_role("heading", name="Välkommen, Karin")).to_be_visible()

    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()
    page.get_by_label("Användarnamn").fill("karin")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_role("heading", name="Ange engångskod")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "second-factor-code")
    page.get_by_label("Kod").fill("000000")
    page.get_by_role("button", name="Logga in").click()
    expect(page.get_by_text("Koden stämmer inte")).to_be_visible()
    expect(page.get_by_label("Kod")).to_be_focused()
    assert page.console_errors == []


def test_manager_reviews_the_authentication_events(page):
    from accounts import services
    from accounts.models import Role

    unit = CareUnitFactory(name="Vårdcentralen Norr")
    staff_at(unit, username="anders", first_name="Anders", role=Role.MANAGER)
    nurse = staff_at(unit, first_name="Lena", last_name="Åberg")
    services.auth_event_record(
        request=None, kind=AuthEvent.Kind.SECOND_FACTOR_FAILED, user=nurse, reason="fel kod"
    )
    services.auth_event_record(
        request=None, kind=AuthEvent.Kind.FAILED, username="adminn", reason="fel lösenord"
    )
    login(page, "anders", PASSWORD)
    page.goto("/logguppfoljning/")
    page.get_by_role("link", name="Inloggningshändelser").click()
    results = page.locator("#auth-results")
    expect(results).to_contain_text("Lena Åberg")
    # Matched no account: for the system administrators, not the unit's manager.
    expect(results).not_to_contain_text("adminn")
    page.get_by_label("Bara misslyckade och nekade inloggningar").check()
    page.get_by_label("Användare eller HSA-id").fill("åberg")
    page.get_by_role("button", name="Visa").click()
    expect(results).to_contain_text("1 händelse")
    assert "who=%C3%A5berg" in page.url or "who=åberg" in page.url
    assert_accessible(page)
    screenshot(page, "auth-events")
    assert page.console_errors == []
