"""When a meeting's registration closes, and which meeting is open next. Apart from the other
services so that every MBT module can ask without importing the writes."""

from __future__ import annotations

import datetime

from core import clock
from mbt import schedule
from mbt.models import Meeting, Team


def deadline_of(meeting: Meeting, team: Team | None = None) -> datetime.datetime:
    team = team or meeting.team
    return schedule.registration_deadline(
        meeting.starts_at, working_days=team.deadline_working_days, time=team.deadline_time
    )


def next_open_meeting(team: Team, *, after: datetime.datetime | None = None) -> Meeting | None:
    """The next planned meeting whose registration deadline has not passed."""
    now = clock.now()
    candidates = Meeting.objects.filter(
        team=team, status=Meeting.Status.PLANNED, starts_at__gt=after or now
    ).order_by("starts_at")[:20]
    for meeting in candidates:
        if deadline_of(meeting, team) > now:
            return meeting
    return None
