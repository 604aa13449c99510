"""How the user logged in, kept on the session, and whether that is strong enough to see patient
data. A local account always has passed a second factor before it is logged in; a login through
the identity provider carries the provider's assurance level (the `acr` claim), which must reach
OIDC_PATIENT_DATA_ACR (required whenever single sign-on is configured)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

SESSION_METHOD = "auth_method"
SESSION_ACR = "auth_acr"
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 - a session key, not a secret


def complete_login(
    request: HttpRequest, user, *, method: str, acr: str = "", id_token: str = ""
) -> None:
    """Logs the user in once every step is done, whichever way they came (`local`: password and
    second factor; `oidc`: the identity provider), and records how on the session. The session
    key changes."""
    from django.contrib.auth import login

    from accounts import second_factor
    from accounts.middleware import session_started

    second_factor.clear(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    session_started(request)
    request.session[SESSION_METHOD] = method
    if method == "oidc":
        request.session[SESSION_ACR] = acr
        request.session[SESSION_ID_TOKEN] = id_token


def acr_rank(acr: str) -> int:
    """The level's place among OIDC_ACR_LEVELS (weakest first); -1 when it is not listed."""
    try:
        return settings.OIDC_ACR_LEVELS.index(acr)
    except ValueError:
        return -1


def acr_sufficient(acr: str) -> bool:
    required = settings.OIDC_PATIENT_DATA_ACR
    if not required:
        return False  # single sign-on switched off since: its sessions no longer count
    return acr_rank(acr) >= 0 and acr_rank(acr) >= acr_rank(required)


def sufficient_for_patient_data(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_METHOD) != "oidc":
        return True
    return acr_sufficient(session.get(SESSION_ACR, ""))
