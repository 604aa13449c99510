from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import oidc, page_user, second_factor, selectors, services
from accounts.assurance import (
    SESSION_ACR,
    SESSION_ID_TOKEN,
    SESSION_METHOD,
    acr_sufficient,
    complete_login,
)
from accounts.decorators import role_required
from accounts.forms import (
    AuthEventFilterForm,
    ChooseUnitForm,
    CodeForm,
    EnrolmentCodeForm,
    LoginForm,
)
from accounts.middleware import SESSION_ACTIVE_UNIT, session_seconds_left
from accounts.models import AuthEvent, Role, User
from config.csvexport import csv_bytes, csv_response
from config.htmx import render_page
from core import clock

_FAILURE_REASONS = {
    "invalid_login": "fel användarnamn eller lösenord",
    "inactive": "kontot är avstängt",
    "no_assignment": "inget giltigt medarbetaruppdrag",
}
RECOVERY_CODES_NEXT = "recovery_codes_next"
OIDC_NEXT = "oidc_next"
log = logging.getLogger(__name__)


class AtergangLoginView(LoginView):
    """The password is only the first step: a right one leaves a pending login that a code from
    the user's authenticator completes (accounts.second_factor). With the identity provider
    configured the page also offers "Logga in med e-tjänstekort"; password login can be off."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["password_login"] = settings.PASSWORD_LOGIN
        return context

    def post(self, request, *args, **kwargs):
        if not settings.PASSWORD_LOGIN:
            messages.error(request, _("Inloggning med lösenord är avstängd. Använd e-tjänstekort."))
            return redirect(settings.LOGIN_URL)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        next_url = self.get_redirect_url()
        if not next_url:
            # An administrator without a medarbetaruppdrag has nothing to do but set-up data.
            no_unit = user.is_staff and not selectors.has_current_assignment(user=user)
            next_url = resolve_url("admin:index" if no_unit else settings.LOGIN_REDIRECT_URL)
        second_factor.begin(self.request, user, next_url)
        if second_factor.confirmed_totp(user) is None:
            services.totp_enrolment_discard(user=user)
            return redirect("second_factor_enrol")
        return redirect("second_factor")

    def form_invalid(self, form):
        codes = [error.code for error in form.non_field_errors().as_data()]
        if codes:
            typed = (form.data.get("username") or "").strip()
            user = User.objects.filter(username=typed).first() if typed else None
            code = codes[0]
            services.auth_event_record(
                request=self.request,
                kind=AuthEvent.Kind.REFUSED if code == "no_assignment" else AuthEvent.Kind.FAILED,
                method=AuthEvent.Method.PASSWORD,
                user=user,
                username="" if user else typed,
                reason=_FAILURE_REASONS.get(code, code),
            )
        return super().form_invalid(form)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes calls this instead of logging in a locked-out username: a Swedish page that
    says why and for how long."""
    typed = str((credentials or {}).get("username") or request.POST.get("username") or "")
    user = User.objects.filter(username=typed).first() if typed else None
    services.auth_event_record(
        request=request,
        kind=AuthEvent.Kind.REFUSED,
        method=AuthEvent.Method.PASSWORD,
        user=user,
        username="" if user else typed,
        reason="spärrat efter för många misslyckade försök",
    )
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """Step two of a password login: the code from the authenticator app, or a recovery code."""
    user = second_factor.pending_user(request)
    if user is None:
        return _pending_lapsed(request)
    if second_factor.confirmed_totp(user) is None:
        return redirect("second_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = second_factor.verify(user, form.cleaned_data["code"])
        if result.method:
            next_url = second_factor.pending_next(request)
            complete_login(request, user, method="local")
            services.auth_event_record(
                request=request, kind=AuthEvent.Kind.LOGIN, user=user, method=result.method
            )
            if result.method == AuthEvent.Method.RECOVERY_CODE:
                messages.warning(
                    request,
                    _(
                        "Du loggade in med en reservkod; den kan inte användas igen. Du har "
                        "%(left)s kvar. Skapa nya under Min inloggning."
                    )
                    % {"left": second_factor.recovery_codes_left(user)},
                )
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        return _code_refused(request, form, user, result.message)
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "pending": user},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """First login of a local account (or after a reset): first the aktiveringskod the
    administrator gave, then set up an authenticator app by scanning a QR code (or typing the
    key) and confirming with a code from it. Without the aktiveringskod a password alone could
    set up someone else's app."""
    user = second_factor.pending_user(request)
    if user is None:
        return _pending_lapsed(request)
    if second_factor.confirmed_totp(user) is not None:
        return redirect("second_factor")
    enrolment_code = second_factor.accepted_enrolment_code(request, user)
    if enrolment_code is None:
        return _enrolment_code_step(request, user)

    device = services.totp_enrolment_device(user=user)
    setup = {
        "qr": second_factor.qr_data_uri(device),
        "key": second_factor.key_for_manual_entry(device),
    }
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = second_factor.normalise(form.cleaned_data["code"])
        if code.isdigit() and len(code) == 6 and device.verify_token(code):
            try:
                codes = services.totp_enrolment_confirm(
                    user=user, device=device, enrolment_code=enrolment_code
                )
            except ValueError:
                return _pending_lapsed(request)
            services.auth_event_record(
                request=request,
                kind=AuthEvent.Kind.SECOND_FACTOR_ENROLLED,
                user=user,
                method=AuthEvent.Method.TOTP,
            )
            next_url = second_factor.pending_next(request)
            complete_login(request, user, method="local")
            services.auth_event_record(
                request=request, kind=AuthEvent.Kind.LOGIN, user=user, method=AuthEvent.Method.TOTP
            )
            request.session[second_factor.NEW_RECOVERY_CODES] = codes
            request.session[RECOVERY_CODES_NEXT] = next_url
            return redirect("recovery_codes")
        message = _(
            "Koden stämmer inte. Kontrollera att koden kommer från Återgång i appen och att "
            "telefonens klocka går rätt, och skriv den kod som visas just nu."
        )
        return _code_refused(
            request, form, user, message, template="accounts/second_factor_enrol.html", **setup
        )
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {"form": form, "pending": user, **setup},
        status=400 if form.errors else 200,
    )


