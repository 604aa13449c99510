"""Writes about staff, units and organisations. Set-up data: the Django admin edits the same
models for administrators; the demo data and later features go through these functions."""

from __future__ import annotations

import datetime

from django.db import transaction

from accounts.models import Assignment, CareUnit, Organisation, Role, User, Vardgivare


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
