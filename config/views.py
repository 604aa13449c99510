"""Project-level pages: the health check, the start page and the 500 handler."""

from __future__ import annotations

import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.decorators import unit_required
from accounts.models import Profession, Role
from config.middleware import database_unavailable, is_database_outage
from consent import selectors as consent_selectors
from core import clock, screen_sharing
from journal.accesslog import Actor
from mbt import selectors as mbt_selectors
from mbt import services as mbt_services


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


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 page, except for a database that went away while middleware was loading
    the session or the user (a view's failure is ErrorPageMiddleware's): 503, Retry-After."""
    error = sys.exception()
    if is_database_outage(error):
        return database_unavailable(request, error)
    return defaults.server_error(request)


@unit_required
@require_POST
def screen_sharing_switch(request: HttpRequest) -> HttpResponse:
    """Turns screen-sharing mode on or off for the session, and goes back to the page it was
    turned on from (a path on this site only)."""
    screen_sharing.switch(request, on=request.POST.get("on") == "1")
    back = request.POST.get("next", "")
    if not (
        back.startswith("/")
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = reverse("start")
    return redirect(back)


def _countdown(until) -> str:
    """ "3 dagar 4 timmar kvar", "2 timmar 10 minuter kvar", or "passerad"."""
    seconds = int((until - clock.now()).total_seconds())
    if seconds <= 0:
        return "passerad"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days} {'dag' if days == 1 else 'dagar'} {hours} tim kvar"
    if hours:
        return f"{hours} tim {minutes} min kvar"
    return f"{minutes} min kvar"


@unit_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The start page: what the user has to do today at the active unit, composed from the
    apps' selectors. The coordinator (and administrators and managers, who plan) also see the
    unit's overdue feedback."""
    actor = Actor.from_request(request)
    team = mbt_services.team_for(actor.unit)
    next_meeting = mbt_services.next_open_meeting(team)
    tasks = mbt_selectors.my_tasks(actor=actor)
    follows_up = bool(
        request.user.profession == Profession.REHABKOORDINATOR
        or request.active_roles & {Role.ADMINISTRATION, Role.MANAGER}
    )
    deadline = mbt_services.deadline_of(next_meeting, team) if next_meeting else None
    return render(
        request,
        "start.html",
        {
            "assignments": account_selectors.assignments_for_user(user=request.user),
            "expiring_consents": consent_selectors.expiring_count(unit=request.active_unit),
            "expiry_window": consent_selectors.EXPIRY_WINDOW_DAYS,
            "my_cases": mbt_selectors.my_cases(actor=actor),
            "moved": mbt_selectors.moved_notices(actor=actor),
            "next_meeting": next_meeting,
            "deadline": deadline,
            "countdown": _countdown(deadline) if deadline else "",
            "tasks": tasks["tasks"],
            "items": tasks["items"],
            "unit_overdue": mbt_selectors.unit_overdue_feedback(actor=actor)
            if follows_up
            else None,
        },
    )
