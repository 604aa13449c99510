"""Reads for MBT, scoped to the actor's unit. The agenda evaluates the consent gate for every
case from the patient's consents (consent.rules), so a consent revoked or expiring before the
meeting takes the case off the agenda at once, with a notice."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from consent import rules
from consent.models import Consent, Scope
from core import clock
from journal.accesslog import Action, Actor, log_access, log_denied
from journal.models import Patient
from journal.selectors import unit_record_get
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


def current_members(team: Team) -> QuerySet[TeamMember]:
    """Members now: not ended, and for staff, still holding a current assignment at the unit (a
    membership outlived by its assignment gives no part in meetings, links or reminders)."""
    from accounts.models import Assignment

    working_here = Assignment.objects.current().filter(unit_id=team.unit_id).values("user")
    return TeamMember.objects.filter(team=team, ended_on__isnull=True).filter(
        Q(user__isnull=True) | Q(user__in=working_here)
    )


def active_members(team: Team) -> list[TeamMember]:
    return list(
        current_members(team)
        .select_related("user", "organisation__vardgivare")
        .order_by("role", "name", "user__last_name")
    )


def missing_roles(members: list[TeamMember]) -> list[str]:
    present = {m.role for m in members}
    if any(m.user_id and m.user.profession in ("kurator", "psykolog") for m in members):
        present.add(MbtRole.SAMTALSMOTTAGNING)
    return [str(MbtRole(role).label) for role in REQUIRED_ROLES if role not in present]


def upcoming_meetings(team: Team, *, limit: int = 8) -> list[Meeting]:
    since = clock.now() - datetime.timedelta(hours=12)
    return list(
        Meeting.objects.filter(team=team, starts_at__gte=since)
        .select_related("chair", "acting_chair")
        .order_by("starts_at")[:limit]
    )


def past_meetings(team: Team, *, limit: int = 6) -> list[Meeting]:
    return list(
        Meeting.objects.filter(
            team=team, starts_at__lt=clock.now() - datetime.timedelta(hours=12)
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
    return unit_record_get(
        actor=actor,
        model=CaseReferral,
        record_id=case_id,
        what=what,
        select=("meeting__team", "registrant"),
    )


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
        return self.deadline <= clock.now()

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
            ended_since = [
                c
                for c in patient_consents
                if (c.revoked_at and c.revoked_at > case.registered_at)
                or (c.revoked_at is None and c.valid_until is not None)
            ]
            registered = timezone.localtime(case.registered_at).date()
            lost = ended_since and rules.lost_coverage(
                ended_since, before=registered - datetime.timedelta(days=1), after=meeting_day
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
            meeting__starts_at__gte=clock.now() - datetime.timedelta(hours=12),
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


# --- The conference, tasks and minutes ----------------------------------------------------------


@dataclass
class ConferenceCase:
    item: CaseOnAgenda
    discussion: object | None
    action_items: list
    postponements: list


@dataclass
class Conference:
    agenda: Agenda
    cases: list[ConferenceCase]
    modes: dict[int, str]
    missing_present: list[str]


def conference(*, actor: Actor, meeting: Meeting) -> Conference:
    """The chair's screen: the agenda's cases with their discussion so far, action items and
    postponement history, and the attendance."""
    from mbt.models import ActionItem, Discussion, Postponement
    from mbt.services import attendance_modes, missing_present_roles

    current = agenda(actor=actor, meeting=meeting)
    case_ids = [item.case.pk for item in current.on_agenda]
    discussions = {d.case_id: d for d in Discussion.objects.filter(case_id__in=case_ids)}
    items: dict[int, list] = defaultdict(list)
    for item in (
        ActionItem.objects.filter(case_id__in=case_ids).select_related("owner").order_by("pk")
    ):
        items[item.case_id].append(item)
    postponed: dict[int, list] = defaultdict(list)
    for p in Postponement.objects.filter(case_id__in=case_ids).select_related("from_meeting", "by"):
        postponed[p.case_id].append(p)
    modes = attendance_modes(meeting, current.members)
    return Conference(
        agenda=current,
        cases=[
            ConferenceCase(
                item=item,
                discussion=discussions.get(item.case.pk),
                action_items=items.get(item.case.pk, []),
                postponements=postponed.get(item.case.pk, []),
            )
            for item in current.on_agenda
        ],
        modes=modes,
        missing_present=missing_present_roles(current.members, modes),
    )


@dataclass
class Minutes:
    meeting: Meeting
    members: list[TeamMember]
    modes: dict[int, str]
    missing_present: list[str]
    discussed: list[ConferenceCase]
    postponed: list
    addenda: list


def minutes(
    *, actor: Actor, meeting: Meeting, external: bool, action: str = Action.PRINT
) -> Minutes:
    """The minutes (protokoll): attendance, the discussed cases with outcomes and action items,
    the postponed ones, and addenda. External: only cases whose consent covers the external
    participants on the meeting's day. Every patient included is logged as printed."""
    from mbt.models import ActionItem, Addendum, Discussion, Postponement
    from mbt.services import attendance_modes, missing_present_roles

    team = meeting.team
    attended = TeamMember.objects.filter(pk__in=meeting.attendance.values("member"))
    members = (
        list(
            attended.select_related("user", "organisation").order_by(
                "role", "name", "user__last_name"
            )
        )
        if meeting.is_closed
        else active_members(team)
    )
    modes = attendance_modes(meeting, members)
    discussed = list(
        CaseReferral.objects.filter(meeting=meeting, state=CaseReferral.State.DISCUSSED)
        .select_related("patient", "registrant")
        .order_by("position", "pk")
    )
    postponed = list(
        Postponement.objects.filter(from_meeting=meeting)
        .select_related("case__patient", "to_meeting")
        .order_by("pk")
    )
    if external:
        meeting_day = timezone.localtime(meeting.starts_at).date()
        consents = _consents_by_patient(
            actor.unit, [c.patient_id for c in discussed] + [p.case.patient_id for p in postponed]
        )

        def covered(patient_id):
            return rules.coverage(
                consents.get(patient_id, []), scope=Scope.MBT, on=meeting_day
            ).covered

        discussed = [c for c in discussed if covered(c.patient_id)]
        postponed = [p for p in postponed if covered(p.case.patient_id)]
    discussions = {d.case_id: d for d in Discussion.objects.filter(case__in=discussed)}
    items: dict[int, list] = defaultdict(list)
    for item in (
        ActionItem.objects.filter(case__in=discussed).select_related("owner").order_by("pk")
    ):
        items[item.case_id].append(item)
    log_access(
        actor,
        [c.patient for c in discussed] + [p.case.patient for p in postponed],
        action,
        "MBT-protokoll (extern)" if external else "MBT-protokoll",
    )
    return Minutes(
        meeting=meeting,
        members=members,
        modes=modes,
        missing_present=missing_present_roles(members, modes),
        discussed=[
            ConferenceCase(
                item=CaseOnAgenda(
                    case=c, gate="ok", reason="", consent_needed=False, covered_for_external=True
                ),
                discussion=discussions.get(c.pk),
                action_items=items.get(c.pk, []),
                postponements=[],
            )
            for c in discussed
        ],
        postponed=postponed,
        addenda=list(
            Addendum.objects.filter(meeting=meeting).select_related("author").order_by("created_at")
        ),
    )


