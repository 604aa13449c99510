"""Session rules for shared workstations, and the active care unit.

- An idle session ends after SESSION_IDLE_TIMEOUT (30 min); a session ends after
  SESSION_ABSOLUTE_LIFETIME (10 h) whatever happens. Background requests (the idle-warning
  script's status check, polling marked with the X-Background-Request header) do not count as
  activity, so an open tab that polls cannot keep a session alive.
- An htmx request that meets an ended session is told to load the login page (HX-Redirect),
  never given a login form to swap into a fragment.
- A POST from a page another user opened (the page's user was logged out, a colleague logged in
  in the same browser) is refused before anything is read (accounts.page_user).
- request.active_unit is the unit the user works in right now; everything is scoped to it.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from accounts import page_user, selectors

SESSION_AUTH_TIME = "auth_time"
SESSION_LAST_ACTIVITY = "last_activity"
SESSION_ACTIVE_UNIT = "active_unit_id"
BACKGROUND_HEADER = "HTTP_X_BACKGROUND_REQUEST"


def is_background_request(request: HttpRequest) -> bool:
    return request.META.get(BACKGROUND_HEADER) == "1" or request.path == reverse("session_status")


def session_started(request: HttpRequest) -> None:
    """Marks the start of an authenticated session; called right after login."""
    now = time.time()
    request.session[SESSION_AUTH_TIME] = now
    request.session[SESSION_LAST_ACTIVITY] = now


def session_seconds_left(request: HttpRequest) -> int:
    """Seconds until the session ends, by whichever of the two limits comes first."""
    now = time.time()
    last = request.session.get(SESSION_LAST_ACTIVITY, now)
    started = request.session.get(SESSION_AUTH_TIME, now)
    idle_left = settings.SESSION_IDLE_TIMEOUT.total_seconds() - (now - last)
    absolute_left = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() - (now - started)
    return max(0, int(min(idle_left, absolute_left)))


def _is_login_redirect(response: HttpResponse) -> bool:
    if response.status_code != 302:
        return False
    return urlparse(response["Location"]).path == resolve_url(settings.LOGIN_URL)


def _page_url(request: HttpRequest) -> str:
    """Where to come back to after logging in: for htmx the page the fragment belongs to (the
    fragment's own URL may answer POST only), otherwise the requested page."""
    if getattr(request, "htmx", False):
        return request.htmx.current_url_abs_path or "/"
    return request.get_full_path() if request.method == "GET" else "/"


def _autosave_refused() -> JsonResponse:
    """An autosave that meets an ended session is refused with 401, not redirected: the page
    keeps the text and saves it once the user has logged in again (in another tab)."""
    return JsonResponse({"expired": True, "login_url": resolve_url(settings.LOGIN_URL)}, status=401)


def _to_login(request: HttpRequest) -> HttpResponse:
    if request.headers.get("X-Autosave") == "1":
        return _autosave_refused()
    if request.htmx:
        # Polling included: htmx ignores a 401, but follows HX-Redirect.
        return HttpResponseClientRedirect(redirect_to_login(_page_url(request))["Location"])
    if is_background_request(request):
        return JsonResponse(
            {"expired": True, "login_url": resolve_url(settings.LOGIN_URL)}, status=401
        )
    return redirect_to_login(_page_url(request))


class HtmxLoginRedirectMiddleware:
    """Turns a redirect to the login page into HX-Redirect for htmx requests, so the browser
    loads the whole login page instead of swapping it into part of the current one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.headers.get("X-Autosave") == "1" and _is_login_redirect(response):
            return _autosave_refused()
        if getattr(request, "htmx", False) and _is_login_redirect(response):
            return HttpResponseClientRedirect(redirect_to_login(_page_url(request))["Location"])
        return response


class PageUserMiddleware:
    """Refuses (409) a POST whose page was opened for another user than the session's. Before
    the session timeout's bookkeeping, so a refused request does not keep the session alive,
    and before any view, so nothing is read or written under the wrong user. An autosave must
    say whose page it came from; other forms are checked when they do (all of ours do)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.user.is_authenticated:
            sent = page_user.sent_by_page(request)
            autosave = request.headers.get("X-Autosave") == "1"
            if (sent is not None or autosave) and (
                page_user.user_id_of(sent or "") != request.user.pk
            ):
                return self._refused(request)
        return self.get_response(request)

    @staticmethod
    def _refused(request: HttpRequest) -> HttpResponse:
        if request.headers.get("X-Autosave") == "1" or getattr(request, "htmx", False):
            # The page keeps what it has (nothing is swapped in) and static/js/app.js hides
            # it until the page's own user has logged in again.
            response = JsonResponse({"page_user_changed": True}, status=409)
            response["HX-Reswap"] = "none"
        else:
            # Answered before ActiveUnitMiddleware: the page shows no unit and no navigation.
            request.active_unit, request.active_roles, request.current_units = None, frozenset(), []
            response = render(request, "accounts/user_changed.html", status=409)
        response["X-Page-User-Changed"] = "1"
        return response


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            started = session.setdefault(SESSION_AUTH_TIME, now)
            last = session.get(SESSION_LAST_ACTIVITY, now)
            message = reason = None
            if now - started > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds():
                reason = "maxtiden för en session"
                hours = int(settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() // 3600)
                message = _(
                    "Du har loggats ut eftersom du varit inloggad i %(hours)s timmar. "
                    "Logga in igen för att fortsätta."
                ) % {"hours": hours}
            elif now - last > settings.SESSION_IDLE_TIMEOUT.total_seconds():
                reason = "inaktivitet"
                minutes = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
                message = _(
                    "Du har loggats ut eftersom du inte har varit aktiv på %(minutes)s minuter. "
                    "Inget du sparat har gått förlorat."
                ) % {"minutes": minutes}
            if message:
                from accounts import services
                from accounts.models import AuthEvent

                user = request.user
                logout(request)
                services.auth_event_record(
                    request=request,
                    kind=AuthEvent.Kind.SESSION_ENDED,
                    user=user,
                    reason=reason,
                )
                messages.info(request, message)
                return _to_login(request)
            if not is_background_request(request):
                session[SESSION_LAST_ACTIVITY] = now
        return self.get_response(request)


class ActiveUnitMiddleware:
    """Sets request.active_unit (or None), request.active_roles and request.current_units from
    the user's current assignments and the unit chosen in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.active_unit = None
        request.active_roles = frozenset()
        request.current_units = []
        if request.user.is_authenticated:
            roles_by_unit = selectors.current_roles_by_unit(user=request.user)
            request.current_units = sorted(roles_by_unit, key=lambda unit: unit.name)
            chosen_id = request.session.get(SESSION_ACTIVE_UNIT)
            by_id = {unit.pk: unit for unit in roles_by_unit}
            if chosen_id not in by_id:
                chosen_id = None
                request.session.pop(SESSION_ACTIVE_UNIT, None)
                if len(by_id) == 1:
                    chosen_id = next(iter(by_id))
                    request.session[SESSION_ACTIVE_UNIT] = chosen_id
            if chosen_id is not None:
                request.active_unit = by_id[chosen_id]
                request.active_roles = frozenset(roles_by_unit[request.active_unit])
            if request.method == "POST" and self._unit_changed(request):
                return render(request, "accounts/unit_changed.html", status=409)
        return self.get_response(request)

    @staticmethod
    def _unit_changed(request: HttpRequest) -> bool:
        """A form or htmx request made on a page of one unit, arriving after the user switched
        to another unit in another tab: refused, rather than written at the wrong unit."""
        sent = request.headers.get("X-Active-Unit") or request.POST.get("_active_unit")
        if not sent:
            return False
        active = request.active_unit.pk if request.active_unit else None
        return sent != str(active)
