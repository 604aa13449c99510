"""Screen-sharing mode (skärmdelning): a switch for the whole session, for when the screen is
shown to someone who may not see everything (Försäkringskassan, another provider's
physiotherapist at the MBT meeting). While it is on, pages show a patient's name and year of
birth instead of the personnummer, and the MBT agenda and conference show only the cases the
external participants' agenda would show. Printed documents and exports follow their own rules.

Kept in the session (never a cookie of its own): it ends with the session, so the next person to
log in on the computer starts with the mode off and sees that it is."""

from __future__ import annotations

from django.http import HttpRequest

SESSION_KEY = "screen_sharing"


def is_on(request: HttpRequest | None) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(SESSION_KEY))


def switch(request: HttpRequest, *, on: bool) -> None:
    request.session[SESSION_KEY] = on
