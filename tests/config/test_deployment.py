"""What a deployment relies on: production settings pass Django's deploy checks, migrations are
complete, static files collect with the manifest, the compose file is valid, installs are
reproducible."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.production import manage, production_env

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_settings_refuse_a_non_postgresql_database():
    result = manage("check", env=production_env(DATABASE_URL="sqlite:///db.sqlite3"))
    assert result.returncode != 0
    assert "must point at PostgreSQL" in result.stderr


def test_settings_refuse_a_malformed_boolean():
    result = manage("check", env=production_env(DJANGO_SECURE_SSL_REDIRECT="kanske"))
    assert result.returncode != 0
    assert "DJANGO_SECURE_SSL_REDIRECT='kanske' is not a boolean" in result.stderr


def test_migrations_are_complete():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_collectstatic_with_manifest_storage(collected_static):
    manifest = (collected_static / "staticfiles.json").read_text()
    for needed in ("css/app.css", "css/print.css", "js/session.js", "django_htmx/htmx-2.min.js"):
        assert f'"{needed}"' in manifest


@pytest.mark.skipif(
    shutil.which("docker-compose") is None, reason="make test installs docker-compose"
)
def test_compose_file_is_valid():
    result = subprocess.run(
        ["docker-compose", "-f", "docker-compose.yml", "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_app_as_a_less_privileged_role_than_migrations():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "/healthz" in compose
    migrate_url = re.search(r"\n  migrate:.*?DATABASE_URL: (\S+)", compose, re.S).group(1)
    web_url = re.search(r"\n  web:.*?DATABASE_URL: (\S+)", compose, re.S).group(1)
    assert migrate_url.startswith("postgres://atergang:")
    assert web_url.startswith("postgres://atergang_app:")
    # The app role gets row privileges only; it owns nothing and cannot truncate.
    init = (ROOT / "deploy/initdb/10-app-role.sh").read_text()
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES" in init
    assert "TRUNCATE" not in init and "OWNER" not in init


def test_the_proxy_configuration_is_valid_caddy():
    result = subprocess.run(
        ["caddy", "validate", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"],
        cwd=ROOT,
        env={**os.environ, "SITE_ADDRESS": "atergang.region.example", "TLS_DIRECTIVE": "internal"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Several web containers are all used: the upstreams are looked up, not fixed.
    assert "dynamic a" in (ROOT / "deploy/Caddyfile").read_text()


def test_compose_runs_the_scheduled_jobs_in_a_worker_service_with_a_health_check():
    compose = (ROOT / "docker-compose.yml").read_text()
    worker = re.search(r"\n  worker:\n(.*?)\n\n", compose, re.S).group(1)
    assert '"procrastinate", "worker"' in worker
    assert "DATABASE_URL: postgres://atergang_app:" in worker
    assert '"jobs", "--health"' in worker
    assert "service_completed_successfully" in worker  # after the migrations


def test_compose_archives_wal_and_backs_up_with_the_tested_configuration():
    compose = (ROOT / "docker-compose.yml").read_text()
    db = re.search(r"\n  db:\n(.*?)\n\n", compose, re.S).group(1)
    backup = re.search(r"\n  backup:\n(.*?)\n\n", compose, re.S).group(1)
    assert "build: deploy/postgres" in db and "archive_mode=on" in db
    assert "archive_command=pgbackrest --stanza=atergang archive-push %p" in db
    assert "backup-repo:/var/lib/pgbackrest" in db and "backup-repo:/var/lib/pgbackrest" in backup
    assert '"atergang-backup", "--check"]' in backup
    dockerfile = (ROOT / "deploy/postgres/Dockerfile").read_text()
    # The image carries the very files tests/config/test_backup_restore.py runs.
    assert "COPY pgbackrest.conf /etc/pgbackrest/pgbackrest.conf" in dockerfile
    assert "COPY backup.sh /usr/local/bin/atergang-backup" in dockerfile
    assert "repo1-cipher-type=aes-256-cbc" in (ROOT / "deploy/postgres/pgbackrest.conf").read_text()


def test_lock_file_pins_every_direct_dependency_at_the_same_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = project["dependencies"] + project["optional-dependencies"]["dev"]
    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            lock[re.sub(r"[-_.]+", "-", name).lower()] = version
    for requirement in direct:
        name, version = requirement.split("==")
        name = re.sub(r"\[.*\]", "", name)
        assert lock.get(re.sub(r"[-_.]+", "-", name).lower()) == version, requirement


def test_python_version_file():
    assert (ROOT / ".python-version").read_text().strip() == "3.13"


def test_migrations_name_no_path_of_this_machine():
    for migration in ROOT.glob("*/migrations/*.py"):
        text = migration.read_text()
        assert str(ROOT) not in text, migration


IDP = "https://idp.region.example/oidc/.well-known/openid-configuration"


def test_single_sign_on_settings_fail_loudly():
    plain_http = manage(
        "check",
        env=production_env(
            OIDC_DISCOVERY_URL="http://idp.region.example/.well-known/openid-configuration",
            OIDC_CLIENT_ID="atergang",
            OIDC_CLIENT_SECRET="s",
        ),
    )
    assert plain_http.returncode != 0 and "must be an https:// address" in plain_http.stderr
    no_client = manage("check", env=production_env(OIDC_DISCOVERY_URL=IDP))
    assert no_client.returncode != 0 and "OIDC_CLIENT_ID must be set" in no_client.stderr
    no_level = manage(
        "check",
        env=production_env(OIDC_DISCOVERY_URL=IDP, OIDC_CLIENT_ID="a", OIDC_CLIENT_SECRET="s"),
    )
    assert no_level.returncode != 0 and "OIDC_PATIENT_DATA_ACR must be set" in no_level.stderr
    nobody = manage("check", env=production_env(PASSWORD_LOGIN="0"))
    assert nobody.returncode != 0 and "nobody could log in" in nobody.stderr
    level = manage(
        "check",
        env=production_env(
            OIDC_DISCOVERY_URL=IDP,
            OIDC_CLIENT_ID="atergang",
            OIDC_CLIENT_SECRET="s",
            OIDC_ACR_LEVELS="loa2,loa3",
            OIDC_PATIENT_DATA_ACR="loa4",
        ),
    )
    assert level.returncode != 0 and "must be one of OIDC_ACR_LEVELS" in level.stderr


def test_with_single_sign_on_the_logout_may_go_to_the_provider_under_the_csp():
    env = production_env(
        OIDC_DISCOVERY_URL=IDP,
        OIDC_CLIENT_ID="atergang",
        OIDC_CLIENT_SECRET="s",
        OIDC_ACR_LEVELS="loa2,loa3",
        OIDC_PATIENT_DATA_ACR="loa3",
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SECURE_CSP['form-action'])",
        env=env,
    )
    assert "https://idp.region.example" in shown.stdout
    assert "idp.region.example/oidc" not in shown.stdout


def test_production_settings_refuse_to_start_without_a_key_for_totp_secrets():
    env = production_env()
    env.pop("TOTP_ENCRYPTION_KEYS", None)
    missing = manage("check", env=env)
    assert missing.returncode != 0 and "TOTP_ENCRYPTION_KEYS must be set" in missing.stderr
    short = manage("check", env=production_env(TOTP_ENCRYPTION_KEYS="kort"))
    assert short.returncode != 0 and "32 random bytes" in short.stderr
