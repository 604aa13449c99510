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
from django.utils.translation import gettext

from consent import rules
from consent.models import Scope
from core import clock
from journal.accesslog import Action, Actor, log_access, log_denied
from journal.models import Patient
from journal.personnummer import InvalidIdentityNumber, parse_identity_number
from journal.selectors import patient_search, unit_record_get
from mbt import schedule
from mbt import status as case_status
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
from mbt.status import CaseStatus


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
    gate: str  # "ok", "samtycke_saknas", "lamnat" (mbt.status)
    reason: str
    consent_needed: bool
    covered_for_external: bool
    starts_at: datetime.datetime | None = None
    prepared_by: list = field(default_factory=list)
    status: CaseStatus | None = None
    # False for a case a shared screen does not show (mbt.selectors.agenda, shared=True).
    shown: bool = True


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
    shared: bool = False

    @property
    def visible_on_agenda(self) -> list[CaseOnAgenda]:
        return [item for item in self.on_agenda if item.shown]

    @property
    def hidden_count(self) -> int:
        """Cases a shared screen does not show: all but those the external agenda shows."""
        return sum(
            1 for item in self.on_agenda + self.waiting + self.left + self.late if not item.shown
        )

    @property
    def off_agenda_counts(self) -> list[tuple[str, int]]:
        """How many cases are not on the agenda, by where they stand ("väntar på samtycke",
        "har lämnat dagordningen", "sen anmälan ..."): counts only, for the printed agenda."""
        counts: dict[str, int] = {}
        for item in self.waiting + self.left + self.late:
            counts[item.status.label] = counts.get(item.status.label, 0) + 1
        return list(counts.items())

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


def agenda(*, actor: Actor, meeting: Meeting, log: bool = True, shared: bool = False) -> Agenda:
    """The meeting's cases in order, split by the consent gate and the late-registration
    decision, with the time plan, who has prepared, and the expected participants. Every
    patient shown is logged. On a shared screen (core/screen_sharing.py) only the cases the
    external participants' agenda holds are shown (and logged); the others are counted."""
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
    for case in cases:
        case.meeting = meeting
    answers = case_status.gates(cases, unit=actor.unit, member_parties=member_parties)
    moves = case_status.moves_into_current_meeting(cases)
    on_agenda, waiting, left, late = [], [], [], []
    for case in cases:
        answer = answers[case.pk]
        item = CaseOnAgenda(
            case=case,
            gate=answer.gate,
            reason=answer.reason,
            consent_needed=answer.consent_needed,
            covered_for_external=answer.covered_for_external,
            prepared_by=[p.user for p in case.preparations.all()],
            status=case_status.status_of(case, gate=answer, moved=moves.get(case.pk)),
        )
        if answer.gate == case_status.GATE_LEFT:
            left.append(item)
        elif answer.gate == case_status.GATE_WAITING:
            waiting.append(item)
        elif case.state == CaseReferral.State.LATE:
            late.append(item)
        else:
            on_agenda.append(item)
    clock = meeting.starts_at
    for item in on_agenda:
        item.starts_at = clock
        clock += datetime.timedelta(minutes=item.case.minutes)
    if shared:
        for item in waiting + left + late:
            item.shown = False
        for item in on_agenda:
            item.shown = item.covered_for_external
    modes = dict(Participation.objects.filter(meeting=meeting).values_list("member_id", "mode"))
    if log:
        shown = [i.case.patient for i in on_agenda + waiting + left + late if i.shown]
        log_access(actor, shown, Action.READ, "MBT-dagordning")
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
        shared=shared,
    )


def moved_from(meeting: Meeting) -> list:
    """The cases closing or cancelling the meeting moved on (not the chair's postponements).
    Counts only: no patient is shown."""
    from mbt.models import Postponement

    return list(
        Postponement.objects.filter(from_meeting=meeting)
        .exclude(cause=Postponement.Cause.POSTPONED)
        .select_related("to_meeting")
        .order_by("pk")
    )


def with_statuses(cases: list[CaseReferral], *, unit) -> list[CaseReferral]:
    """Gives each case its `status` (mbt.status): what every page says about where it stands."""
    found = case_status.statuses(cases, unit=unit)
    for case in cases:
        case.status = found[case.pk]
    return cases


def moves_of(case: CaseReferral) -> list:
    """Every move of a case between meetings, oldest first (the case page's read covers it)."""
    from mbt.models import Postponement

    return list(
        Postponement.objects.filter(case=case)
        .select_related("from_meeting", "to_meeting", "by")
        .order_by("at", "pk")
    )


def cases_for_patient(*, actor: Actor, patient: Patient) -> list[CaseReferral]:
    """The patient's cases at the unit, each with its status (the patient page's read covers
    them)."""
    cases = list(
        CaseReferral.objects.filter(patient=patient, unit=actor.unit)
        .select_related("meeting", "registrant", "patient")
        .order_by("-meeting__starts_at")
    )
    return with_statuses(cases, unit=actor.unit)


