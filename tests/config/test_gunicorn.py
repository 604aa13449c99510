"""deploy/gunicorn.conf.py, as the image and compose run it: workers from the cores, recycled
with jitter, the proxy trusted by address, and an access log without the calendar feed's token.
The smoke run (tests/smoke/) starts real gunicorn with this file and reads its access log."""

from __future__ import annotations

import datetime
import io
import logging
import os
import re
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "gunicorn.conf.py"
TOKEN = "Zq3vN8x0bYkP1rT6uW9aC2dE5fG7hJ4kL0mN3pQ6sT8"


def load(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_workers_follow_the_cores_unless_told(monkeypatch):
    cores = os.process_cpu_count()
    assert load(monkeypatch)["workers"] == 2 * cores + 1
    assert load(monkeypatch, WEB_CONCURRENCY="5")["workers"] == 5
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY='många' is not a whole number"):
        load(monkeypatch, WEB_CONCURRENCY="många")


def test_workers_are_recycled_with_jitter(monkeypatch):
    conf = load(monkeypatch)
    assert conf["worker_class"] == "sync"
    assert conf["max_requests"] >= 100
    assert 0 < conf["max_requests_jitter"] < conf["max_requests"]


def test_only_the_proxy_may_say_https(monkeypatch):
    assert load(monkeypatch)["forwarded_allow_ips"] == "127.0.0.1,::1"
    conf = load(monkeypatch, FORWARDED_ALLOW_IPS="172.30.253.0/24")
    assert conf["forwarded_allow_ips"] == "172.30.253.0/24"


def test_the_image_and_compose_run_gunicorn_with_this_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi"]' in dockerfile
    compose = (ROOT / "docker-compose.yml").read_text()
    web = re.search(r"\n  web:\n(.*?)\n  \w+:\n", compose, re.S).group(1)
    assert '"--config", "deploy/gunicorn.conf.py"' in web
    assert "--workers" not in web and "FORWARDED_ALLOW_IPS: ${EDGE_SUBNET" in web
    # The subnet gunicorn trusts is the one only the proxy and the app are on.
    assert "edge:\n    ipam:\n      config:\n        - subnet: ${EDGE_SUBNET" in compose


def test_the_access_log_hides_the_calendar_feed_token(monkeypatch):
    from gunicorn.config import Config

    conf = load(monkeypatch)
    path = reverse("mbt:feed", args=[TOKEN])
    config = Config()
    config.set("access_log_format", conf["access_log_format"])
    logger = conf["RedactingLogger"](config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "172.30.253.2",
    }
    response = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "abc123")], sent=10)
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "10.1.2.3"), ("USER-AGENT", "Outlook")])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=12))
    line = conf["access_log_format"] % atoms
    assert TOKEN not in line and TOKEN not in str(atoms)
    assert '"GET /mbt/kalender/[dold].ics HTTP/1.1" 200' in line
    assert line.startswith("10.1.2.3 172.30.253.2 ") and "id=abc123" in line


@pytest.mark.django_db
def test_the_apps_own_log_hides_the_token_of_a_feed_that_is_not_found(client):
    # Django logs the path of every 404 ("Not Found: …"): a mistyped or revoked token too.
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(type(f).__name__ == "RedactSecretsFilter" for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        assert client.get(reverse("mbt:feed", args=[TOKEN])).status_code == 404
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert "Not Found: /mbt/kalender/[dold].ics" in written
    assert TOKEN not in written
