"""Statistics of koordineringsinsatser at a unit over a period, for follow-up and the region's
reporting: GC001 activities per month, type and person; patients with coordination; information
to Försäkringskassan; plans drawn up (DV077) and followed up (AW026); and the days from the start
of the sjukfall to the first coordination contact. Aggregates only (no patient data), in a fixed
number of queries whatever the period."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q

from accounts.models import CareUnit
from config.stats import median, percentile
from coordination.models import (
    Activity,
    ActivityKind,
    Episode,
    FkInformation,
    PlanVersion,
    SickLeavePeriod,
)
from coordination.sjukfall import sjukfall_of

MONTHS = (
    "jan",
    "feb",
    "mar",
    "apr",
    "maj",
    "jun",
    "jul",
    "aug",
    "sep",
    "okt",
    "nov",
    "dec",
)


@dataclass
class Month:
    year: int
    month: int
    by_kind: dict[str, int] = field(default_factory=dict)
    minutes: int = 0
    patients: int = 0

    @property
    def label(self) -> str:
        return f"{MONTHS[self.month - 1]} {self.year}"

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def counts(self) -> list[int]:
        """Per activity type, in ActivityKind's order."""
        return [self.by_kind.get(kind, 0) for kind in ActivityKind.values]


@dataclass
class PersonRow:
    name: str
    activities: int
    minutes: int
    with_contact: int


@dataclass
class Statistics:
    start: datetime.date
    end: datetime.date
    months: list[Month]
    by_kind: list[tuple[str, int]]
    people: list[PersonRow]
    activities: int
    with_contact: int
    minutes: int
    patients: int
    episodes_started: int
    episodes_ended: int
    episodes_open_at_end: int
    fk_informations: int
    dv077: int
    aw026: int
    first_contact_days: list[int]

    @property
    def first_contact_median(self) -> float | None:
        return median(self.first_contact_days)

    @property
    def first_contact_p90(self) -> float | None:
        return percentile(self.first_contact_days, 0.9)


def _months(start: datetime.date, end: datetime.date) -> list[Month]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(Month(year, month, dict.fromkeys(ActivityKind.values, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def compute(unit: CareUnit, start: datetime.date, end: datetime.date) -> Statistics:
    activities = list(
        Activity.objects.filter(
            unit=unit, performed_on__gte=start, performed_on__lte=end
        ).values_list(
            "performed_on",
            "kind",
            "performed_by_id",
            "minutes",
            "patient_contact",
            "episode__patient_id",
        )
    )
    months = _months(start, end)
    month_of = {(m.year, m.month): m for m in months}
    month_patients: dict[tuple[int, int], set[int]] = defaultdict(set)
    kinds: Counter[str] = Counter()
    people: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, kind, user_id, minutes, contact, patient_id in activities:
        month = month_of[(day.year, day.month)]
        month.by_kind[kind] += 1
        month.minutes += minutes
        month_patients[(day.year, day.month)].add(patient_id)
        kinds[kind] += 1
        row = people[user_id]
        row[0] += 1
        row[1] += minutes
        row[2] += int(contact)
    for key, patients in month_patients.items():
        month_of[key].patients = len(patients)
    names = {u.pk: u.display_name for u in get_user_model().objects.filter(pk__in=list(people))}
    person_rows = sorted(
        (PersonRow(names.get(pk, "–"), *values) for pk, values in people.items()),
        key=lambda r: (-r.activities, r.name),
    )
    episodes = Episode.objects.filter(unit=unit).aggregate(
        started=Count("pk", filter=Q(started_on__gte=start, started_on__lte=end)),
        ended=Count("pk", filter=Q(ended_on__gte=start, ended_on__lte=end)),
        open_at_end=Count(
            "pk", filter=Q(started_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gt=end))
        ),
    )
    plans = PlanVersion.objects.filter(
        unit=unit, created_at__date__gte=start, created_at__date__lte=end
    ).aggregate(
        dv077=Count("pk", filter=Q(number=1)),
        aw026=Count("pk", filter=Q(number__gt=1)),
    )
    fk = FkInformation.objects.filter(
        unit=unit, informed_on__gte=start, informed_on__lte=end
    ).count()
    return Statistics(
        start=start,
        end=end,
        months=months,
        by_kind=[(str(ActivityKind(k).label), kinds.get(k, 0)) for k in ActivityKind.values],
        people=person_rows,
        activities=len(activities),
        with_contact=sum(1 for a in activities if a[4]),
        minutes=sum(a[3] for a in activities),
        patients=len({a[5] for a in activities}),
        episodes_started=episodes["started"],
        episodes_ended=episodes["ended"],
        episodes_open_at_end=episodes["open_at_end"],
        fk_informations=fk,
        dv077=plans["dv077"],
        aw026=plans["aw026"],
        first_contact_days=_first_contact_days(unit, start, end),
    )


def _first_contact_days(unit: CareUnit, start: datetime.date, end: datetime.date) -> list[int]:
    """For each episode whose first activity with patient contact falls in the period: days from
    the start of the sjukfall going on that day (day 1 = 0 days) to that contact."""
    first = list(
        Episode.objects.filter(unit=unit)
        .annotate(first=Min("activities__performed_on", filter=Q(activities__patient_contact=True)))
        .filter(first__gte=start, first__lte=end)
        .values_list("patient_id", "first")
    )
    periods: dict[int, list] = defaultdict(list)
    for period in SickLeavePeriod.objects.filter(
        unit=unit, voided_at__isnull=True, patient_id__in={p for p, _ in first}
    ).only("patient_id", "start_date", "end_date", "extent"):
        periods[period.patient_id].append(period)
    days = []
    for patient_id, contact in first:
        for sjukfall in sjukfall_of(periods.get(patient_id, [])):
            if sjukfall.start <= contact <= sjukfall.end:
                days.append((contact - sjukfall.start).days)
                break
    return days
