"""Project-wide request plumbing: a request id for every request (carried into log lines and,
later, the access log), and the client address as the trusted proxy saw it."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.http import HttpRequest
from django.utils.cache import patch_cache_control

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
