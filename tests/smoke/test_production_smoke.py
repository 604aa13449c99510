"""The production smoke run: the app as production serves it, walked through over HTTP.

gunicorn with deploy/gunicorn.conf.py, DJANGO_DEBUG=0, static files collected with the manifest
storage into a folder of the run's own, on a loopback port. Two settings differ from
production, by environment and only here: there is no TLS proxy in front, so the HTTPS redirect
and secure-only cookies are off. deploy/smoke.py logs in as one user of each kind of
assignment (password, then the authenticator code), opens every page of the main navigation
and what is reachable from them, and every PDF, CSV and calendar file on the way.

The database: a copy of the test database (CREATE DATABASE … TEMPLATE: already migrated, copied
in well under a second) that this module creates and drops, with the demo loaded by
`manage.py seed_demo --force`. The test database itself is left alone."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
import pytest
from django.urls import resolve
from psycopg import sql

from tests.production import manage, production_env
from tests.waiting import OutputReader, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
USERS = ("kerstin", "maria", "anders", "admin")
# pytest-django creates the test database only for a run with tests that ask for it; this
# module copies it, so it asks too (the tests themselves talk to gunicorn, never to it).
pytestmark = pytest.mark.django_db


def load_smoke():
    """deploy/smoke.py, a script and not a package module, imported by its path."""
    name = "atergang_smoke"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "deploy" / "smoke.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


def _conninfo(settings_dict: dict, dbname: str) -> dict:
    return {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"],
        "password": settings_dict["PASSWORD"],
        "dbname": dbname,
    }


def _own_tcp_ports() -> set[int]:
    """The local ports of this process's TCP sockets (Linux /proc), to tell its own database
    connections from anyone else's."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/self/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _free_template(admin, template: str) -> None:
    """CREATE DATABASE … TEMPLATE needs the template to itself. This process's own connections
    to it are ended: after the browser tests one stays open that Django no longer holds (the
    connection wrapper has let go of it, the server still has it), and the copy would wait 5 s
    per attempt. Anyone else's connection fails the test, saying whose."""
    for _ in range(40):
        others = admin.execute(
            "SELECT pid, client_port, application_name, state, backend_start FROM "
            "pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [template],
        ).fetchall()
        if not others:
            return
        own = _own_tcp_ports()
        for pid, port, *_ in others:
            if port in own:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.25)
    pytest.fail(f"The test database {template} stayed in use, by {others}")


@pytest.fixture(scope="module")
def smoke_database_url(django_db_setup, django_db_blocker):
    """A database of the smoke run's own: the migrated test database, copied."""
    from django.db import connection, connections

    with django_db_blocker.unblock():
        settings_dict = connection.settings_dict
        template = settings_dict["NAME"]
        connections.close_all()
    # Never a copy of a developer's or anyone's own database.
    assert template.startswith("test_"), template
    name = f"{template}_smoke"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(template)
    )
    with psycopg.connect(**_conninfo(settings_dict, "postgres"), autocommit=True) as admin:
        admin.execute(drop)
        _free_template(admin, template)
        admin.execute(create)
    info = _conninfo(settings_dict, name)
    yield (
        f"postgres://{quote(info['user'])}:{quote(info['password'], safe='')}"
        f"@{info['host']}:{info['port']}/{name}"
    )
    with psycopg.connect(**_conninfo(settings_dict, "postgres"), autocommit=True) as admin:
        admin.execute(drop)


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    output: OutputReader

    def log(self) -> str:
        return "".join(self.output.lines)


@pytest.fixture(scope="module")
def production_server(smoke_database_url, collected_static, tmp_path_factory):
    # The socket is bound here and handed to gunicorn (fd://): no port can be taken between
    # choosing it and gunicorn binding it.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = production_env(
        DATABASE_URL=smoke_database_url,
        STATIC_ROOT=str(collected_static),
        PRIVATE_MEDIA_ROOT=str(tmp_path_factory.mktemp("smoke-private-media")),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_CSRF_TRUSTED_ORIGINS=base,
        SITE_URL=base,
        # No TLS proxy in front of this run: these two alone differ from production.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    seeded = manage("seed_demo", "--force", env=env, timeout=600)
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            "2",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        pass_fds=[listener.fileno()],
    )
    server = Server(base, process, OutputReader(process.stdout))
    try:
        wait_for_http(
            f"{base}/healthz",
            what="gunicorn",
            alive=lambda: process.poll() is None,
            output=server.log,
        )
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        listener.close()


