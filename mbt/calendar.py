"""Calendar entries for MBT meetings (.ics): time, room, video link and a link to the agenda.
Never patient data: a calendar is synchronised to phones and other companies' servers."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from accounts.models import Assignment, User
from core import clock
from mbt.models import Meeting, TeamMember


def _event(meeting: Meeting) -> Event:
    event = Event()
    event.add("uid", f"mbt-meeting-{meeting.pk}@atergang")
    event.add("dtstamp", clock.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", f"MBT – {meeting.team.unit.name}")
    if meeting.room:
        event.add("location", meeting.room)
    link = settings.SITE_URL.rstrip("/") + reverse("mbt:meeting", args=[meeting.pk])
    lines = [f"Dagordning: {link}"]
    if meeting.video_link:
        lines.insert(0, f"Delta digitalt: {meeting.video_link}")
        event.add("url", meeting.video_link)
    event.add("description", "\n".join(lines))
    event.add("sequence", meeting.version)
    if meeting.is_cancelled:
        event.add("status", "CANCELLED")
    return event


def ics_for(meetings) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Återgång//MBT//SV")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "MBT")
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    return calendar.to_ical()


def meetings_for(user: User) -> list[Meeting]:
    """The meetings of the teams the user is an active member of, from a month back."""
    teams = TeamMember.objects.filter(
        user=user,
        ended_on__isnull=True,
        team__unit__in=Assignment.objects.current().filter(user=user).values("unit"),
    ).values("team")
    return list(
        Meeting.objects.filter(
            team__in=teams, starts_at__gte=clock.now() - datetime.timedelta(days=31)
        )
        .select_related("team__unit")
        .order_by("starts_at")[:200]
    )