def my_cases(*, actor: Actor, limit: int = 20) -> list[CaseReferral]:
    """The actor's own registered cases for coming meetings, and any left on a meeting that is
    over without a decision, each with its status; every patient shown is logged."""
    open_states = [CaseReferral.State.REGISTERED, CaseReferral.State.LATE]
    cases = list(
        CaseReferral.objects.filter(unit=actor.unit, registrant=actor.user)
        .filter(
            Q(meeting__starts_at__gte=clock.now() - datetime.timedelta(hours=12))
            | Q(
                state__in=open_states,
                meeting__status__in=[Meeting.Status.CLOSED, Meeting.Status.CANCELLED],
            )
        )
        .exclude(state=CaseReferral.State.WITHDRAWN)
        .select_related("patient", "meeting")
        .order_by("meeting__starts_at", "position")[:limit]
    )
    log_access(actor, [c.patient for c in cases], Action.READ, "mina MBT-ärenden")
    return with_statuses(cases, unit=actor.unit)


def moved_notices(*, actor: Actor) -> list:
    """The actor's cases that moved to another meeting (postponed, or moved when a meeting was
    closed or cancelled) and that they have not marked as seen, while the case still waits on
    that meeting. Every patient shown is logged."""
    from mbt.models import Postponement

    notices = [
        move
        for move in Postponement.objects.filter(
            case__unit=actor.unit,
            case__registrant=actor.user,
            seen_at__isnull=True,
            case__state__in=[CaseReferral.State.REGISTERED, CaseReferral.State.LATE],
        )
        .select_related("case__patient", "case__meeting", "from_meeting", "to_meeting")
        .order_by("-at", "-pk")
        if move.case.meeting_id == move.to_meeting_id
    ]
    log_access(actor, [m.case.patient for m in notices], Action.READ, "flyttade MBT-ärenden")
    with_statuses([m.case for m in notices], unit=actor.unit)
    return notices


# --- Whose number it is (registration) ----------------------------------------------------------


@dataclass
class Lookup:
    patient: Patient | None = None
    error: str = ""  # not a valid number, and why
    missing: str = ""  # a valid number that no patient at the unit has
    typing: bool = False  # too short yet to say anything
    unconfirmed: bool = False
    unit_name: str = ""

    @property
    def missing_message(self) -> str:
        return gettext("Ingen patient med det numret är registrerad vid %(unit)s.") % {
            "unit": self.unit_name
        }


def patient_lookup(*, actor: Actor, raw: str, typing: bool = False) -> Lookup:
    """The unit's patient with a personnummer, samordningsnummer or reservnummer, through the
    unit-scoped, logged patient search. While typing, a number too short to be one says
    nothing yet."""
    text = raw.strip()
    lookup = Lookup(unit_name=actor.unit.name)
    if text.upper().startswith("R") and any(char.isdigit() for char in text):
        found = patient_search(actor=actor, query=text).patients
        if found:
            lookup.patient = found[0]
        else:
            lookup.missing = text
        return lookup
    digits = sum(char.isdigit() for char in text)
    if typing and digits < 10 and not any(char.isalpha() for char in text):
        lookup.typing = True
        return lookup
    try:
        number = parse_identity_number(text, today=clock.today())
    except InvalidIdentityNumber as error:
        lookup.error = str(error)
        return lookup
    found = patient_search(actor=actor, query=number.canonical).patients
    if found:
        lookup.patient = found[0]
    else:
        lookup.missing = number.formatted
    return lookup


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
    closes_from: datetime.datetime
    next_open: Meeting | None

    @property
    def visible_cases(self) -> list[ConferenceCase]:
        return [cc for cc in self.cases if cc.item.shown]

    @property
    def can_close_now(self) -> bool:
        return clock.now() >= self.closes_from

    @property
    def not_reached(self) -> list[ConferenceCase]:
        return [
            cc
            for cc in self.cases
            if cc.discussion is None
            or not (cc.discussion.outcomes or cc.discussion.summary.strip())
        ]

    @property
    def moving(self) -> list[CaseOnAgenda]:
        """What closing would move to the next open meeting: every case not discussed."""
        agenda = self.agenda
        return agenda.waiting + agenda.left + agenda.late + [cc.item for cc in self.not_reached]


def conference(*, actor: Actor, meeting: Meeting, shared: bool = False) -> Conference:
    """The chair's screen: the agenda's cases with their discussion so far, action items and
    postponement history, and the attendance."""
    from mbt.models import ActionItem, Discussion, Postponement
    from mbt.services import attendance_modes, missing_present_roles, next_open_meeting
    from mbt.services.conference import closes_from

    current = agenda(actor=actor, meeting=meeting, shared=shared)
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
        closes_from=closes_from(meeting),
        next_open=next_open_meeting(meeting.team, after=meeting.starts_at),
    )


@dataclass
class Minutes:
    meeting: Meeting
    members: list[TeamMember]
    modes: dict[int, str]
    missing_present: list[str]
    discussed: list[ConferenceCase]
    postponed: list  # the chair's postponements
    addenda: list
    moved: list = field(default_factory=list)  # moved on when the meeting closed


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
        consents = case_status.consents_by_patient(
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
        postponed=[p for p in postponed if p.cause == Postponement.Cause.POSTPONED],
        moved=[p for p in postponed if p.cause != Postponement.Cause.POSTPONED],
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
