"""What the demo promises on any day it is built around (README): the states a new user should
find, checked by the seed test and by the calendar sweep (tests/mbt/test_calendar_sweep.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import CareUnit, User
from journal.accesslog import Actor
from journal.workdays import add_working_days


def assert_every_state(today: datetime.date) -> None:
    _consents(today)
    _mbt(today)
    _coordination()


def _consents(today: datetime.date) -> None:
    from consent.models import Consent

    consents = list(Consent.objects.all())
    statuses = {c.status(today) for c in consents}
    assert {"återkallat", "utgånget", "giltigt"} <= statuses, today
    # Consents that end within 30 days.
    assert any(
        c.status(today) == "giltigt" and c.valid_until and (c.valid_until - today).days <= 30
        for c in consents
    ), today


def _mbt(today: datetime.date) -> None:
    from mbt import indicators
    from mbt import selectors as mbt_selectors
    from mbt.models import Addendum, CaseReferral, FeedbackTask, Meeting, Postponement, Team
    from mbt.services import deadline_of

    asen = CareUnit.objects.get(name="Vårdcentralen Åsen")
    kerstin = Actor(user=User.objects.get(username="kerstin"), unit=asen)

    # The coming meeting: registration closed, a late registration waiting for the chair, cases
    # on the agenda, waiting for consent, off it after a revoked consent, and prepared.
    nearest = (
        Meeting.objects.filter(team__unit=asen, status="planerat", starts_at__date__gt=today)
        .order_by("starts_at")
        .first()
    )
    agenda = mbt_selectors.agenda(actor=kerstin, meeting=nearest, log=False)
    assert agenda.late, today
    assert agenda.on_agenda and agenda.waiting and agenda.left, today
    assert CaseReferral.objects.filter(meeting=nearest, preparations__isnull=False).exists()

    # A registration deadline on the next working day: the day a deadline reminder is for.
    next_working_day = add_working_days(today, 1)
    assert any(
        timezone.localdate(deadline_of(m)) == next_working_day
        for m in Meeting.objects.filter(status="planerat", starts_at__date__gt=today)
    ), today

    # Held meetings with minutes: feedback on time, late and still open (overdue); an addendum;
    # a postponement.
    assert Meeting.objects.filter(status="avslutat").count() >= 2
    tasks = list(FeedbackTask.objects.select_related("case__meeting"))
    assert any(t.done_at and t.given_on <= t.due_on for t in tasks), today
    assert any(t.done_at and t.given_on > t.due_on for t in tasks), today
    assert any(t.done_at is None and t.due_on < today for t in tasks), today
    assert all(t.given_on <= today for t in tasks if t.done_at), today
    assert Addendum.objects.exists() and Postponement.objects.exists()
    # A case the team did not reach moved on when its meeting closed: on the coming meeting's
    # agenda, its registrant not yet having seen the notice.
    moved = Postponement.objects.filter(cause="ej_hunnet", seen_at__isnull=True).get()
    assert moved.case.meeting == nearest and moved.case.registrant.username == "erik"
    assert any(item.case == moved.case for item in agenda.on_agenda), today

    # Every quality indicator shows something for Åsen's team over the last year.
    figures = indicators.compute(
        Team.objects.get(unit=asen), today - datetime.timedelta(days=364), today
    )
    assert figures.held >= 2 and figures.cancelled >= 1 and figures.planned > figures.held
    assert figures.registered_to_discussed.count and figures.discussed_to_feedback.count
    assert 0 < figures.feedback_on_time < figures.feedback_due, today
    assert 0 < figures.referred < figures.cases
    assert sum(1 for _, count in figures.outcomes if count) >= 3
    attended = [present for _, present, _ in figures.attendance]
    assert min(attended) < figures.held and max(attended) == figures.held


def _coordination() -> None:
    """Every status, each milestone near (day 90, 180, 365), every activity type, plans with
    versions, information to FK, an episode whose consent was revoked, and an ended one."""
    from coordination import selectors as coordination_selectors
    from coordination.models import Activity, Episode, FkInformation, PlanVersion

    asen = CareUnit.objects.get(name="Vårdcentralen Åsen")
    kerstin = Actor(user=User.objects.get(username="kerstin"), unit=asen)
    listing = coordination_selectors.follow_up_list(
        actor=kerstin, follow_filter=coordination_selectors.FollowUpFilter(), page_size=None
    )
    assert {row.status for row in listing.rows} >= {
        "ej_kontaktad",
        "kontaktad",
        "aktiv",
        "uppfoljning",
    }
    assert Episode.objects.filter(ended_on__isnull=False).exists()
    upcoming = {row.next_milestone[0] for row in listing.rows if row.next_milestone}
    assert upcoming == {90, 180, 365}, upcoming
    assert 0 < listing.new_count < listing.total
    assert any(row.consent_missing for row in listing.rows)
    assert {a.kind for a in Activity.objects.all()} == {
        "personligt_stod",
        "intern_samordning",
        "samverkan",
    }
    assert PlanVersion.objects.filter(number=2).exists() and FkInformation.objects.exists()