def my_tasks(*, actor: Actor) -> dict:
    """The actor's open feedback tasks and action items at the unit, overdue first. Every
    patient shown is logged."""
    from mbt.models import ActionItem, FeedbackTask

    tasks = list(
        FeedbackTask.objects.filter(case__unit=actor.unit, owner=actor.user, done_at__isnull=True)
        .select_related("case__patient", "case__meeting")
        .order_by("due_on", "pk")
    )
    items = list(
        ActionItem.objects.filter(case__unit=actor.unit, owner=actor.user, done_at__isnull=True)
        .select_related("case__patient")
        .order_by("due_on", "pk")
    )
    log_access(
        actor,
        [t.case.patient for t in tasks] + [i.case.patient for i in items],
        Action.READ,
        "mina uppgifter",
    )
    return {"tasks": tasks, "items": items}


def unit_overdue_feedback(*, actor: Actor) -> list:
    """The unit's feedback tasks past their due date: the coordinator follows them up."""
    from mbt.models import FeedbackTask

    tasks = list(
        FeedbackTask.objects.filter(
            case__unit=actor.unit, done_at__isnull=True, due_on__lt=clock.today()
        )
        .select_related("case__patient", "owner", "case__meeting")
        .order_by("due_on", "pk")
    )
    log_access(actor, [t.case.patient for t in tasks], Action.READ, "försenade återkopplingar")
    return tasks


def action_item_get(*, actor: Actor, item_id: object):
    """An action item of a case at the actor's unit, else a 404 and a 'denied' row naming the
    patient of the case it belongs to."""
    from mbt.models import ActionItem

    try:
        pk = int(str(item_id))
    except ValueError:
        pk = None
    item = (
        ActionItem.objects.filter(pk=pk, case__unit=actor.unit).select_related("case").first()
        if pk
        else None
    )
    if item is None:
        patient_id = (
            ActionItem.objects.filter(pk=pk).values_list("case__patient_id", flat=True).first()
            if pk
            else None
        )
        log_denied(actor, patient_id, f"åtgärd {str(item_id)[:20]}")
        raise Http404
    return item


def task_get(*, actor: Actor, task_id: object):
    from mbt.models import FeedbackTask

    try:
        pk = int(str(task_id))
    except ValueError:
        pk = None
    task = (
        FeedbackTask.objects.filter(pk=pk, case__unit=actor.unit)
        .select_related(
            "case__patient", "case__meeting", "owner", "conference_entry", "feedback_entry"
        )
        .first()
        if pk
        else None
    )
    if task is None:
        patient_id = (
            FeedbackTask.objects.filter(pk=pk).values_list("case__patient_id", flat=True).first()
            if pk
            else None
        )
        log_denied(actor, patient_id, f"återkoppling {str(task_id)[:20]}")
        raise Http404
    log_access(actor, [task.case.patient], Action.READ, "återkoppling")
    return task
