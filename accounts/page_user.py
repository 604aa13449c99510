"""Whose page is it? Every page a logged-in user opens carries a signed id of that user (in each
POST form, `includes/form_guard.html`, and in the `X-Page-User` header htmx sends). A page left
open after its user was logged out must not write as whoever logs in next in the same browser:
accounts.middleware.PageUserMiddleware refuses such a request before the view reads anything.
Signed, so a page cannot claim to be someone else's; the same user logging in again may still
save what their page holds."""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest

FIELD = "_page_user"
HEADER = "X-Page-User"
_SALT = "accounts.page-user"


def token_for(user) -> str:
    return signing.Signer(salt=_SALT).sign(str(user.pk))


def user_id_of(token: str) -> int | None:
    try:
        return int(signing.Signer(salt=_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def sent_by_page(request: HttpRequest) -> str | None:
    """The token the request's page sent, if any (header for htmx, field for a plain form)."""
    return request.headers.get(HEADER) or request.POST.get(FIELD)
