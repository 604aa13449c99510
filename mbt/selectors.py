"""Reads for MBT, scoped to the actor's unit. The agenda evaluates the consent gate for every
case from the patient's consents (consent.rules), so a consent revoked or expiring before the
meeting takes the case off the agenda at once, with a notice."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from consent import rules
from consent.models import Consent, Scope
from journal.accesslog import Action, Actor, log_access, log_denied
from journal.models import Patient
from mbt import schedule
from mbt.models import (
    REQUIRED_ROLES,
    CaseReferral,
    MbtRole,
    Meeting,
    Participation,
    Preparation,
    Team,
    TeamMember,
)
from mbt.services import deadline_of, team_for


def active_members(team: Team) -> list[TeamMember]:
    return list(
        TeamMember.objects.filter(team=team, ended_on__isnull=True)
        .select_related("user", "organisation__vardgivare")
        .order_by("role", "name", "user__last_name")
    )


def missing_roles(members: list[TeamMember]) -> list[str]:
    present = {m.role for m in members}
    if any(m.user_id and m.user.profession in ("kurator", "psykolog") for m in members):
        present.add(MbtRole.SAMTALSMOTTAGNING)
    return [str(MbtRole(role).label) for role in REQUIRED_ROLES if role not in present]


def upcoming_meetings(team: Team, *, limit: int = 8) -> list[Meeting]:
    since = timezone.now() - datetime.timedelta(hours=12)
    return list(
        Meeting.objects.filter(team=team, starts_at__gte=since)
        .select_related("chair", "acting_chair")
        .order_by("starts_at")[:limit]
    )


def past_meetings(team: Team, *, limit: int = 6) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            team=team, starts_at__lt=timezone.now() - datetime.timedelta(hours=12)
        ).order_by("-starts_at")[:limit]
    )


def meeting_get(*, actor: Actor, meeting_id: object) -> Meeting:
    try:
        pk = int(str(meeting_id))
    except ValueError:
        pk = None
    meeting = (
        Meeting.objects.filter(pk=pk, team__unit=actor.unit)
        .select_related("team__unit__vardgivare", "chair", "acting_chair")
        .first()
        if pk
        else None
    )
    if meeting is None:
        log_denied(actor, None, f"MBT-möte {str(meeting_id)[:20]}")
        raise Http404
    return meeting


def case_get(*, actor: Actor, case_id: object, what: str = "MBT-ärende") -> CaseReferral:
    """A case at the actor's unit (logged as a read of its patient), else 404 and a denied row."""
    try:
        pk = int(str(case_id))
    except ValueError:
        pk = None
    case = (
        CaseReferral.objects.filter(pk=pk, unit=actor.unit)
        .select_related("patient", "meeting__team", "registrant")
        .first()
        if pk
        else None
    )
    if case is None:
        patient_id = (
            CaseReferral.objects.filter(pk=pk).values_list("patient_id", flat=True).first()
            if pk
            else None
        )
        log_denied(actor, patient_id, f"{what} {str(case_id)[:20]}")
        raise Http404
    log_access(actor, [case.patient], Action.READ, what)
    return case


# --- The agenda ---------------------------------------------------------------------------------


@dataclass
class CaseOnAgenda:
    case: CaseReferral
    gate: str  # "ok", "samtycke_saknas", "lamnat"
    reason: str
    consent_needed: bool
    covered_for_external: bool
    starts_at: datetime.datetime | None = None
    prepared_by: list = field(default_factory=list)


@dataclass
class Agenda:
    meeting: Meeting
    deadline: datetime.datetime
    holiday: str | None
    suggested_day: datetime.date | None
    on_agenda: list[CaseOnAgenda]
    waiting: list[CaseOnAgenda]
    left: list[CaseOnAgenda]
    late: list[CaseOnAgenda]
    members: list[TeamMember]
    modes: dict[int, str]
    external_members: list[TeamMember]

    @property
    def planned_minutes(self) -> int:
        return sum(item.case.minutes for item in self.on_agenda)

    @property
    def over_time(self) -> bool:
        return self.planned_minutes > self.meeting.length_minutes

    @property
    def deadline_passed(self) -> bool:
        return self.deadline <= timezone.now()

    def members_by_mode(self, mode: str) -> list[TeamMember]:
        return [m for m in self.members if self.modes.get(m.pk, Participation.Mode.ON_SITE) == mode]

    @property
    def on_site(self):
        return self.members_by_mode(Participation.Mode.ON_SITE)

    @property
    def digital(self):
        return self.members_by_mode(Participation.Mode.DIGITAL)

    @property
    def away(self):
        return self.members_by_mode(Participation.Mode.AWAY)


