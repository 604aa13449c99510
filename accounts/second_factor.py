"""Tvåfaktorsinloggning for local accounts. A correct password does not log anyone in: it leaves a
*pending login* on the session (the user's id, when, and how many codes have been tried). Only a
correct code from the user's authenticator app (TOTP, django-otp) or one of their one-time
recovery codes completes the login. The pending login lapses after
SECOND_FACTOR_PENDING_MINUTES or SECOND_FACTOR_MAX_ATTEMPTS wrong codes; then the password must
be given again."""

from __future__ import annotations

import logging
import re
import time
from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import (
    Authenticator,
    AuthEvent,
    EnrolmentCode,
    RecoveryCode,
    RecoveryCodes,
    User,
)
from core import clock

PENDING_USER = "pending_login_user"
PENDING_AT = "pending_login_at"
PENDING_ATTEMPTS = "pending_login_attempts"
PENDING_NEXT = "pending_login_next"
NEW_RECOVERY_CODES = "new_recovery_codes"
# The id of the aktiveringskod given in this pending login, once it was right.
ENROLMENT_CODE_OK = "pending_enrolment_code"

_TOTP = re.compile(r"^\d{6}$")
log = logging.getLogger(__name__)


def begin(request: HttpRequest, user: User, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING_USER] = user.pk
    request.session[PENDING_AT] = time.time()
    request.session[PENDING_ATTEMPTS] = 0
    request.session[PENDING_NEXT] = next_url


def clear(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_ATTEMPTS, PENDING_NEXT, ENROLMENT_CODE_OK):
        request.session.pop(key, None)


def pending_user(request: HttpRequest) -> User | None:
    """The user whose password was right and who has a code left to give, or None (never
    pending, lapsed, or deactivated meanwhile)."""
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if user_id is None:
        return None
    if time.time() - started > settings.SECOND_FACTOR_PENDING_MINUTES * 60:
        clear(request)
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        clear(request)
    return user


def pending_next(request: HttpRequest) -> str:
    return request.session.get(PENDING_NEXT, "")


def accepted_enrolment_code(request: HttpRequest, user: User) -> EnrolmentCode | None:
    """The aktiveringskod given (and right) in this pending login, if it is still unused and
    valid; None before it is given."""
    code_id = request.session.get(ENROLMENT_CODE_OK)
    if not code_id:
        return None
    return EnrolmentCode.objects.filter(
        pk=code_id, user=user, used_at__isnull=True, expires_at__gt=clock.now()
    ).first()


def count_failure(request: HttpRequest) -> bool:
    """Counts a wrong code; True when that was the last try allowed (the pending login is then
    cleared)."""
    attempts = request.session.get(PENDING_ATTEMPTS, 0) + 1
    request.session[PENDING_ATTEMPTS] = attempts
    if attempts >= settings.SECOND_FACTOR_MAX_ATTEMPTS:
        clear(request)
        return True
    return False


def confirmed_totp(user: User) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user).count()


def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


@dataclass(frozen=True)
class Verification:
    method: str | None  # AuthEvent.Method.TOTP or RECOVERY_CODE when the code was right
    message: str = ""  # why not, in Swedish


def verify(user: User, code: str, *, allow_recovery: bool = True) -> Verification:
    """Checks a code against the user's authenticator or, failing that, their recovery codes.
    Each TOTP code works once; a recovery code is used up. The device rows are locked, so two
    requests at once cannot both use one code."""
    code = normalise(code)
    if not code:
        return Verification(None, _("Skriv koden från din autentiseringsapp."))
    if _TOTP.match(code):
        with transaction.atomic():
            totp = (
                Authenticator.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            if totp is not None:
                allowed, details = totp.verify_is_allowed()
                if not allowed:
                    seconds = max(
                        1, int((details["locked_until"] - clock.now()).total_seconds()) + 1
                    )
                    return Verification(
                        None,
                        _(
                            "För många felaktiga koder i rad. Vänta %(seconds)s sekunder och "
                            "försök igen."
                        )
                        % {"seconds": seconds},
                    )
                try:
                    right = totp.verify_token(code)
                except ValueError:
                    # The seed's key is not in TOTP_ENCRYPTION_KEYS: an operator's mistake,
                    # never a reason to accept or to crash.
                    log.error("The TOTP seed of user %s cannot be decrypted.", user.pk)
                    return Verification(
                        None,
                        _("Koden kan inte kontrolleras just nu. Kontakta administratören."),
                    )
                if right:
                    return Verification(AuthEvent.Method.TOTP)
                return Verification(
                    None,
                    _(
                        "Koden stämmer inte. Använd den kod som visas just nu i appen; en kod "
                        "som redan använts fungerar inte igen."
                    ),
                )
    if not allow_recovery:
        return Verification(None, _("Skriv den kod med sex siffror som appen visar just nu."))
    with transaction.atomic():
        for device in RecoveryCodes.objects.select_for_update().filter(user=user):
            if device.verify_token(code):
                return Verification(AuthEvent.Method.RECOVERY_CODE)
    return Verification(
        None,
        _("Koden stämmer inte. En engångskod har sex siffror; en reservkod åtta tecken."),
    )


def key_for_manual_entry(device: Authenticator) -> str:
    """The secret in base32, in groups of four, for typing into an app instead of scanning."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: Authenticator) -> str:
    """The otpauth:// address as an SVG QR code in a data: URI (the CSP allows data: images,
    never inline markup with styles)."""
    import segno

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
