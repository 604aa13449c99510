"""A user's first minutes: log in, pick a unit, see the start page, switch unit, log out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login, screenshot
from tests.factories import PASSWORD, AssignmentFactory, CareUnitFactory, UserFactory


def test_login_pick_unit_start_page_switch_unit_and_logout(page):
    norr = CareUnitFactory(name="Vårdcentralen Norr")
    soder = CareUnitFactory(name="Vårdcentralen Söder")
    user = UserFactory(username="ali", first_name="Ali", last_name="Haddad")
    AssignmentFactory(user=user, unit=norr)
    AssignmentFactory(user=user, unit=soder)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    assert_accessible(page)

    login(page, "ali", "fel-lösenord")
    expect(page.get_by_role("alert")).to_contain_text("Fel användarnamn eller lösenord")
    expect(page.get_by_label("Användarnamn")).to_have_value("ali")

    login(page, "ali", PASSWORD)
    expect(page.get_by_role("heading", name="Välj vårdenhet")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Vårdcentralen Söder").check()
    page.get_by_role("button", name="Fortsätt").click()

    expect(page.get_by_role("heading", name="Välkommen, Ali")).to_be_visible()
    expect(page.get_by_text("Du arbetar på Vårdcentralen Söder.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "start")

    page.get_by_label("Aktiv vårdenhet").select_option(label="Vårdcentralen Norr")
    page.get_by_role("button", name="Byt enhet").click()
    expect(page.get_by_text("Du arbetar på Vårdcentralen Norr.")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Du arbetar nu på Vårdcentralen Norr.")

    # Keyboard: the skip link is the first stop and moves focus to the main content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hoppa till huvudinnehållet")).to_be_focused()

    page.get_by_role("banner").get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("status")).to_contain_text("Du har loggats ut.")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert page.console_errors == []
