"""Project-wide request plumbing: a request id for every request (carried into log lines and,
later, the access log), the client address as the trusted proxy saw it, and error pages for the
failures we can name."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front, the
    address the outermost trusted proxy appended to X-Forwarded-For. Never the client's own
    claim."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


def client_ip_for_axes(request: HttpRequest) -> str | None:
    return client_ip(request)


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Gives each request an id (the proxy's X-Request-ID when it is well-formed), returns it in
    the response, and makes it available to log lines."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class NoStoreMiddleware:
    """Nothing the app answers is kept by the browser or a proxy unless a view says otherwise:
    on a shared workstation the back button must not bring a patient's page back after logout,
    and the pages before a login is complete (the authenticator's set-up shows its secret as a
    QR code) belong to nobody yet, so "logged in" cannot be the test. Static files never get
    here (WhiteNoise answers them first); a view that sets Cache-Control itself (the calendar
    feed) keeps its own, unless the user is logged in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logged_in = user is not None and user.is_authenticated
        if logged_in or not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, no_cache=True, private=True)
        return response


# What psycopg raises, through Django, when the database cannot be reached or the connection
# broke (a restart, a failover, a network cut), and for a deadlock or a serialisation failure:
# all of them are worth trying again in a moment.
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10


def is_database_outage(error: BaseException | None) -> bool:
    """The error, or one it was raised while handling, is the database going away."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_ERRORS):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def database_unavailable(request: HttpRequest, error: BaseException | None = None) -> HttpResponse:
    """503 with Retry-After and a page in Swedish, rendered without the database. One line in
    the log, not a traceback per request while the database restarts."""
    logger.warning(
        "Database unavailable, answered 503: %s",
        type(error).__name__ if error is not None else "no connection",
    )
    body = render_to_string("503.html", {"request_id": getattr(request, "request_id", "")})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True, no_cache=True, private=True)
    # Logged above; Django's handler would log every 5xx again, with a traceback when it came
    # from an exception (django.utils.log.log_response skips a response marked so).
    response._has_been_logged = True
    return response


class DatabaseAvailableMiddleware:
    """Answers 503 at once when the database cannot be reached, before the session or the user
    is loaded: otherwise the first query is made deep inside another middleware, where
    Django's handler can only answer 500. The check is the health check Django makes at the
    first query of a request anyway (CONN_HEALTH_CHECKS), made first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            connection.close_if_health_check_failed()
            connection.ensure_connection()
        except DATABASE_ERRORS as error:
            return database_unavailable(request, error)
        return self.get_response(request)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except that a session that cannot be saved because the database went away
    after the view answered does not turn the answer into an error: the view's write is
    committed, and a 400 ("SessionInterrupted") would tell the user it was not. The browser
    keeps its earlier session cookie; at worst this request's session changes (last activity,
    a message that did not fit in its cookie) are lost."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except (SessionInterrupted, *DATABASE_ERRORS) as error:
            if not is_database_outage(error):
                raise  # e.g. the session was ended in another tab meanwhile: Django's answer
            logger.warning(
                "The session could not be saved after the response (%s); answered as it was",
                type(error).__name__,
            )
            return response


class ErrorPageMiddleware:
    """Errors we can name get a page that says what happened, in Swedish, instead of the
    generic 500 page: a document that could not be made, a database that went away."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from config.pdf import PdfError

        if isinstance(exception, PdfError):
            # The message names the static file or WeasyPrint's error, never the contents.
            logger.error("A document could not be made", exc_info=exception)
            return render(request, "document_error.html", status=500)
        if is_database_outage(exception):
            return database_unavailable(request, exception)
        return None
