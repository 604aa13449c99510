"""Browser tests: Debian's Chromium driven by Playwright, one browser for the whole run, a fresh
context per test. Never `playwright install`: it downloads a browser of its own."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.waiting import START_TIMEOUT, HelperDidNotStart, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous on purpose: on a loaded machine a page or an axe run that takes a second can take
# ten. A passing test never waits for these; a failing one says what it waited for.
ACTION_TIMEOUT_MS = 30_000
EXPECT_TIMEOUT_MS = 20_000


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import Error, expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        started = time.monotonic()
        try:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=START_TIMEOUT * 1000
            )
        except Error as error:
            raise HelperDidNotStart(
                f"Chromium ({CHROMIUM}) did not start after {time.monotonic() - started:.1f} s "
                f"with {' '.join(CHROMIUM_ARGS)}:\n{error}"
            ) from error
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def ready_live_server(live_server):
    """The live server, once it serves a request (a static file: no database needed)."""
    wait_for_http(f"{live_server.url}/static/css/app.css", what="The live server")
    return live_server


@pytest.fixture
def page(browser, ready_live_server):
    # bypass_csp lets the test inject axe-core; the app's own pages never need it.
    context = browser.new_context(base_url=ready_live_server.url, bypass_csp=True, locale="sv-SE")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    console_errors: list[str] = []

    def on_console(msg):
        # A form sent back with errors answers 400 (409 for a conflict) on purpose; the browser
        # reports that as a failed resource. Anything else is a real error.
        expected = "status of 400" in msg.text or "status of 409" in msg.text
        if msg.type == "error" and not expected:
            console_errors.append(msg.text)

    page.on("console", on_console)
    # An exception in our own scripts (a listener that throws switches its behaviour off).
    page.on("pageerror", lambda error: console_errors.append(f"pageerror: {error}"))
    page.console_errors = console_errors
    yield page
    context.close()


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


def login(page, username: str, password: str) -> None:
    """Logs in as a user does: password, then the code from the authenticator app (the user is
    given one first if they have none)."""
    from accounts.models import Authenticator, User
    from tests.factories import totp_code, with_authenticator

    user = User.objects.filter(username=username).first()
    device = None
    if user is not None:
        device = Authenticator.objects.filter(user=user, confirmed=True).first()
        device = device or with_authenticator(user)
    page.goto("/accounts/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    if "/accounts/tvafaktor/" in page.url and device is not None:
        page.get_by_label("Kod").fill(totp_code(device))
        with page.expect_navigation():
            page.get_by_role("button", name="Logga in").click()


def screenshot(page, name: str) -> None:
    """Saves a full-page screenshot in test-results/ for people to look at."""
    folder = ROOT / "test-results"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
