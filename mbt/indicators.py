"""Quality indicators for a team over a period: meetings held against the plan (at least every
other week), cases per meeting, lead times, feedback on time, outcome mix, referrals to
specialised rehabilitation and attendance per required role. Aggregates only: no patient data,
a fixed number of queries whatever the period."""

from __future__ import annotations

import datetime
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from config.stats import percentile
from core import clock
from mbt import schedule
from mbt.models import (
    REFERRAL_OUTCOMES,
    REQUIRED_ROLES,
    Attendance,
    CaseReferral,
    FeedbackTask,
    MbtRole,
    Meeting,
    Outcome,
    Team,
)

PLAN_DAYS = 14  # the routine: a meeting at least every other week


@dataclass
class LeadTime:
    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, days: list[float]) -> LeadTime:
        return cls(
            count=len(days),
            median=statistics.median(days) if days else None,
            p90=percentile(days, 0.9),
        )


@dataclass
class Indicators:
    start: datetime.date
    end: datetime.date
    planned: int
    held: int
    cancelled: int
    cases: int
    cases_per_meeting: float | None
    registered_to_discussed: LeadTime
    discussed_to_feedback: LeadTime
    feedback_due: int
    feedback_on_time: int
    outcomes: list[tuple[str, int]]
    referred: int
    attendance: list[tuple[str, int, int]] = field(default_factory=list)  # role, present, held

    @property
    def feedback_on_time_share(self) -> float | None:
        return self.feedback_on_time / self.feedback_due if self.feedback_due else None

    @property
    def referred_share(self) -> float | None:
        return self.referred / self.cases if self.cases else None


def _days_between(
    earlier: datetime.datetime | datetime.date, later: datetime.datetime | datetime.date
) -> float:
    if isinstance(earlier, datetime.datetime):
        earlier = timezone.localtime(earlier).date()
    if isinstance(later, datetime.datetime):
        later = timezone.localtime(later).date()
    return float((later - earlier).days)


def compute(team: Team, start: datetime.date, end: datetime.date) -> Indicators:
    """Indicators for meetings from `start` to `end` (inclusive, local dates)."""
    lower = schedule.at_local(start, datetime.time.min)
    upper = schedule.at_local(end + datetime.timedelta(days=1), datetime.time.min)
    meetings = list(
        Meeting.objects.filter(team=team, starts_at__gte=lower, starts_at__lt=upper).values_list(
            "pk", "status"
        )
    )
    held_ids = [pk for pk, status in meetings if status == Meeting.Status.CLOSED]
    cancelled = sum(1 for _, status in meetings if status == Meeting.Status.CANCELLED)
    # The plan counts from the team's first meeting and up to today: a period reaching before
    # the team began, or into the future, asks for no meetings there.
    first = (
        Meeting.objects.filter(team=team)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    plan_start = max(start, timezone.localtime(first).date()) if first else start
    plan_end = min(end, clock.today())
    days = (plan_end - plan_start).days + 1
    planned = math.ceil(days / PLAN_DAYS) if days > 0 and first else 0

    # Discussed cases: registered → discussed, and their outcomes.
    discussed = list(
        CaseReferral.objects.filter(
            meeting_id__in=held_ids, state=CaseReferral.State.DISCUSSED
        ).values_list("registered_at", "meeting__starts_at", "discussion__outcomes")
    )
    to_discussion = [_days_between(registered, held_at) for registered, held_at, _ in discussed]
    outcome_counts: Counter[str] = Counter()
    referred = 0
    for _, _, outcomes in discussed:
        outcomes = outcomes or []
        outcome_counts.update(outcomes)
        if any(o in REFERRAL_OUTCOMES for o in outcomes):
            referred += 1

    # Feedback: discussed → feedback given, and whether by the due day.
    tasks = list(
        FeedbackTask.objects.filter(case__meeting_id__in=held_ids).values_list(
            "case__meeting__starts_at", "due_on", "given_on", "done_at"
        )
    )
    today = clock.today()
    to_feedback = [
        _days_between(held_at, given) for held_at, _, given, done in tasks if done and given
    ]
    due = [(due_on, given, done) for _, due_on, given, done in tasks if due_on < today or done]
    on_time = sum(1 for due_on, given, done in due if done and given and given <= due_on)

    # Attendance per required role: meetings where someone in the role was present.
    present: dict[str, set[int]] = defaultdict(set)
    for meeting_id, role, profession, mode in Attendance.objects.filter(
        meeting_id__in=held_ids
    ).values_list("meeting_id", "member__role", "member__user__profession", "mode"):
        if mode == Attendance.Mode.ABSENT:
            continue
        present[role].add(meeting_id)
        if profession in ("kurator", "psykolog"):
            present[MbtRole.SAMTALSMOTTAGNING].add(meeting_id)
    labels = dict(Outcome.choices)
    return Indicators(
        start=start,
        end=end,
        planned=planned,
        held=len(held_ids),
        cancelled=cancelled,
        cases=len(discussed),
        cases_per_meeting=(len(discussed) / len(held_ids)) if held_ids else None,
        registered_to_discussed=LeadTime.of(to_discussion),
        discussed_to_feedback=LeadTime.of(to_feedback),
        feedback_due=len(due),
        feedback_on_time=on_time,
        outcomes=[(str(labels[o]), outcome_counts.get(o, 0)) for o in Outcome.values],
        referred=referred,
        attendance=[
            (str(MbtRole(role).label), len(present.get(role, ())), len(held_ids))
            for role in REQUIRED_ROLES
        ],
    )
