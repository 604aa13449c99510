"""Writes about staff, units and organisations. Set-up data: the Django admin edits the same
models for administrators; the demo data and later features go through these functions."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    Assignment,
    AuthEvent,
    CareUnit,
    Organisation,
    Role,
    User,
    Vardgivare,
)
from config.middleware import client_ip


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
    with transaction.atomic(durable=durable):
        return AuthEvent.objects.create(
            kind=kind,
            method=method,
            user=user,
            actor=actor,
            username=(username or "")[:150],
            hsa_id=(hsa_id or "")[:64],
            reason=reason[:300],
            acr=(acr or "")[:200],
            ip=client_ip(request) if request is not None else None,
            user_agent=request.headers.get("User-Agent", "")[:300] if request is not None else "",
            request_id=getattr(request, "request_id", "") if request is not None else "",
        )


@transaction.atomic
def totp_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up: the same one (and the same QR code) until it
    is confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=False)


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice) -> list[str]:
    """Makes the authenticator the user's second factor and gives new recovery codes (returned
    once, to be shown once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user: User) -> list[str]:
    """Replaces the user's recovery codes (reservkoder) with RECOVERY_CODE_COUNT new ones, each
    usable once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Reservkoder", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def second_factor_reset(*, request: HttpRequest | None, user: User, actor: User) -> None:
    """An administrator removes a user's authenticator and recovery codes (a lost phone); the
    user sets up a new one at the next login. Logged with who did it."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        auth_event_record(
            request=request,
            kind=AuthEvent.Kind.SECOND_FACTOR_RESET,
            user=user,
            actor=actor,
            method=AuthEvent.Method.ADMIN,
            reason=f"Återställd av {actor.display_name}",
            durable=False,
        )
