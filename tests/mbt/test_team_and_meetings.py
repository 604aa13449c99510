from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mbt import selectors, services
from mbt.models import MbtRole, Meeting
from tests.factories import staff_at

pytestmark = pytest.mark.django_db


def test_missing_required_roles_are_named(unit, actor):
    services.member_add_internal(actor=actor, user=actor.user, role=MbtRole.REHABKOORDINATOR)
    overview = selectors.team_overview(actor=actor)
    assert overview["missing"] == [
        "Läkare",
        "Fysioterapeut",
        "Samtalsmottagningen (kurator/psykolog)",
        "Vårdadministratör",
    ]


def test_full_team_lacks_nothing(team, actor):
    assert selectors.team_overview(actor=actor)["missing"] == []


def test_internal_member_must_work_at_the_unit(actor, other_unit):
    with pytest.raises(ValidationError, match="uppdrag vid enheten"):
        services.member_add_internal(actor=actor, user=staff_at(other_unit), role=MbtRole.LAKARE)


def test_external_member_needs_a_name(actor, fk):
    with pytest.raises(ValidationError, match="namn"):
        services.member_add_external(
            actor=actor, organisation=fk, name=" ", email="", role=MbtRole.FK
        )
    member = services.member_add_external(
        actor=actor, organisation=fk, name="Helena Sund", email="h@fk.invalid", role=MbtRole.FK
    )
    assert member.is_external and member.display_name == "Helena Sund"


def test_series_creates_meetings_in_local_time_with_the_coordinator_as_chair(team, actor):
    first = timezone.localdate() + datetime.timedelta(days=7)
    series = services.series_create(
        actor=actor,
        first_date=first,
        until=first + datetime.timedelta(weeks=20),
        start_time=datetime.time(13, 0),
        length_minutes=60,
        interval_weeks=2,
    )
    meetings = list(series.meetings.order_by("starts_at"))
    assert len(meetings) == 11
    assert all(timezone.localtime(m.starts_at).time() == datetime.time(13, 0) for m in meetings)
    assert all(m.chair == actor.user for m in meetings)
    gaps = {
        (b.starts_at.date() - a.starts_at.date()).days
        for a, b in zip(meetings, meetings[1:], strict=False)
    }
    assert gaps == {14}


def test_series_refuses_the_past_and_too_long(team, actor):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.series_create(
            actor=actor,
            first_date=today - datetime.timedelta(days=1),
            until=today + datetime.timedelta(days=500),
            start_time=datetime.time(13, 0),
            length_minutes=60,
            interval_weeks=2,
        )
    assert "bakåt i tiden" in str(error.value)


def test_move_and_cancel_need_reasons_and_detect_stale_versions(meeting, actor):
    later = meeting.starts_at + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="varför"):
        services.meeting_move(actor=actor, meeting=meeting, starts_at=later, reason="", version=1)
    moved = services.meeting_move(
        actor=actor, meeting=meeting, starts_at=later, reason="Krock", version=1
    )
    assert moved.moved_from == meeting.starts_at and moved.version == 2
    with pytest.raises(ValidationError, match="ändrats av någon annan"):
        services.meeting_cancel(actor=actor, meeting=meeting, reason="Sjukdom", version=1)
    cancelled = services.meeting_cancel(actor=actor, meeting=meeting, reason="Sjukdom", version=2)
    assert cancelled.status == Meeting.Status.CANCELLED


def test_acting_chair_must_be_a_member(meeting, actor, unit, team):
    outsider = staff_at(unit)
    with pytest.raises(ValidationError):
        services.meeting_set_chair(
            actor=actor, meeting=meeting, chair=actor.user, acting_chair=outsider, version=1
        )
    doctor = team.members.get(role=MbtRole.LAKARE).user
    updated = services.meeting_set_chair(
        actor=actor, meeting=meeting, chair=actor.user, acting_chair=doctor, version=1
    )
    assert updated.presiding == doctor
