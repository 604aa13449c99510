"""Reads of koordineringsinsatser, scoped to the actor's unit. Reads of one patient's data are
logged by journal.selectors.patient_get or here (episode_get); lists log every patient shown."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from consent import rules
from consent.models import Consent, Scope
from coordination.models import (
    Activity,
    CoordinatorStatus,
    Episode,
    FkInformation,
    FollowUp,
    SickLeavePeriod,
)
from coordination.sjukfall import Sjukfall, current_sjukfall, sjukfall_of
from core import clock
from journal.accesslog import Action, Actor, log_access, log_denied
from journal.models import Patient
from journal.selectors import unit_record_get


def periods_for_patient(*, actor: Actor, patient: Patient) -> list[SickLeavePeriod]:
    """The unit's sick-leave periods for the patient (voided ones left out), newest first."""
    return list(
        SickLeavePeriod.objects.filter(unit=actor.unit, patient=patient, voided_at__isnull=True)
        .select_related("created_by")
        .order_by("-start_date", "-pk")
    )


def episodes_for_patient(*, actor: Actor, patient: Patient) -> list[Episode]:
    return list(
        Episode.objects.filter(unit=actor.unit, patient=patient)
        .select_related("responsible")
        .order_by("-started_on", "-pk")
    )


def status_of(*, actor: Actor, patient: Patient) -> str:
    return (
        FollowUp.objects.filter(unit=actor.unit, patient=patient)
        .values_list("status", flat=True)
        .first()
        or CoordinatorStatus.EJ_KONTAKTAD
    )


@dataclass
class ConsentState:
    koordinering: rules.Coverage
    fk_information: rules.Coverage


def consent_state(*, actor: Actor, patient: Patient, on: datetime.date | None = None):
    on = on or clock.today()
    consents = list(
        Consent.objects.filter(unit=actor.unit, patient=patient).select_related("party")
    )
    return ConsentState(
        koordinering=rules.coverage(consents, scope=Scope.KOORDINERING, on=on),
        fk_information=rules.coverage(consents, scope=Scope.FK_INFORMATION, on=on),
    )


@dataclass
class SjukfallView:
    sjukfall: Sjukfall
    today: datetime.date

    @property
    def ongoing(self) -> bool:
        return self.sjukfall.is_ongoing(self.today)

    @property
    def days(self) -> int:
        return self.sjukfall.days_on(self.today)

    @property
    def extent(self) -> int | None:
        return self.sjukfall.extent_on(min(self.today, self.sjukfall.end))

    @property
    def next_milestone(self):
        return self.sjukfall.next_milestone(self.today)

    @property
    def milestones(self) -> list[dict]:
        return [
            {"day": n, "date": d, "passed": d <= min(self.today, self.sjukfall.end)}
            for n, d in self.sjukfall.milestones()
        ]


def sjukfall_for_patient(
    *, periods: list[SickLeavePeriod], today: datetime.date | None = None
) -> list[SjukfallView]:
    """The patient's sjukfall at the unit, newest first."""
    today = today or clock.today()
    return [SjukfallView(s, today) for s in reversed(sjukfall_of(periods))]


def sick_leave_period_get(*, actor: Actor, patient: Patient, period_id: object) -> SickLeavePeriod:
    """The unit's sick-leave period of the patient (voided or not; the patient's read is logged
    by the view), else a 404 and a 'denied' row naming the patient the period belongs to."""
    try:
        pk = int(str(period_id))
    except ValueError:
        pk = None
    period = (
        SickLeavePeriod.objects.filter(pk=pk, patient=patient, unit=actor.unit).first()
        if pk
        else None
    )
    if period is None:
        owner = (
            SickLeavePeriod.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
            if pk
            else None
        )
        log_denied(actor, owner, f"sjukskrivningsperiod {str(period_id)[:20]}")
        raise Http404
    return period


def episode_get(
    *,
    actor: Actor,
    episode_id: object,
    what: str = "koordineringsärende",
    action: str = Action.READ,
) -> Episode:
    """An episode at the actor's unit (logged as a read of its patient), else 404 and a denied
    row in the access log."""
    return unit_record_get(
        actor=actor,
        model=Episode,
        record_id=episode_id,
        what=what,
        select=("responsible", "assessed_by", "consent"),
        action=action,
    )


def activities_of(episode: Episode) -> list[Activity]:
    return list(
        episode.activities.select_related("performed_by", "organisation", "journal_entry").order_by(
            "-performed_on", "-pk"
        )
    )


def fk_informations_of(episode: Episode) -> list[FkInformation]:
    return list(
        episode.fk_informations.select_related("informed_by", "consent").order_by(
            "-informed_on", "-pk"
        )
    )


