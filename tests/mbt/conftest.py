from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Organisation, Profession, Role
from journal.workdays import is_working_day
from mbt import services
from mbt.models import MbtRole, Meeting
from mbt.schedule import at_local
from tests.factories import OrganisationFactory, actor_for, staff_at


@pytest.fixture
def coordinator(unit):
    return staff_at(
        unit, first_name="Kerstin", last_name="Koordinator", profession=Profession.REHABKOORDINATOR
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def actor(coordinator, unit):
    return actor_for(coordinator, unit)


@pytest.fixture
def team(unit, actor):
    """A team with the five required roles."""
    services.member_add_internal(actor=actor, user=actor.user, role=MbtRole.REHABKOORDINATOR)
    for role, profession in (
        (MbtRole.LAKARE, Profession.LAKARE),
        (MbtRole.FYSIOTERAPEUT, Profession.FYSIOTERAPEUT),
        (MbtRole.SAMTALSMOTTAGNING, Profession.KURATOR),
        (MbtRole.VARDADMINISTRATOR, Profession.VARDADMINISTRATOR),
    ):
        user = staff_at(
            unit,
            profession=profession,
            role=Role.ADMINISTRATION if role == MbtRole.VARDADMINISTRATOR else Role.CARE,
        )
        services.member_add_internal(actor=actor, user=user, role=role)
    return services.team_for(unit)


def working_day_ahead(days: int) -> datetime.date:
    """The first working day (holidays counted) at least `days` days from today."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def meeting(team, actor):
    """A meeting three weeks ahead: registration open."""
    start = at_local(working_day_ahead(21), datetime.time(13, 0))
    return Meeting.objects.create(team=team, starts_at=start, length_minutes=60, chair=actor.user)


@pytest.fixture
def next_meeting(team, actor, meeting):
    start = meeting.starts_at + datetime.timedelta(days=14)
    return Meeting.objects.create(team=team, starts_at=start, length_minutes=60, chair=actor.user)


@pytest.fixture
def closed_meeting(team, actor):
    """A meeting two days ahead: its deadline (three working days before) has passed."""
    start = at_local(working_day_ahead(2), datetime.time(13, 0))
    return Meeting.objects.create(team=team, starts_at=start, length_minutes=60, chair=actor.user)


@pytest.fixture
def fk():
    return OrganisationFactory(name="Försäkringskassan", kind=Organisation.Kind.FORSAKRINGSKASSAN)