def _enrolment_code_step(request: HttpRequest, user: User) -> HttpResponse:
    has_code = services.enrolment_code_exists(user=user)
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and has_code and form.is_valid():
        found = services.enrolment_code_valid(user=user, code=form.cleaned_data["enrolment_code"])
        if found is not None:
            request.session[second_factor.ENROLMENT_CODE_OK] = found.pk
            return redirect("second_factor_enrol")
        start_over = _wrong_code(request, user, "fel aktiveringskod")
        if start_over:
            return start_over
        form.add_error(
            "enrolment_code",
            _(
                "Aktiveringskoden stämmer inte eller har gått ut. Kontrollera siffrorna, eller be "
                "administratören om en ny."
            ),
        )
    return render(
        request,
        "accounts/enrolment_code.html",
        {"form": form, "pending": user, "has_code": has_code},
        status=400 if form.errors else 200,
    )


def _pending_lapsed(request: HttpRequest) -> HttpResponse:
    messages.info(
        request, _("Inloggningen hann gå ut. Logga in igen med användarnamn och lösenord.")
    )
    return redirect(settings.LOGIN_URL)


def _wrong_code(request: HttpRequest, user: User, reason: str) -> HttpResponse | None:
    """Logs a wrong code and counts it; after the last try allowed, the way back to the
    password (the pending login is gone)."""
    services.auth_event_record(
        request=request,
        kind=AuthEvent.Kind.SECOND_FACTOR_FAILED,
        user=user,
        method=AuthEvent.Method.TOTP,
        reason=reason,
    )
    if not second_factor.count_failure(request):
        return None
    messages.error(
        request, _("För många felaktiga koder. Logga in igen med användarnamn och lösenord.")
    )
    return redirect(settings.LOGIN_URL)


