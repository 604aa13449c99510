"""gunicorn as production runs it: the Dockerfile's CMD and docker-compose.yml's web service use
this file, and so does the production smoke run in `make test` (tests/smoke/), which overrides
only the address and the number of workers on its command line. Every value can be set from the
environment; the defaults are for the container behind the TLS proxy."""

import os

from gunicorn.glogging import Logger

from config.redaction import redact


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a whole number.") from None


def _cores() -> int:
    # The cores this process may run on (a container's cpuset), not the host's.
    counter = getattr(os, "process_cpu_count", None) or os.cpu_count
    return counter() or 1


bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]

# Synchronous workers: every request is short and blocking (PostgreSQL, WeasyPrint), and a
# worker that has to be stopped takes nothing else with it. 2 × cores + 1 keeps the cores busy
# while some workers wait for the database; WEB_CONCURRENCY overrides it.
workers = _int("WEB_CONCURRENCY", 2 * _cores() + 1)
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5

# WeasyPrint and fontTools keep caches that grow with the documents a worker has made: each
# worker is replaced after about a thousand requests, the jitter keeping them from all
# restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# Only the TLS proxy may say the request came over HTTPS (X-Forwarded-Proto). In compose the
# proxy and the app share a network of their own (docker-compose.yml: edge) and nothing else is
# on it; outside compose, set FORWARDED_ALLOW_IPS to the proxy's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Headers with underscores are dropped (gunicorn's default, said here so it stays): a client
# must not smuggle X_Forwarded_Proto past the proxy.
header_map = "drop"

# The access log: client address as the proxy saw it, the request line with any secret in the
# path hidden (RedactingLogger), status, size, duration and the request id that the app's own
# log lines carry. Nothing from a request body, no cookies.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s "%(a)s"'
)


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets in URL paths (the calendar feed's token) hidden from
    every value the access-log format can name."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


logger_class = RedactingLogger
