from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings

from tests.factories import CareUnitFactory, staff_at
from tests.production import MANIFEST_STORAGE, collect_static


def pytest_configure(config):
    # Argon2 costs ~50-100 ms a password; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Plain storage for most tests: live_server serves static files through the finders, which
    # know no hashed names. Every PDF test and the production smoke run use the manifest
    # storage (production_static below), where a PDF's stylesheet lookup once broke.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


# The instant the suite runs at: an ordinary Tuesday morning, two weeks from any holiday, so that no
# test depends on the day it happens to run. A test about another day travels there itself
# (time-machine nests). Tests that talk to another process with a clock of its own (Chromium,
# the identity provider) run at the real time and build their data relative to it.
SUITE_INSTANT = datetime.datetime(2027, 1, 19, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))


@pytest.fixture(autouse=True)
def suite_clock(request):
    if (
        request.node.get_closest_marker("browser")
        or request.node.get_closest_marker("real_clock")
        or "identity_provider" in request.fixturenames
    ):
        yield None
        return
    with time_machine.travel(SUITE_INSTANT, tick=True) as traveller:
        yield traveller


@pytest.fixture
def unit(db):
    return CareUnitFactory(name="Vårdcentralen Norr")


@pytest.fixture
def other_unit(db):
    return CareUnitFactory(name="Vårdcentralen Söder")


@pytest.fixture
def clinician(unit):
    return staff_at(unit, first_name="Karin", last_name="Läkare")


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Uploaded documents go to a folder of the test's own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private-media"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected once per run as the image build collects them."""
    folder = tmp_path_factory.mktemp("collected-static")
    collect_static(folder)
    return folder


@pytest.fixture
def production_static(settings, collected_static):
    """The static storage production runs with: hashed names from collectstatic's manifest."""
    settings.STATIC_ROOT = collected_static
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}}
    return collected_static
