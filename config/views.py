"""Project-level pages: the health check and the start page."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.decorators import unit_required
from consent import selectors as consent_selectors


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For the container healthcheck: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unhealthy"
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@unit_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The start page: what the user has to do today at the active unit."""
    assignments = account_selectors.assignments_for_user(user=request.user)
    return render(
        request,
        "start.html",
        {
            "assignments": assignments,
            "expiring_consents": consent_selectors.expiring_count(unit=request.active_unit),
            "expiry_window": consent_selectors.EXPIRY_WINDOW_DAYS,
        },
    )