def _route(path: str) -> str:
    match = resolve(urlsplit(path).path)
    return f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name


def test_production_smoke_run(production_server):
    smoke = load_smoke()
    started = time.monotonic()
    report = smoke.run(production_server.base, USERS, parallel=2)
    print(f"{report.summary()}\n({time.monotonic() - started:.1f} s)")
    assert report.ok, report.summary() + "\n\ngunicorn:\n" + production_server.log()[-5000:]

    # What was reached, so that a crawl which found nothing cannot pass.
    assert {visit.user for visit in report.visits} == set(USERS)
    pdfs = {(_route(v.url), "extern" in v.url) for v in report.documents("pdf")}
    assert {
        ("mbt:agenda_pdf", False),
        ("mbt:agenda_pdf", True),
        ("mbt:minutes_pdf", False),
        ("mbt:minutes_pdf", True),
        ("coordination:plan_pdf", False),
        ("coordination:index", False),  # the follow-up list
        ("consent:blankett", False),
        ("journal:log_extract", False),
    } <= pdfs
    csvs = {_route(v.url) for v in report.documents("csv")}
    assert {
        "coordination:index",
        "coordination:statistics",
        "mbt:indicators",
        "journal:log_review",
        "auth_event_log",
    } <= csvs
    assert {"mbt:meeting_ics", "mbt:feed"} <= {_route(v.url) for v in report.documents("ics")}
    static = {v.url for v in report.visits if v.kind == "static" and v.status == 200}
    assert any(url.startswith("/static/css/app.") for url in static)
    assert "/static/css/app.css" not in static  # hashed names, from the manifest

    # gunicorn's own log: the access log as production writes it, no tracebacks, no secret.
    log = production_server.log()
    assert '"GET /mbt/ HTTP/1.1" 200' in log
    assert "Traceback" not in log, log[-5000:]
    secrets = [secret for secret in report.secrets if secret]
    assert secrets and "/mbt/kalender/[dold].ics" in log
    assert not any(secret in log for secret in secrets)


def test_the_smoke_runs_authenticator_codes_are_the_demos():
    from accounts import demo

    smoke = load_smoke()
    now = time.time()
    assert smoke.DEMO_TOTP_KEY == demo.DEMO_TOTP_KEY_BASE32
    assert smoke.DEMO_PASSWORD == demo.DEMO_PASSWORD
    assert smoke.totp(smoke.DEMO_TOTP_KEY, at=now) == demo.demo_code(at=now)


def test_a_database_outage_is_503_under_gunicorn(production_server, smoke_database_url):
    """The database goes away under gunicorn: its connections are ended (pg_terminate_backend)
    and new ones refused (CONNECTION LIMIT 0), as during a restart. Every request is answered
    503 with Retry-After, none 500, and the same session works once the database is back."""
    smoke = load_smoke()
    report = smoke.Report()
    # A user the smoke run does not log in as: a code works once, and it may be the same 30 s.
    erik = smoke.UserRun(
        production_server.base,
        "erik",
        smoke.DEMO_PASSWORD,
        smoke.DEMO_TOTP_KEY,
        report,
        set(),
        per_shape=1,
        timeout=60,
    )
    assert erik.login(), report.problems
    assert erik.request("GET", "/mbt/").status_code == 200
    name = urlsplit(smoke_database_url).path.lstrip("/")
    limit = sql.SQL("ALTER DATABASE {} CONNECTION LIMIT {}")
    with psycopg.connect(smoke_database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as db:
        db.execute(limit.format(sql.Identifier(name), sql.Literal(0)))
        try:
            db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            answers = [erik.request("GET", path) for path in ("/mbt/", "/", "/healthz")]
            answers += [erik.request("POST", "/mbt/kalender/", data={"action": "renew"})]
        finally:
            db.execute(limit.format(sql.Identifier(name), sql.Literal(-1)))
    for answer in answers:
        assert answer.status_code == 503, answer.status_code
        assert int(answer.headers["Retry-After"]) > 0
    assert "Tjänsten kan inte nå sin databas just nu" in answers[0].text
    assert erik.request("GET", "/mbt/").status_code == 200  # the same session, back
    log = production_server.log()
    assert "Traceback" not in log and '"GET /mbt/ HTTP/1.1" 500' not in log
    assert "Database unavailable, answered 503" in log