def current_sjukfall_of(*, actor: Actor, patient: Patient) -> SjukfallView | None:
    found = current_sjukfall(periods_for_patient(actor=actor, patient=patient), clock.today())
    return SjukfallView(found, clock.today()) if found else None


# --- The follow-up list -------------------------------------------------------------------------

SORTS = {
    "dagar": "Längst sjukskriven först",
    "slut": "Sjukskrivningen slutar",
    "milstolpe": "Nästa milstolpe",
    "aktivitet": "Längst sedan senaste insats",
    "uppfoljning": "Nästa uppföljning",
    "namn": "Namn",
}
PAGE_SIZE = 50


@dataclass
class FollowUpFilter:
    responsible: int | None = None  # a user's pk; 0 = no open episode
    status: str = ""
    min_days: int | None = None
    ends_within: int | None = None
    idle_days: int | None = None
    only_new: bool = False
    sort: str = "dagar"


@dataclass
class FollowUpRow:
    patient_id: int
    sjukfall: Sjukfall | None
    days: int | None
    extent: int | None
    end: datetime.date | None
    next_milestone: tuple[int, datetime.date] | None
    episode_id: int | None
    responsible_id: int | None
    last_activity_on: datetime.date | None
    next_follow_up: datetime.date | None
    status: str
    is_new: bool
    consent_missing: bool = False
    patient: Patient | None = None
    responsible_name: str = ""
    sort_name: tuple = ()

    @property
    def status_label(self) -> str:
        return str(CoordinatorStatus(self.status).label)


@dataclass
class FollowUpList:
    rows: list[FollowUpRow]
    total: int
    page: int
    pages: int
    last_review: datetime.datetime | None
    new_count: int


@dataclass(frozen=True)
class _ConsentDates:
    given_on: datetime.date
    valid_until: datetime.date | None
    revoked_on: datetime.date | None


@dataclass(frozen=True)
class _Period:
    start_date: datetime.date
    end_date: datetime.date
    extent: int
    created_at: datetime.datetime


def last_review(*, actor: Actor) -> datetime.datetime | None:
    from coordination.models import FollowUpReview

    return (
        FollowUpReview.objects.filter(user=actor.user, unit=actor.unit)
        .order_by("-reviewed_at")
        .values_list("reviewed_at", flat=True)
        .first()
    )


def _rows(actor: Actor, today: datetime.date, since: datetime.datetime | None) -> list[FollowUpRow]:
    """Every patient of the unit with an ongoing sjukfall or an open episode, unsorted and
    without names: a fixed number of queries, whatever the unit's size."""
    unit = actor.unit
    ongoing = SickLeavePeriod.objects.filter(
        unit=unit, voided_at__isnull=True, end_date__gte=today
    ).values("patient_id")
    open_episodes = Episode.objects.filter(unit=unit, ended_on__isnull=True)
    # Subqueries, not lists of ids: a unit's thousands of ids as parameters cost more than the
    # queries themselves.
    candidates = Q(patient_id__in=ongoing) | Q(patient_id__in=open_episodes.values("patient_id"))
    episodes = {
        row[0]: row
        for row in open_episodes.values_list(
            "patient_id",
            "pk",
            "responsible_id",
            "last_activity_on",
            "next_follow_up",
            "created_at",
        )
    }
    periods: dict[int, list[_Period]] = {}
    for patient_id, start, end, extent, created_at in (
        SickLeavePeriod.objects.filter(unit=unit, voided_at__isnull=True)
        .filter(candidates)
        .values_list("patient_id", "start_date", "end_date", "extent", "created_at")
    ):
        periods.setdefault(patient_id, []).append(_Period(start, end, extent, created_at))
    statuses = dict(FollowUp.objects.filter(unit=unit).values_list("patient_id", "status"))
    # Open episodes without a consent that covers today: "samtycke saknas".
    covered = {
        patient_id
        for patient_id, *consent in Consent.objects.filter(
            unit=unit, scope=Scope.KOORDINERING, patient_id__in=open_episodes.values("patient_id")
        ).values_list("patient_id", "given_on", "valid_until", "revoked_on")
        if rules.is_valid_on(_ConsentDates(*consent), today)
    }
    rows = []
    for patient_id in set(periods) | set(episodes):
        found = current_sjukfall(periods.get(patient_id, []), today)
        sjukfall = found if found is not None and found.is_ongoing(today) else None
        episode = episodes.get(patient_id)
        if sjukfall is None and episode is None:
            continue  # an old sjukfall of a patient whose episode has ended
        status = statuses.get(patient_id, CoordinatorStatus.EJ_KONTAKTAD)
        # Before a user's first review, everything on the list is new to them.
        is_new = since is None
        if since is not None:
            is_new = bool(
                (sjukfall and any(p.created_at > since for p in sjukfall.periods))
                or (episode and episode[5] > since)
            )
        rows.append(
            FollowUpRow(
                patient_id=patient_id,
                sjukfall=sjukfall,
                days=sjukfall.days_on(today) if sjukfall else None,
                extent=sjukfall.extent_on(min(today, sjukfall.end)) if sjukfall else None,
                end=sjukfall.end if sjukfall else None,
                next_milestone=sjukfall.next_milestone(today) if sjukfall else None,
                episode_id=episode[1] if episode else None,
                responsible_id=episode[2] if episode else None,
                last_activity_on=episode[3] if episode else None,
                next_follow_up=episode[4] if episode else None,
                status=status,
                is_new=is_new,
                consent_missing=episode is not None and patient_id not in covered,
            )
        )
    return rows


