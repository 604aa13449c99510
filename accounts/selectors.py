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


def auth_events_of_user(*, user: User):
    """The user's own authentication events, newest first (Min inloggning)."""
    from accounts.models import AuthEvent

    return AuthEvent.objects.filter(user=user).select_related("actor").order_by("-at", "-pk")


def manager_units(*, user: User) -> list[CareUnit]:
    """The units where the user is verksamhetschef/enhetschef today."""
    from accounts.models import Role

    return list(
        CareUnit.objects.filter(
            pk__in=Assignment.objects.current().filter(user=user, role=Role.MANAGER).values("unit")
        ).order_by("name")
    )


PROBLEM_KINDS = ("failed", "refused", "otp_failed", "otp_reset")


def auth_events_for_managers(
    *,
    units: list[CareUnit],
    date_from: datetime.date,
    date_to: datetime.date,
    kind: str = "",
    who: str = "",
    problems_only: bool = False,
):
    """Authentication events a manager reviews, newest first: those of the people with an
    assignment at the manager's units, each only from the day an assignment there began to the day
    it ended (Swedish days, both included). What someone did before or after working at the unit
    is not the unit's to review, and events that matched no account (a mistyped username, an
    unknown HSA-id) belong to no unit: system administrators see those in the admin. No patient
    data."""
    from django.db.models import Exists, OuterRef, Q
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from accounts.models import AuthEvent

    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
    )
    at_the_unit = Assignment.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=OuterRef("day")),
        user=OuterRef("user"),
        unit__in=units,
        valid_from__lte=OuterRef("day"),
    )
    rows = (
        AuthEvent.objects.filter(at__gte=start, at__lt=end, user__isnull=False)
        # The day in Swedish time (the current time zone), as assignments count days.
        .annotate(day=TruncDate("at"))
        .filter(Exists(at_the_unit))
    )
    if kind:
        rows = rows.filter(kind=kind)
    if problems_only:
        rows = rows.filter(kind__in=PROBLEM_KINDS)
    if who:
        rows = rows.filter(
            Q(user__username__icontains=who)
            | Q(user__first_name__icontains=who)
            | Q(user__last_name__icontains=who)
            | Q(user__hsa_id__icontains=who)
            | Q(username__icontains=who)
            | Q(hsa_id__icontains=who)
        )
    return rows.select_related("user", "actor").order_by("-at", "-pk")
