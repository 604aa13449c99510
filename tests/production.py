"""The environment of a production process, for tests that start one (manage.py, gunicorn): the
test run's relaxations taken out, DEBUG off, a fresh secret key. Static files collected the way
the Dockerfile collects them, once per test run."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Variables tests.environment sets for the test run that a production deployment leaves unset.
TEST_ONLY = {
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_SECURE_COOKIES",
    "DJANGO_HSTS_SECONDS",
    "TRUSTED_PROXY_COUNT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="atergang.region.example",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://atergang.region.example",
    )
    env.update(overrides)
    return env


def manage(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env or production_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def collect_static(folder: Path) -> None:
    """collectstatic as the image build runs it: the manifest storage, hashed names,
    compressed copies."""
    result = manage(
        "collectstatic", "--no-input", env=production_env(STATIC_ROOT=str(folder)), timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError("collectstatic failed:\n" + result.stdout + result.stderr)
