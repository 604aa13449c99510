"""Loaded by pytest before Django reads its settings (pyproject: addopts = -p tests.environment):
the test run's environment, so `pytest` works on its own as well as through `make test`.
Values already set (by CI or a developer) win."""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "tests-only-secret-key-never-used-outside-the-test-suite"
)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault("TRUSTED_PROXY_COUNT", "0")
os.environ.setdefault("DATABASE_URL", "postgres://atergang:atergang-dev@127.0.0.1:5432/atergang")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made from the
# same thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The key the test run encrypts TOTP seeds with (32 bytes, URL-safe base64); never used elsewhere.
os.environ.setdefault("TOTP_ENCRYPTION_KEYS", "dGVzdHMtb25seS10b3RwLWtleS1uZXZlci1lbHNld2g=")
# WhiteNoise wants STATIC_ROOT to exist; the tests serve static files through the finders.
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="atergang-static-"))
