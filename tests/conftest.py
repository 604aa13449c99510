from __future__ import annotations

import pytest
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
