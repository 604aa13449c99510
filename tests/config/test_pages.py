"""Project-wide behaviour of pages: health check, headers, error pages, formats, navigation."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats

from accounts.models import Role
from tests.factories import UserFactory, staff_at

pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("no database")

    monkeypatch.setattr("config.views.connection.cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301


def test_security_headers(clinician_client):
    response = clinician_client.get(reverse("start"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


def test_pages_have_no_inline_scripts_or_styles(clinician_client):
    content = clinician_client.get(reverse("start")).content.decode()
    assert "<script>" not in content and "<style" not in content and " style=" not in content
    assert "hx-on" not in content


def test_htmx_is_served_from_our_static_files_with_safe_config(clinician_client):
    content = clinician_client.get(reverse("start")).content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in content
    assert '"historyCacheSize": 0' in content
    assert '"includeIndicatorStyles": false' in content
    assert 'hx-headers=\'{"X-CSRFToken": "' in content


def test_base_layout_is_accessible(clinician_client):
    content = clinician_client.get(reverse("start")).content.decode()
    assert 'href="#main"' in content and 'id="main"' in content
    assert "<nav" in content and 'aria-label="Huvudmeny"' in content
    assert 'aria-current="page"' in content


def test_404_is_swedish(clinician_client):
    response = clinician_client.get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()


def test_500_page_is_swedish_and_needs_no_context():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "Ett tekniskt fel har inträffat" in html


def test_dates_are_iso_formatted(settings):
    day = datetime.date(2026, 11, 24)
    assert formats.date_format(day) == "2026-11-24"
    assert formats.date_format(day, "SHORT_DATE_FORMAT") == "2026-11-24"
    rendered = Template("{{ day|date }}").render(Context({"day": day}))
    assert rendered == "2026-11-24"


def test_navigation_shows_administration_only_to_staff(client, clinician):
    client.force_login(clinician)
    assert "/admin/" not in client.get("/").content.decode()
    admin = UserFactory(is_staff=True)
    client.force_login(admin)
    # An administrator without an assignment sees the admin link on the no-assignment page.
    assert "/admin/" in client.get("/").content.decode()


def test_admin_lists_set_up_data(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in (
        "accounts/user",
        "accounts/careunit",
        "accounts/vardgivare",
        "accounts/assignment",
        "accounts/organisation",
    ):
        assert client.get(f"/admin/{url}/").status_code == 200, url


def test_every_area_in_the_navigation_opens_for_those_who_see_it(client, unit):
    # The navigation shows an area only to roles that may use it: never a link that answers 403.
    for role in (Role.CARE, Role.ADMINISTRATION, Role.MANAGER):
        client.force_login(staff_at(unit, role=role))
        page = client.get("/").content.decode()
        nav = page[page.index('aria-label="Huvudmeny"') : page.index("</nav>")]
        links = re.findall(r'href="([^"]+)"', nav)
        assert links, role
        for link in links:
            assert client.get(link).status_code == 200, (role, link)
    client.force_login(staff_at(unit, role=Role.ADMINISTRATION))
    assert 'href="/koordinering/"' not in client.get("/").content.decode()
