from __future__ import annotations

import pytest

from tests.oidc import IdentityProvider


@pytest.fixture(scope="session")
def identity_provider():
    """The test identity provider, for the Django test client (its host is testserver)."""
    provider = IdentityProvider("http://testserver")
    yield provider
    provider.stop()


@pytest.fixture
def oidc(identity_provider, settings):
    """The app configured against the test identity provider."""
    for name, value in identity_provider.settings().items():
        setattr(settings, name, value)
    return identity_provider
