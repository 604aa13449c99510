from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors
from accounts.forms import ChooseUnitForm, LoginForm
from accounts.middleware import SESSION_ACTIVE_UNIT, session_seconds_left, session_started


class AtergangLoginView(LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        session_started(self.request)
        return response

    def get_default_redirect_url(self):
        # An administrator without a medarbetaruppdrag has nothing to do but set-up data.
        user = self.request.user
        if user.is_staff and not selectors.has_current_assignment(user=user):
            return resolve_url("admin:index")
        return super().get_default_redirect_url()


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this instead of logging in a locked-out username: a Swedish page that
    says why and for how long."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_logged_in = request.user.is_authenticated
    logout(request)
    if was_logged_in:
        messages.success(request, _("Du har loggats ut."))
    return redirect(settings.LOGIN_URL)


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def choose_unit(request: HttpRequest) -> HttpResponse:
    """Pick the active unit among the user's current assignments; everything shown afterwards
    is scoped to it."""
    form = ChooseUnitForm(request.POST or None, units=request.current_units)
    if request.method == "POST" and form.is_valid():
        unit = next(u for u in request.current_units if u.pk == form.cleaned_data["unit"])
        request.session[SESSION_ACTIVE_UNIT] = unit.pk
        messages.success(request, _("Du arbetar nu på %(unit)s.") % {"unit": unit.name})
        return redirect(_safe_next(request))
    status = 400 if form.errors else 200
    if not request.current_units:
        status = 403
    return render(
        request,
        "accounts/choose_unit.html",
        {"form": form, "next": _safe_next(request)},
        status=status,
    )


@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds left of the session, for the idle-warning script. A background request: asking
    does not count as activity."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"expired": True, "login_url": resolve_url(settings.LOGIN_URL)}, status=401
        )
    # A fresh CSRF token: after logging in again in another tab, the page's own is stale.
    return JsonResponse(
        {
            "expired": False,
            "seconds_left": session_seconds_left(request),
            "csrf_token": get_token(request),
        }
    )


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """ "Fortsätt vara inloggad": an explicit action, so it counts as activity."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"expired": True, "login_url": resolve_url(settings.LOGIN_URL)}, status=401
        )
    return JsonResponse({"expired": False, "seconds_left": session_seconds_left(request)})
