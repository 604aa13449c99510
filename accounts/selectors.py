"""Reads about staff and units."""

from __future__ import annotations

import datetime

from accounts.models import Assignment, CareUnit, User


def current_roles_by_unit(
    *, user: User, on: datetime.date | None = None
) -> dict[CareUnit, set[str]]:
    """The units where the user holds a current assignment, with the roles held there."""
    roles: dict[CareUnit, set[str]] = {}
    for assignment in Assignment.objects.current(on).filter(user=user).select_related("unit"):
        roles.setdefault(assignment.unit, set()).add(assignment.role)
    return roles


def has_current_assignment(*, user: User, on: datetime.date | None = None) -> bool:
    return Assignment.objects.current(on).filter(user=user).exists()


def assignments_for_user(*, user: User):
    """All of a user's assignments, current and ended, for their own overview."""
    return Assignment.objects.filter(user=user).select_related("unit__vardgivare")
