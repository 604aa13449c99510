"""The idle warning: shown before the session ends, "Fortsätt vara inloggad" keeps it, and when
time runs out the browser lands on the login page with a message."""

from __future__ import annotations

import datetime
import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login
from tests.factories import PASSWORD, CareUnitFactory, staff_at


def test_warning_then_continue_keeps_the_session(page, settings):
    settings.SESSION_IDLE_TIMEOUT = datetime.timedelta(seconds=124)
    settings.SESSION_IDLE_WARNING = datetime.timedelta(seconds=120)
    user = staff_at(CareUnitFactory())
    login(page, user.username, PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("Välkommen"))).to_be_visible()

    dialog = page.get_by_role("dialog", name="Du loggas snart ut")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(page.get_by_role("button", name="Fortsätt vara inloggad")).to_be_focused()
    assert_accessible(page)
    page.get_by_role("button", name="Fortsätt vara inloggad").click()
    expect(dialog).to_be_hidden()
    # The session really was extended: the next page loads without a login.
    page.reload()
    expect(page.get_by_role("heading", name=re.compile("Välkommen"))).to_be_visible()


def test_session_ends_and_browser_goes_to_login(page, settings):
    settings.SESSION_IDLE_TIMEOUT = datetime.timedelta(seconds=4)
    settings.SESSION_IDLE_WARNING = datetime.timedelta(seconds=2)
    user = staff_at(CareUnitFactory())
    login(page, user.username, PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("Välkommen"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)$"), timeout=15_000)
    expect(page.get_by_role("status")).to_contain_text("inte har varit aktiv")