def _code_refused(
    request, form, user, message, *, template="accounts/second_factor.html", **context
) -> HttpResponse:
    start_over = _wrong_code(request, user, "fel kod")
    if start_over:
        return start_over
    form.add_error("code", message)
    return render(request, template, {"form": form, "pending": user, **context}, status=400)


@login_required
@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once right after they were made."""
    codes = request.session.pop(second_factor.NEW_RECOVERY_CODES, None)
    next_url = request.session.pop(RECOVERY_CODES_NEXT, "") or resolve_url("my_login")
    if not codes:
        return redirect("my_login")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})


@login_required
@require_http_methods(["GET", "POST"])
def my_login(request: HttpRequest) -> HttpResponse:
    """Min inloggning: how I logged in, my second factor and recovery codes, and my own recent
    authentication events."""
    user = request.user
    local = request.session.get(SESSION_METHOD) != "oidc"
    form = CodeForm(request.POST or None)
    if request.method == "POST" and local and form.is_valid():
        result = second_factor.verify(user, form.cleaned_data["code"], allow_recovery=False)
        if result.method == AuthEvent.Method.TOTP:
            codes = services.recovery_codes_replace(user=user)
            services.auth_event_record(
                request=request,
                kind=AuthEvent.Kind.RECOVERY_CODES_CREATED,
                user=user,
                method=AuthEvent.Method.TOTP,
            )
            request.session[second_factor.NEW_RECOVERY_CODES] = codes
            return redirect("recovery_codes")
        form.add_error("code", result.message)
    return render(
        request,
        "accounts/my_login.html",
        {
            "form": form,
            "local": local,
            "acr": request.session.get(SESSION_ACR, ""),
            "acr_ok": acr_sufficient(request.session.get(SESSION_ACR, "")),
            "has_totp": second_factor.confirmed_totp(user) is not None,
            "codes_left": second_factor.recovery_codes_left(user),
            "events": selectors.auth_events_of_user(user=user)[:20],
        },
        status=400 if form.errors else 200,
    )


@require_GET
def oidc_login(request: HttpRequest) -> HttpResponse:
    """To the identity provider: "Logga in med e-tjänstekort"."""
    if not settings.OIDC_ENABLED:
        raise Http404
    request.session[OIDC_NEXT] = _safe_next(request)
    callback = request.build_absolute_uri(reverse("oidc_callback"))
    try:
        return oidc.authorize_redirect(request, callback)
    except Exception as exc:  # the provider's discovery document could not be read
        log.warning("OIDC login failed: %s", type(exc).__name__)
        message = _("Identitetsleverantören svarar inte just nu. Försök igen om en stund.")
        return render(request, "registration/login_refused.html", {"message": message}, status=503)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Back from the identity provider with a code: checked, matched to a user by HSA-id, and
    either logged in or refused with a reason (both logged)."""
    if not settings.OIDC_ENABLED:
        raise Http404
    try:
        identity = oidc.identity_from_callback(request)
    except oidc.Refused as refused:
        services.auth_event_record(
            request=request,
            kind=AuthEvent.Kind.REFUSED,
            method=AuthEvent.Method.OIDC,
            user=refused.user,
            hsa_id=refused.hsa_id,
            acr=refused.acr,
            reason=refused.reason,
        )
        return render(
            request, "registration/login_refused.html", {"message": refused.message}, status=403
        )
    next_url = request.session.pop(OIDC_NEXT, "") or resolve_url(settings.LOGIN_REDIRECT_URL)
    complete_login(
        request, identity.user, method="oidc", acr=identity.acr, id_token=identity.id_token
    )
    strong = acr_sufficient(identity.acr)
    services.auth_event_record(
        request=request,
        kind=AuthEvent.Kind.LOGIN,
        method=AuthEvent.Method.OIDC,
        user=identity.user,
        hsa_id=identity.hsa_id,
        acr=identity.acr,
        reason="" if strong else "tillitsnivån räcker inte för patientuppgifter",
    )
    if not strong:
        messages.warning(
            request,
            _(
                "Du loggade in med en metod som inte räcker för patientuppgifter. Logga in med "
                "e-tjänstekort för att se dem."
            ),
        )
        return redirect("my_login")
    return redirect(next_url)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Ends the session here and, after a login through the identity provider, there too
    (RP-initiated logout)."""
    user = request.user if request.user.is_authenticated else None
    provider_logout = None
    if user and settings.OIDC_ENABLED and request.session.get(SESSION_METHOD) == "oidc":
        provider_logout = oidc.logout_url(
            request.session.get(SESSION_ID_TOKEN, ""),
            request.build_absolute_uri(resolve_url(settings.LOGIN_URL)),
        )
    logout(request)
    if user is not None:
        services.auth_event_record(
            request=request,
            kind=AuthEvent.Kind.LOGOUT,
            user=user,
            reason="även hos identitetsleverantören" if provider_logout else "",
        )
        messages.success(request, _("Du har loggats ut."))
    return redirect(provider_logout or settings.LOGIN_URL)


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
    # A fresh CSRF token: after logging in again in another tab, the page's own is stale. And
    # whose session it is, so a page opened by someone else does not save into it.
    return JsonResponse(
        {
            "expired": False,
            "seconds_left": session_seconds_left(request),
            "csrf_token": get_token(request),
            "page_user": page_user.token_for(request.user),
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


AUTH_EVENT_PAGE_SIZE = 100


@role_required(Role.MANAGER)
@require_GET
def auth_event_log(request: HttpRequest) -> HttpResponse:
    """Inloggningshändelser: the authentication event log for the manager's units, apart from
    the PDL access log. Filters in the address (no patient data), CSV for Excel."""
    units = selectors.manager_units(user=request.user)
    today = clock.today()
    data = request.GET.copy()
    data.setdefault("date_from", (today - datetime.timedelta(days=30)).isoformat())
    data.setdefault("date_to", today.isoformat())
    form = AuthEventFilterForm(data)
    page = None
    if form.is_valid():
        rows = selectors.auth_events_for_managers(
            units=units,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            kind=form.cleaned_data["kind"],
            who=form.cleaned_data["who"].strip(),
            problems_only=form.cleaned_data["problems"],
        )
        if request.GET.get("format") == "csv":
            return _auth_events_csv(rows, form.cleaned_data)
        page = Paginator(rows, AUTH_EVENT_PAGE_SIZE).get_page(form.cleaned_data.get("page") or 1)
    query = data.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render_page(
        request,
        "accounts/auth_events.html",
        {"form": form, "page": page, "units": units, "query": query.urlencode()},
        partial="results",
        status=400 if form.errors else 200,
    )


def _auth_events_csv(rows, cleaned) -> HttpResponse:
    header = [
        "Tid",
        "Händelse",
        "Metod",
        "Användare",
        "Användarnamn",
        "HSA-id",
        "Orsak",
        "Tillitsnivå",
        "IP-adress",
        "Webbläsare",
        "Utförd av",
    ]
    content = csv_bytes(
        header,
        (
            (
                timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                row.get_kind_display(),
                row.get_method_display(),
                row.user.display_name if row.user else "okänd",
                row.user.username if row.user else row.username,
                row.hsa_id,
                row.reason,
                row.acr,
                row.ip or "",
                row.user_agent,
                row.actor.display_name if row.actor else "",
            )
            for row in rows.iterator(chunk_size=2000)
        ),
    )
    name = f"inloggningshandelser-{cleaned['date_from']:%Y%m%d}-{cleaned['date_to']:%Y%m%d}.csv"
    return csv_response(content, name)
