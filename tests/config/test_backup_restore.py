"""The backup is only as good as its restore. This test runs the deployment's own pgBackRest
configuration and backup script (deploy/postgres/) against a private PostgreSQL cluster started
as the `postgres` user on a free port: a base backup, WAL archived continuously, then the cluster
is lost and restored to a point in time into a new one, which must hold exactly the rows written
up to that moment, the access log's last rows among them, with its append-only trigger."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "postgres"


def _pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        pytest.fail("PostgreSQL's server programs are needed (Debian: postgresql).")
    return versions[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster owned by the postgres user, reachable over a socket."""

    def __init__(self, base: Path, name: str, env: dict[str, str]):
        self.base, self.data, self.env = base, base / name, env
        self.port = _free_port()
        self.bin = _pg_bin()

    def run(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        result = subprocess.run(  # noqa: S603 - our own commands, as the postgres user
            ["runuser", "-u", "postgres", "--", *args],
            cwd=self.base,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def sql(self, query: str, db: str = "atergang") -> str:
        return self.run(
            str(self.bin / "psql"), "-h", str(self.base), "-p", str(self.port), "-U", "postgres",
            "-d", db, "-v", "ON_ERROR_STOP=1", "-Atqc", query,
        ).strip()  # fmt: skip

    def start(self) -> None:
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data) + ".log",
            "-o", f"-p {self.port} -k {self.base} -c listen_addresses=''", "-w", "-t", "120",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")


@pytest.fixture
def workspace():
    if os.geteuid() != 0:
        pytest.skip("runs PostgreSQL as the postgres user, which needs root (as make test has)")
    if shutil.which("pgbackrest") is None:
        pytest.fail("pgBackRest is needed (make test installs Debian's pgbackrest).")
    base = Path(tempfile.mkdtemp(prefix="atergang-backup-"))
    shutil.chown(base, "postgres", "postgres")
    yield base
    subprocess.run(["pkill", "-u", "postgres", "-f", str(base)], check=False)  # noqa: S607
    shutil.rmtree(base, ignore_errors=True)


def _pgbackrest_env(base: Path, port: int) -> dict[str, str]:
    """The deployment's configuration file, with the paths of this test's cluster and repository
    given the way compose gives its settings: by environment."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(base),
        "PGBACKREST_CONFIG": str(DEPLOY / "pgbackrest.conf"),
        "PGBACKREST_STANZA": "atergang",
        "PGBACKREST_REPO1_PATH": str(base / "repo"),
        "PGBACKREST_REPO1_CIPHER_PASS": "only-for-this-test",
        "PGBACKREST_PG1_PATH": str(base / "original"),
        "PGBACKREST_PG1_SOCKET_PATH": str(base),
        "PGBACKREST_PG1_PORT": str(port),
        "PGBACKREST_PG1_USER": "postgres",
        "PGBACKREST_PG1_DATABASE": "postgres",
        "PGBACKREST_LOG_PATH": str(base / "log"),
        "PGBACKREST_SPOOL_PATH": str(base / "spool"),
        "PGBACKREST_LOCK_PATH": str(base / "lock"),
        "PGBACKREST_LOG_LEVEL_CONSOLE": "warn",
        "PGHOST": str(base),
        "PGPORT": str(port),
    }


def _app_schema() -> str:
    """The app's tables as the migrations made them in the test database."""
    db = connection.settings_dict
    result = subprocess.run(  # noqa: S603
        [
            str(_pg_bin() / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
            "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], db["NAME"],
        ],
        env={**os.environ, "PGPASSWORD": db["PASSWORD"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )  # fmt: skip
    return result.stdout


ADD_LOG_ROWS = """
SET session_replication_role = replica;  -- rows without their users and units: FKs not checked
INSERT INTO journal_accesslog (at, action, what, purpose, request_id, has_care_relation,
    protected_identity, outside_office_hours, user_id, unit_id)
SELECT clock_timestamp(), 'read', 'patientöversikt', 'vård och behandling', '{tag}-' || n,
    true, false, false, 1 + n % 7, 1 + n % 3
FROM generate_series(1, {count}) AS n;
"""
LAST_ROWS = "SELECT id, request_id, user_id FROM journal_accesslog ORDER BY id DESC LIMIT 5"


@pytest.mark.django_db
def test_point_in_time_restore_of_the_app_database(workspace):
    started = time.monotonic()
    base = workspace
    port = _free_port()
    env = _pgbackrest_env(base, port)
    for folder in ("log", "spool", "lock", "repo"):
        (base / folder).mkdir()
        shutil.chown(base / folder, "postgres", "postgres")
    (base / "schema.sql").write_text(_app_schema())

    original = Cluster(base, "original", env)
    original.port = port
    original.run(str(original.bin / "initdb"), "-D", str(original.data), "-A", "trust", "-U",
                 "postgres", "--locale=C.UTF-8")  # fmt: skip
    with open(original.data / "postgresql.conf", "a") as conf:
        # As docker-compose.yml starts the db service.
        conf.write(
            "wal_level = replica\narchive_mode = on\n"
            "archive_command = 'pgbackrest --stanza=atergang archive-push %p'\n"
        )
    original.start()
    original.sql("CREATE DATABASE atergang", db="postgres")
    original.run(str(original.bin / "psql"), "-h", str(base), "-p", str(port), "-U", "postgres",
                 "-d", "atergang", "-q", "-v", "ON_ERROR_STOP=1",
                 "-f", str(base / "schema.sql"))  # fmt: skip
    original.sql(ADD_LOG_ROWS.format(tag="before-backup", count=1000))

    # The backup service's first run: the stanza, then a full backup; then its health check.
    original.run(str(DEPLOY / "backup.sh"), "--once", timeout=300)
    original.run(str(DEPLOY / "backup.sh"), "--check", timeout=300)

    # pgBackRest compares whole seconds: the target must not share the backup's last second.
    time.sleep(1.1)
    original.sql(ADD_LOG_ROWS.format(tag="after-backup", count=500))
    target = original.sql("SELECT now()")
    expected_last = original.sql(LAST_ROWS)
    time.sleep(1.1)  # the target lies strictly between the two batches
    original.sql(ADD_LOG_ROWS.format(tag="too-late", count=300))
    original.sql("SELECT pg_switch_wal()")
    original.run("pgbackrest", "--stanza=atergang", "check", timeout=300)  # WAL is in the repo
    original.stop()  # the database is lost

    restored = Cluster(base, "restored", {**env, "PGBACKREST_PG1_PATH": str(base / "restored")})
    restored.data.mkdir(mode=0o700)
    shutil.chown(restored.data, "postgres", "postgres")
    # The backup set named, not chosen by pgBackRest from the sets' stop times (whole seconds).
    (backup_set,) = json.loads(original.run("pgbackrest", "--stanza=atergang", "--output=json",
                                            "info"))[0]["backup"]  # fmt: skip
    restored.run("pgbackrest", "--stanza=atergang", f"--set={backup_set['label']}",
                 "--type=time", f"--target={target}", "--target-action=promote", "restore",
                 timeout=300)  # fmt: skip
    restored.start()
    try:
        assert restored.sql("SELECT count(*) FROM journal_accesslog") == "1500"
        assert restored.sql(LAST_ROWS) == expected_last
        assert "too-late" not in restored.sql(
            "SELECT string_agg(request_id, ',') FROM journal_accesslog"
        )
        # Still append-only after the restore.
        refused = restored.run(
            str(restored.bin / "psql"), "-h", str(base), "-p", str(restored.port), "-U",
            "postgres", "-d", "atergang", "-c", "DELETE FROM journal_accesslog", check=False,
        )  # fmt: skip
        assert restored.sql("SELECT count(*) FROM journal_accesslog") == "1500", refused
    finally:
        restored.stop()
    assert time.monotonic() - started < 120, "the restore drill should take well under 2 minutes"
