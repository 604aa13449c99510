"""Statistics of koordineringsinsatser at a unit over a period, for follow-up and the region's
reporting: GC001 activities per month, type and person; patients with coordination; information
to Försäkringskassan; plans drawn up (DV077) and followed up (AW026); and the days from the start
of the sjukfall to the first coordination contact. Aggregates only (no patient data), in a fixed
number of queries whatever the period."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncMonth

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

# What coordination.sjukfall needs of a period, read without building model instances.
_Dates = namedtuple("_Dates", ["start_date", "end_date"])

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
    in_period = Activity.objects.filter(unit=unit, performed_on__gte=start, performed_on__lte=end)
    months = _months(start, end)
    month_of = {(m.year, m.month): m for m in months}
    kinds: Counter[str] = Counter()
    # Counted by PostgreSQL: a year of a big unit's activities never travels to Python.
    for month, kind, count, minutes in (
        in_period.annotate(month=TruncMonth("performed_on"))
        .values("month", "kind")
        .annotate(count=Count("pk"), minutes=Sum("minutes"))
        .values_list("month", "kind", "count", "minutes")
    ):
        row = month_of[(month.year, month.month)]
        row.by_kind[kind] += count
        row.minutes += minutes
        kinds[kind] += count
    for month, patients in (
        in_period.annotate(month=TruncMonth("performed_on"))
        .values("month")
        .annotate(patients=Count("episode__patient_id", distinct=True))
        .values_list("month", "patients")
    ):
        month_of[(month.year, month.month)].patients = patients
    people = list(
        in_period.values("performed_by_id")
        .annotate(
            count=Count("pk"),
            minutes=Sum("minutes"),
            contact=Count("pk", filter=Q(patient_contact=True)),
        )
        .values_list("performed_by_id", "count", "minutes", "contact")
    )
    names = {
        u.pk: u.display_name
        for u in get_user_model().objects.filter(pk__in=[row[0] for row in people])
    }
    person_rows = sorted(
        (
            PersonRow(names.get(pk, "–"), count, minutes, contact)
            for pk, count, minutes, contact in people
        ),
        key=lambda r: (-r.activities, r.name),
    )
    totals = in_period.aggregate(
        activities=Count("pk"),
        contact=Count("pk", filter=Q(patient_contact=True)),
        minutes=Sum("minutes"),
        patients=Count("episode__patient_id", distinct=True),
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
        activities=totals["activities"],
        with_contact=totals["contact"],
        minutes=totals["minutes"] or 0,
        patients=totals["patients"],
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
    first_contacts = (
        Episode.objects.filter(unit=unit)
        .annotate(first=Min("activities__performed_on", filter=Q(activities__patient_contact=True)))
        .filter(first__gte=start, first__lte=end)
    )
    first = list(first_contacts.values_list("patient_id", "first"))
    wanted = {patient_id for patient_id, _ in first}
    periods: dict[int, list] = defaultdict(list)
    for patient_id, start_date, end_date in SickLeavePeriod.objects.filter(
        unit=unit,
        voided_at__isnull=True,
        # A plain subquery: PostgreSQL plans IN (an aggregate's subquery) very badly.
        patient_id__in=Episode.objects.filter(unit=unit).values("patient_id"),
    ).values_list("patient_id", "start_date", "end_date"):
        if patient_id in wanted:
            periods[patient_id].append(_Dates(start_date, end_date))
    days = []
    for patient_id, contact in first:
        for sjukfall in sjukfall_of(periods.get(patient_id, [])):
            if sjukfall.start <= contact <= sjukfall.end:
                days.append((contact - sjukfall.start).days)
                break
    return days