def _candidate_patients(unit, today: datetime.date):
    """The ids of the unit's patients with an ongoing period or an open episode, as a subquery."""
    return (
        SickLeavePeriod.objects.filter(unit=unit, voided_at__isnull=True, end_date__gte=today)
        .values("patient_id")
        .union(Episode.objects.filter(unit=unit, ended_on__isnull=True).values("patient_id"))
    )


def _matches(row: FollowUpRow, f: FollowUpFilter, today: datetime.date) -> bool:
    if f.responsible is not None:
        if f.responsible == 0 and row.episode_id is not None:
            return False
        if f.responsible and row.responsible_id != f.responsible:
            return False
    if f.status and row.status != f.status:
        return False
    if f.min_days is not None and (row.days or 0) < f.min_days:
        return False
    if f.ends_within is not None and (row.end is None or (row.end - today).days > f.ends_within):
        return False
    # "No activity for N days": never any, or the last one at least N days ago.
    if (
        f.idle_days is not None
        and row.last_activity_on is not None
        and (today - row.last_activity_on).days < f.idle_days
    ):
        return False
    return not (f.only_new and not row.is_new)


_FAR = datetime.date.max


def _sort_key(sort: str):
    if sort == "slut":
        return lambda r: (r.end or _FAR, r.sort_name)
    if sort == "milstolpe":
        return lambda r: (r.next_milestone[1] if r.next_milestone else _FAR, r.sort_name)
    if sort == "aktivitet":
        return lambda r: (r.last_activity_on or datetime.date.min, r.sort_name)
    if sort == "uppfoljning":
        return lambda r: (r.next_follow_up or _FAR, r.sort_name)
    if sort == "namn":
        return lambda r: r.sort_name
    return lambda r: (-(r.days or 0), r.sort_name)


def follow_up_list(
    *,
    actor: Actor,
    follow_filter: FollowUpFilter,
    page: int = 1,
    page_size: int | None = PAGE_SIZE,
    what: str = "uppföljningslista",
    action: str = Action.READ,
    today: datetime.date | None = None,
) -> FollowUpList:
    """The unit's follow-up list, filtered, sorted and paged. The patients shown (on this page,
    or all of them for an export) are logged."""
    from django.contrib.auth import get_user_model
    from django.db.models.functions import Collate

    from journal.selectors import SWEDISH

    today = today or clock.today()
    since = last_review(actor=actor)
    rows = _rows(actor, today, since)
    new_count = sum(1 for r in rows if r.is_new)
    rows = [r for r in rows if _matches(r, follow_filter, today)]
    # Names in one query, in Swedish order, so every sort breaks ties alike.
    order = {
        pk: index
        for index, pk in enumerate(
            Patient.objects.filter(pk__in=_candidate_patients(actor.unit, today))
            .order_by(Collate("last_name", SWEDISH), Collate("first_name", SWEDISH), "pk")
            .values_list("pk", flat=True)
        )
    }
    for row in rows:
        row.sort_name = (order.get(row.patient_id, 0),)
    rows.sort(key=_sort_key(follow_filter.sort))
    total = len(rows)
    if page_size:
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        shown = rows[(page - 1) * page_size : page * page_size]
    else:
        pages, page, shown = 1, 1, rows
    patients = Patient.objects.in_bulk([r.patient_id for r in shown])
    users = get_user_model().objects.in_bulk({r.responsible_id for r in shown if r.responsible_id})
    for row in shown:
        row.patient = patients[row.patient_id]
        user = users.get(row.responsible_id)
        row.responsible_name = user.display_name if user else ""
    log_access(actor, [r.patient for r in shown], action, what)
    return FollowUpList(
        rows=shown, total=total, page=page, pages=pages, last_review=since, new_count=new_count
    )


def staff_with_open_episodes(*, actor: Actor):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            pk__in=Episode.objects.filter(unit=actor.unit, ended_on__isnull=True).values(
                "responsible_id"
            )
        )
        .order_by("last_name", "first_name")
    )


def plan_versions_of(episode: Episode):
    from coordination.models import PlanVersion

    return list(
        PlanVersion.objects.filter(episode=episode).select_related("created_by").order_by("-number")
    )