def _consents_by_patient(unit, patient_ids) -> dict[int, list[Consent]]:
    by_patient: dict[int, list[Consent]] = defaultdict(list)
    for consent in Consent.objects.filter(
        unit=unit, patient_id__in=patient_ids, scope=Scope.MBT
    ).select_related("party"):
        by_patient[consent.patient_id].append(consent)
    return by_patient


def agenda(*, actor: Actor, meeting: Meeting, log: bool = True) -> Agenda:
    """The meeting's cases in order, split by the consent gate and the late-registration
    decision, with the time plan, who has prepared, and the expected participants. Every
    patient shown is logged."""
    team = meeting.team
    members = active_members(team)
    external_members = [m for m in members if m.is_external]
    member_parties = [rules.organisation_party(m.organisation) for m in external_members]
    cases = list(
        CaseReferral.objects.filter(meeting=meeting)
        .exclude(state=CaseReferral.State.WITHDRAWN)
        .select_related("patient", "registrant")
        .prefetch_related(
            "invited__vardgivare",
            Prefetch("preparations", queryset=Preparation.objects.select_related("user")),
        )
        .order_by("position", "pk")
    )
    consents = _consents_by_patient(actor.unit, [c.patient_id for c in cases])
    meeting_day = timezone.localtime(meeting.starts_at).date()
    vardgivare = team.unit.vardgivare
    on_agenda, waiting, left, late = [], [], [], []
    for case in cases:
        parties = member_parties + [rules.organisation_party(o) for o in case.invited.all()]
        need = rules.consent_needed(vardgivare=vardgivare, parties=parties)
        patient_consents = consents.get(case.patient_id, [])
        cover = rules.coverage(patient_consents, scope=Scope.MBT, on=meeting_day)
        item = CaseOnAgenda(
            case=case,
            gate="ok",
            reason=need.reason if not need.needed else cover.reason,
            consent_needed=need.needed,
            covered_for_external=cover.covered,
            prepared_by=[p.user for p in case.preparations.all()],
        )
        if need.needed and not cover.covered:
            # A consent that ended (revoked, or running out before the meeting) since the case
            # was registered takes it off the agenda; otherwise it waits for consent.
            registered = timezone.localtime(case.registered_at).date()
            lost = rules.lost_coverage(
                patient_consents, before=registered - datetime.timedelta(days=1), after=meeting_day
            )
            item.gate = "lamnat" if lost else "samtycke_saknas"
            (left if lost else waiting).append(item)
        elif case.state == CaseReferral.State.LATE:
            late.append(item)
        else:
            on_agenda.append(item)
    clock = meeting.starts_at
    for item in on_agenda:
        item.starts_at = clock
        clock += datetime.timedelta(minutes=item.case.minutes)
    modes = dict(Participation.objects.filter(meeting=meeting).values_list("member_id", "mode"))
    if log:
        log_access(actor, [c.patient for c in cases], Action.READ, "MBT-dagordning")
    return Agenda(
        meeting=meeting,
        deadline=deadline_of(meeting, team),
        holiday=schedule.holiday_of(meeting.starts_at),
        suggested_day=(
            schedule.suggested_day(meeting.starts_at)
            if schedule.holiday_of(meeting.starts_at)
            else None
        ),
        on_agenda=on_agenda,
        waiting=waiting,
        left=left,
        late=late,
        members=members,
        modes=modes,
        external_members=external_members,
    )


def cases_for_patient(*, actor: Actor, patient: Patient) -> list[CaseReferral]:
    """The patient's cases at the unit (the patient page's read covers them)."""
    return list(
        CaseReferral.objects.filter(patient=patient, unit=actor.unit)
        .select_related("meeting", "registrant")
        .order_by("-meeting__starts_at")
    )


def my_cases(*, actor: Actor, limit: int = 20) -> QuerySet[CaseReferral] | list[CaseReferral]:
    """The actor's own registered cases for coming meetings; every patient shown is logged."""
    cases = list(
        CaseReferral.objects.filter(
            unit=actor.unit,
            registrant=actor.user,
            meeting__starts_at__gte=timezone.now() - datetime.timedelta(hours=12),
        )
        .exclude(state=CaseReferral.State.WITHDRAWN)
        .select_related("patient", "meeting")
        .order_by("meeting__starts_at", "position")[:limit]
    )
    log_access(actor, [c.patient for c in cases], Action.READ, "mina MBT-ärenden")
    return cases


def team_overview(*, actor: Actor) -> dict:
    team = team_for(actor.unit)
    members = active_members(team)
    return {"team": team, "members": members, "missing": missing_roles(members)}
