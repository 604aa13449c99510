"""Writes about staff, units and organisations. Set-up data: the Django admin edits the same
models for administrators; the demo data and later features go through these functions."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import totp_secrets
from accounts.models import (
    Assignment,
    Authenticator,
    AuthEvent,
    CareUnit,
    EnrolmentCode,
    Organisation,
    RecoveryCode,
    RecoveryCodes,
    Role,
    User,
    Vardgivare,
)
from config.middleware import client_ip
from core import clock


@transaction.atomic
def vardgivare_create(
    *, name: str, kind: str, hsa_id: str, organisation_number: str = ""
) -> Vardgivare:
    vardgivare = Vardgivare(
        name=name, kind=kind, hsa_id=hsa_id, organisation_number=organisation_number
    )
    vardgivare.full_clean()
    vardgivare.save()
    return vardgivare


@transaction.atomic
def care_unit_create(*, vardgivare: Vardgivare, name: str, hsa_id: str) -> CareUnit:
    unit = CareUnit(vardgivare=vardgivare, name=name, hsa_id=hsa_id)
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def user_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    profession: str,
    password: str | None,
    email: str = "",
    title: str = "",
    hsa_id: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Creates a staff account; without a password the account can log in only through single
    sign-on."""
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        profession=profession,
        email=email,
        title=title,
        hsa_id=hsa_id,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def assignment_create(
    *,
    user: User,
    unit: CareUnit,
    role: str = Role.CARE,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
) -> Assignment:
    assignment = Assignment(
        user=user, unit=unit, role=role, valid_from=valid_from, valid_to=valid_to
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(*, assignment: Assignment, last_day: datetime.date) -> Assignment:
    """Ends a medarbetaruppdrag after last_day; from the next day it gives no access."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.valid_to = last_day
    assignment.full_clean()
    assignment.save(update_fields=["valid_to"])
    return assignment


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    vardgivare: Vardgivare | None = None,
    organisation_number: str = "",
    email: str = "",
    phone: str = "",
) -> Organisation:
    organisation = Organisation(
        name=name,
        kind=kind,
        vardgivare=vardgivare,
        organisation_number=organisation_number,
        email=email,
        phone=phone,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


# --- Authentication events and the second factor ---------------------------------------------


def auth_event_record(
    *,
    request: HttpRequest | None,
    kind: str,
    user: User | None = None,
    method: str = "",
    actor: User | None = None,
    username: str = "",
    hsa_id: str = "",
    reason: str = "",
    acr: str = "",
    durable: bool = True,
) -> AuthEvent:
    """Writes one row of the authentication event log. Durable by default: a refused login must
    stay recorded whatever happens to the request afterwards. Never given a password or a
    code."""
    agent = request.headers.get("User-Agent", "") if request is not None else ""
    with transaction.atomic(durable=durable):
        return AuthEvent.objects.create(
            kind=kind,
            method=method,
            user=user,
            actor=actor,
            username=_printable(username, 150),
            hsa_id=_printable(hsa_id, 64),
            reason=_printable(reason, 300),
            acr=_printable(acr, 200),
            ip=client_ip(request) if request is not None else None,
            user_agent=_printable(agent, 300),
            request_id=getattr(request, "request_id", "") if request is not None else "",
        )


def _printable(text: str | None, limit: int) -> str:
    """What a visitor typed or sent, without control characters (PostgreSQL refuses NUL)."""
    return "".join(c for c in (text or "") if c.isprintable())[:limit]


@transaction.atomic
def totp_enrolment_discard(*, user: User) -> None:
    """Forgets an authenticator set-up that was never confirmed: each new login attempt shows a
    new key, so a QR code someone once saw is worth nothing."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()


@transaction.atomic
def totp_enrolment_device(*, user: User) -> Authenticator:
    """The unconfirmed authenticator being set up: the same one (and the same QR code) until it
    is confirmed with a code. Its seed is stored encrypted from the start."""
    device = Authenticator.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = Authenticator.with_new_secret(user=user, name="Autentiseringsapp", confirmed=False)
        device.save()
    return device


@transaction.atomic
def authenticator_add(*, user: User, name: str, secret: bytes | None = None) -> Authenticator:
    """A confirmed authenticator with the given (or a random) seed: for the demo's shared key
    and for tests; people set theirs up through the enrolment."""
    device = Authenticator.with_new_secret(user=user, name=name, confirmed=True, secret=secret)
    device.save()
    return device


def totp_secrets_reencrypt() -> int:
    """Re-encrypts every TOTP seed not yet encrypted with the first of TOTP_ENCRYPTION_KEYS
    (after a new key was put first); returns how many. Each device in its own short transaction,
    locked, so logins go on meanwhile."""
    changed = 0
    for pk in Authenticator.objects.values_list("pk", flat=True).order_by("pk").iterator():
        with transaction.atomic():
            device = Authenticator.objects.select_for_update().filter(pk=pk).first()
            if device is None or totp_secrets.encrypted_with_current_key(device.key):
                continue
            device.key = totp_secrets.encrypt(device.bin_key, user_id=device.user_id)
            device.save(update_fields=["key"])
            changed += 1
    return changed


@transaction.atomic
def totp_enrolment_confirm(
    *, user: User, device: Authenticator, enrolment_code: EnrolmentCode
) -> list[str]:
    """Makes the authenticator the user's second factor, uses up the aktiveringskod and gives
    new recovery codes (returned once, to be shown once)."""
    updated = EnrolmentCode.objects.filter(pk=enrolment_code.pk, used_at__isnull=True).update(
        used_at=clock.now()
    )
    if updated != 1:
        raise ValueError("The aktiveringskod was used meanwhile.")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """Replaces the user's recovery codes (reservkoder) with RECOVERY_CODE_COUNT new ones, each
    usable once. Returned in plain text once, to be shown once; stored hashed."""
    StaticDevice.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(user=user, name="Reservkoder", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create([RecoveryCode.hashed(device=device, code=c) for c in codes])
    return codes


ENROLMENT_CODE_ALPHABET = "0123456789"


@dataclass(frozen=True)
class IssuedCode:
    user: User
    code: str
    expires_at: datetime.datetime


def enrolment_code_create(*, request: HttpRequest | None, user: User, actor: User) -> IssuedCode:
    """A new aktiveringskod for the user (earlier unused ones stop working), valid
    ENROLMENT_CODE_HOURS. Returned in plain text once, to be handed over; stored hashed."""
    code = "-".join(
        "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(4)) for _ in range(3)
    )
    expires_at = clock.now() + datetime.timedelta(hours=settings.ENROLMENT_CODE_HOURS)
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=user, used_at__isnull=True).delete()
        EnrolmentCode.objects.create(
            user=user,
            code_hash=make_password(normalise_enrolment_code(code)),
            created_by=actor,
            expires_at=expires_at,
        )
        auth_event_record(
            request=request,
            kind=AuthEvent.Kind.ENROLMENT_CODE_CREATED,
            user=user,
            actor=actor,
            method=AuthEvent.Method.ADMIN,
            reason=f"Skapad av {actor.display_name}",
            durable=False,
        )
    return IssuedCode(user=user, code=code, expires_at=expires_at)


def normalise_enrolment_code(code: str) -> str:
    return "".join(c for c in (code or "") if c.isdigit())


def enrolment_code_valid(*, user: User, code: str) -> EnrolmentCode | None:
    """The user's unused, unexpired aktiveringskod that matches, or None."""
    typed = normalise_enrolment_code(code)
    if not typed:
        return None
    for candidate in EnrolmentCode.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=clock.now()
    ):
        if check_password(typed, candidate.code_hash):
            return candidate
    return None


def enrolment_code_exists(*, user: User) -> bool:
    return EnrolmentCode.objects.filter(
        user=user, used_at__isnull=True, expires_at__gt=clock.now()
    ).exists()


@transaction.atomic
def sessions_end(*, user: User, actor: User) -> None:
    """Ends every session of the user, in every browser, at their next request (the session
    hash changes; see User.get_session_auth_hash)."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.session_generation += 1
    locked.full_clean()
    locked._history_user = actor
    locked.save(update_fields=["session_generation"])
    user.session_generation = locked.session_generation


def second_factor_reset(*, request: HttpRequest | None, user: User, actor: User) -> IssuedCode:
    """An administrator removes a user's authenticator and recovery codes (a lost phone) and
    gives a new aktiveringskod, with which the user sets up a new app at the next login. The
    user is logged out everywhere: whoever has the phone may also have a session. Logged with
    who did it."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        sessions_end(user=user, actor=actor)
        auth_event_record(
            request=request,
            kind=AuthEvent.Kind.SECOND_FACTOR_RESET,
            user=user,
            actor=actor,
            method=AuthEvent.Method.ADMIN,
            reason=f"Återställd av {actor.display_name}",
            durable=False,
        )
        return enrolment_code_create(request=request, user=user, actor=actor)
