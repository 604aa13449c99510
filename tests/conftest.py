from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.conf import settings

from tests.factories import CareUnitFactory, staff_at


def pytest_configure(config):
    # Argon2 costs ~50-100 ms a password; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Plain storage: tests do not need collectstatic's manifest (one test checks it on its own).
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
