"""Writes for MBT: the team and its routine, meeting series and single meetings, case
registration (with its journal entry), the agenda's order, preparation and participation. Every
write locks rows in one order (mbt/services/locks.py): the team, a meeting, its cases, what
belongs to a case."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from core import clock
from journal.accesslog import Actor
from journal.models import CareRelation, EntryType, Patient
from journal.services import (
    DuplicateSubmission,
    already_submitted,
    journal_entry_create,
    save_by,
)
from mbt import schedule
from mbt.models import (
    CalendarToken,
    CaseReferral,
    MbtRole,
    Meeting,
    MeetingSeries,
    Participation,
    Postponement,
    Preparation,
    Team,
    TeamMember,
)
from mbt.services import moves
from mbt.services.dates import deadline_of, next_open_meeting
from mbt.services.locks import case_and_meeting_locked, case_locked, cases_locked, meeting_locked

PLANNING_HORIZON = datetime.timedelta(days=730)
LATE_NEXT = "next"
LATE_ASK_CHAIR = "late"


def team_for(unit) -> Team:
    """The unit's team; every unit has one, created with the default routine on first use."""
    team, _created = Team.objects.get_or_create(unit=unit)
    return team


# --- Team ---------------------------------------------------------------------------------------


@transaction.atomic
def team_update(
    *,
    actor: Actor,
    deadline_working_days: int,
    deadline_time: datetime.time,
    feedback_working_days: int,
    default_case_minutes: int,
    default_room: str = "",
    default_video_link: str = "",
) -> Team:
    team = Team.objects.select_for_update(of=("self",)).get(pk=team_for(actor.unit).pk)
    team.deadline_working_days = deadline_working_days
    team.deadline_time = deadline_time
    team.feedback_working_days = feedback_working_days
    team.default_case_minutes = default_case_minutes
    team.default_room = default_room.strip()
    team.default_video_link = default_video_link.strip()
    team.full_clean()
    save_by(actor, team)
    return team


@transaction.atomic
def member_add_internal(*, actor: Actor, user: User, role: str) -> TeamMember:
    if not user.assignments.current().filter(unit=actor.unit).exists():
        raise ValidationError(
            {"user": _("Bara medarbetare med uppdrag vid enheten kan vara interna teammedlemmar.")}
        )
    team = team_for(actor.unit)
    if TeamMember.objects.filter(team=team, user=user, role=role, ended_on__isnull=True).exists():
        raise ValidationError({"user": _("Personen finns redan i teamet i den rollen.")})
    member = TeamMember(team=team, user=user, role=role, joined_on=clock.today())
    member.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            save_by(actor, member)
    except IntegrityError:
        raise ValidationError({"user": _("Personen finns redan i teamet i den rollen.")}) from None
    return member


@transaction.atomic
def member_add_external(
    *, actor: Actor, organisation: Organisation, name: str, email: str, role: str
) -> TeamMember:
    member = TeamMember(
        team=team_for(actor.unit),
        organisation=organisation,
        name=name.strip(),
        email=email.strip(),
        role=role,
        joined_on=clock.today(),
    )
    if not member.name:
        raise ValidationError({"name": _("Ange den externa medlemmens namn.")})
    member.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            save_by(actor, member)
    except IntegrityError:
        raise ValidationError(
            {
                "name": _("%(name)s från %(org)s finns redan i teamet.")
                % {"name": member.name, "org": organisation}
            }
        ) from None
    return member


@transaction.atomic
def member_end(*, actor: Actor, member: TeamMember) -> TeamMember:
    member = TeamMember.objects.select_for_update(of=("self",)).get(
        pk=member.pk, team__unit=actor.unit
    )
    if member.ended_on is None:
        member.ended_on = clock.today()
        save_by(actor, member)
    return member


def coordinator_of(team: Team) -> User | None:
    member = (
        TeamMember.objects.filter(
            team=team, role=MbtRole.REHABKOORDINATOR, ended_on__isnull=True, user__isnull=False
        )
        .select_related("user")
        .order_by("joined_on", "pk")
        .first()
    )
    return member.user if member else None


# --- Meetings -----------------------------------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    actor: Actor,
    first_date: datetime.date,
    until: datetime.date,
    start_time: datetime.time,
    length_minutes: int,
    interval_weeks: int,
    room: str = "",
    video_link: str = "",
    submission_key=None,
) -> MeetingSeries:
    """A meeting series and its meetings, every interval_weeks weeks from the first date. A
    meeting at a time the team already meets is skipped."""
    if submission_key is not None:
        earlier = MeetingSeries.objects.filter(
            submission_key=submission_key, team__unit=actor.unit
        ).first()
        if earlier is not None:
            return earlier
    errors = {}
    if first_date < clock.today():
        errors["first_date"] = _("Första mötet kan inte ligga bakåt i tiden.")
    elif first_date > clock.today() + PLANNING_HORIZON:
        errors["first_date"] = _("Planera möten högst två år framåt.")
    if until < first_date:
        errors["until"] = _("Slutdatumet kan inte ligga före första mötet.")
    elif (until - first_date).days > 366:
        errors["until"] = _("Planera högst ett år i taget.")
    if errors:
        raise ValidationError(errors)
    team = team_for(actor.unit)
    series = MeetingSeries(
        team=team,
        first_date=first_date,
        until=until,
        start_time=start_time,
        length_minutes=length_minutes,
        interval_weeks=interval_weeks,
        room=room.strip() or team.default_room,
        video_link=video_link.strip() or team.default_video_link,
        created_by=actor.user,
        submission_key=submission_key,
    )
    series.full_clean()
    save_by(actor, series)
    chair = coordinator_of(team)
    taken = set(
        Meeting.objects.filter(team=team)
        .exclude(status=Meeting.Status.CANCELLED)
        .values_list("starts_at", flat=True)
    )
    for day in schedule.series_dates(first_date, until, interval_weeks):
        if schedule.at_local(day, start_time) in taken:
            continue
        meeting = Meeting(
            team=team,
            series=series,
            starts_at=schedule.at_local(day, start_time),
            length_minutes=length_minutes,
            room=series.room,
            video_link=series.video_link,
            chair=chair,
        )
        meeting.full_clean()
        save_by(actor, meeting)
    return series


def _locked_meeting(actor: Actor, meeting: Meeting, version: int | None = None) -> Meeting:
    current = meeting_locked(actor, meeting.pk)
    if version is not None and current.version != version:
        raise ValidationError(
            _(
                "Mötet har ändrats av någon annan medan du hade sidan öppen. "
                "Ladda om och försök igen."
            )
        )
    return current


@transaction.atomic
def meeting_move(
    *, actor: Actor, meeting: Meeting, starts_at: datetime.datetime, reason: str, version: int
) -> Meeting:
    current = _locked_meeting(actor, meeting, version)
    if current.is_cancelled:
        raise ValidationError(_("Mötet är inställt."))
    if not reason.strip():
        raise ValidationError({"reason": _("Ange varför mötet flyttas.")})
    if starts_at < clock.now():
        raise ValidationError({"starts_at": _("Mötet kan inte flyttas bakåt i tiden.")})
    if starts_at > clock.now() + PLANNING_HORIZON:
        raise ValidationError({"starts_at": _("Mötet kan flyttas högst två år framåt.")})
    if current.moved_from is None:
        current.moved_from = current.starts_at
    current.starts_at = starts_at
    current.move_reason = reason.strip()
    current.version += 1
    current.full_clean()
    save_by(actor, current)
    return current


@transaction.atomic
def meeting_cancel(*, actor: Actor, meeting: Meeting, reason: str, version: int) -> Meeting:
    """Cancels a meeting. Every case registered to it moves to the next open meeting, where the
    consent gate is asked again, and its registrant is told (mbt/services/moves.py). Without an
    open meeting to move them to, the meeting is not cancelled: plan the next one first."""
    current = _locked_meeting(actor, meeting, version)
    if not reason.strip():
        raise ValidationError({"reason": _("Ange varför mötet ställs in.")})
    if current.is_closed:
        raise ValidationError(_("Mötet är redan avslutat och kan inte ställas in."))
    cases = cases_locked(
        CaseReferral.objects.filter(
            meeting=current,
            state__in=[CaseReferral.State.REGISTERED, CaseReferral.State.LATE],
        ).select_related("patient", "registrant")
    )
    moves.move_cases(
        actor=actor,
        meeting=current,
        cases=cases,
        causes={case.pk: Postponement.Cause.CANCELLED for case in cases},
    )
    current.status = Meeting.Status.CANCELLED
    current.cancel_reason = reason.strip()
    current.version += 1
    current.full_clean()
    save_by(actor, current)
    return current


@transaction.atomic
def meeting_set_chair(
    *, actor: Actor, meeting: Meeting, chair: User | None, acting_chair: User | None, version: int
) -> Meeting:
    current = _locked_meeting(actor, meeting, version)
    members = set(
        TeamMember.objects.filter(
            team=current.team, ended_on__isnull=True, user__isnull=False
        ).values_list("user_id", flat=True)
    )
    for field, user in (("chair", chair), ("acting_chair", acting_chair)):
        if user is not None and user.pk not in members:
            raise ValidationError({field: _("Välj en medlem i teamet.")})
    current.chair = chair
    current.acting_chair = acting_chair
    current.version += 1
    save_by(actor, current)
    return current


# --- Cases --------------------------------------------------------------------------------------


def _registration_text(case: CaseReferral, invited: Sequence[Organisation]) -> str:
    when = timezone.localtime(case.meeting.starts_at).strftime("%Y-%m-%d %H:%M")
    lines = [_("Anmäld till medicinskt bedömningsteam (MBT) %(when)s.") % {"when": when}]
    lines.append(_("Frågeställning: %(q)s") % {"q": case.question})
    if case.background:
        lines.append(_("Bakgrund: %(b)s") % {"b": case.background})
    if case.wanted_roles:
        roles = ", ".join(str(MbtRole(r).label).lower() for r in case.wanted_roles)
        lines.append(_("Önskade professioner: %(r)s.") % {"r": roles})
    if invited:
        lines.append(
            _("Externa parter som bjuds in: %(p)s.") % {"p": ", ".join(o.name for o in invited)}
        )
    if case.state == CaseReferral.State.LATE:
        lines.append(_("Sen anmälan: ordföranden beslutar om ärendet tas upp."))
    return "\n".join(lines)


@transaction.atomic
def case_register(
    *,
    actor: Actor,
    patient: Patient,
    meeting: Meeting,
    question: str,
    background: str = "",
    wanted_roles: Iterable[str] = (),
    invited: Iterable[Organisation] = (),
    late_choice: str = LATE_NEXT,
    submission_key=None,
) -> CaseReferral:
    """Registers a case and journals it, signed by the registrant (the initiator documents).
    After the meeting's deadline the case goes to the next open meeting, or is marked late for
    the chair to decide, as the registrant chose."""
    if submission_key is not None:
        earlier = already_submitted(
            CaseReferral, submission_key, actor=actor, author_field="registrant"
        )
        if earlier is not None:
            return earlier
    if not CareRelation.objects.filter(patient=patient, unit=actor.unit).exists():
        raise ValidationError(
            _("Patienten har ingen vårdrelation vid %(unit)s.") % {"unit": actor.unit}
        )
    meeting = Meeting.objects.select_related("team").get(pk=meeting.pk, team__unit=actor.unit)
    question = (question or "").strip()
    if not question:
        raise ValidationError(
            {"question": _("Skriv frågeställningen: vad ska teamet ta ställning till?")}
        )
    if meeting.is_cancelled:
        raise ValidationError({"meeting": _("Mötet är inställt. Välj ett annat möte.")})
    if meeting.starts_at <= clock.now():
        raise ValidationError({"meeting": _("Mötet har redan varit. Välj ett kommande möte.")})
    state = CaseReferral.State.REGISTERED
    if deadline_of(meeting) <= clock.now():
        if late_choice == LATE_ASK_CHAIR:
            state = CaseReferral.State.LATE
        else:
            following = next_open_meeting(meeting.team, after=meeting.starts_at)
            if following is None:
                raise ValidationError(
                    {
                        "meeting": _(
                            "Sista anmälningsdag har passerat och det finns inget senare "
                            "möte att anmäla till. Välj sen anmälan, eller be samordnaren "
                            "lägga in fler möten."
                        )
                    }
                )
            meeting = following
    if (
        CaseReferral.objects.filter(meeting=meeting, patient=patient)
        .exclude(state=CaseReferral.State.WITHDRAWN)
        .exists()
    ):
        raise ValidationError(
            {
                "meeting": _("Patienten är redan anmäld till mötet %(when)s.")
                % {"when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")}
            }
        )
    last = CaseReferral.objects.filter(meeting=meeting).aggregate(m=Max("position"))["m"] or 0
    invited = list(invited)
    case = CaseReferral(
        unit=actor.unit,
        meeting=meeting,
        patient=patient,
        registrant=actor.user,
        registered_at=clock.now(),
        question=question,
        background=(background or "").strip(),
        wanted_roles=sorted(set(wanted_roles)),
        state=state,
        position=last + 1,
        minutes=meeting.team.default_case_minutes,
        submission_key=submission_key,
    )
    case.journal_entry = journal_entry_create(
        actor=actor,
        patient=patient,
        entry_type=EntryType.MBT_ANMALAN,
        text=_registration_text(case, invited),
    )
    case.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            save_by(actor, case)
    except IntegrityError:
        if submission_key is not None:
            earlier = CaseReferral.objects.filter(submission_key=submission_key).first()
            if earlier is not None:
                raise DuplicateSubmission(earlier) from None
        raise ValidationError({"meeting": _("Patienten är redan anmäld till det mötet.")}) from None
    case.invited.set(invited)
    return case


@transaction.atomic
def case_withdraw(*, actor: Actor, case: CaseReferral, reason: str) -> CaseReferral:
    current = case_locked(actor, case)
    if current.state == CaseReferral.State.WITHDRAWN:
        return current
    if not reason.strip():
        raise ValidationError({"reason": _("Ange varför ärendet tas bort från mötet.")})
    return moves.withdraw(actor, current, reason.strip())


@transaction.atomic
def case_decide_late(*, actor: Actor, case: CaseReferral, accept: bool) -> CaseReferral:
    """The chair's decision on a late registration: take it up, or move it to the next meeting.
    The meeting is locked first: a case leaves a meeting only under that meeting's lock."""
    current, _meeting = case_and_meeting_locked(actor, case)
    if current.state != CaseReferral.State.LATE:
        return current
    current.late_decided_by = actor.user
    current.state = CaseReferral.State.REGISTERED
    if not accept:
        following = next_open_meeting(current.meeting.team, after=current.meeting.starts_at)
        if following is None:
            raise ValidationError(_("Det finns inget senare möte att flytta ärendet till."))
        if (
            CaseReferral.objects.filter(meeting=following, patient=current.patient)
            .exclude(state=CaseReferral.State.WITHDRAWN)
            .exists()
        ):
            raise ValidationError(_("Patienten är redan anmäld till nästa möte."))
        current.meeting = following
        current.position = (
            CaseReferral.objects.filter(meeting=following).aggregate(m=Max("position"))["m"] or 0
        ) + 1
    current.version += 1
    save_by(actor, current)
    return current


@transaction.atomic
def case_move(*, actor: Actor, case: CaseReferral, direction: int) -> None:
    """Moves a case one step up (-1) or down (+1) in its meeting's order."""
    # Reordering rewrites the positions of every case of the meeting: the meeting first, then
    # its cases in id order (the one lock order), then sorted by position here.
    current, meeting = case_and_meeting_locked(actor, case)
    siblings = cases_locked(
        CaseReferral.objects.filter(meeting=meeting).exclude(state=CaseReferral.State.WITHDRAWN)
    )
    siblings.sort(key=lambda sibling: (sibling.position, sibling.pk))
    index = next((i for i, c in enumerate(siblings) if c.pk == current.pk), None)
    if index is None:
        return  # withdrawn since the page was loaded
    target = index + (1 if direction > 0 else -1)
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            save_by(actor, sibling, update_fields=["position"])


@transaction.atomic
def case_set_minutes(*, actor: Actor, case: CaseReferral, minutes: int) -> CaseReferral:
    current = case_locked(actor, case)
    if not 1 <= minutes <= 120:
        raise ValidationError({"minutes": _("Ange mellan 1 och 120 minuter.")})
    current.minutes = minutes
    save_by(actor, current, update_fields=["minutes"])
    return current


@transaction.atomic
def preparation_toggle(*, actor: Actor, case: CaseReferral) -> bool:
    """Marks the actor as prepared for the case (has read the journal), or unmarks. Returns the
    new state."""
    current = case_locked(actor, case)
    existing = list(Preparation.objects.filter(case=current, user=actor.user))
    if existing:
        for preparation in existing:
            # The history's "-" record names who unmarked it.
            preparation._history_user = actor.user
            preparation.delete()
        return False
    preparation = Preparation(case=current, user=actor.user, prepared_at=clock.now())
    preparation.full_clean()
    save_by(actor, preparation)
    return True


@transaction.atomic
def participation_set(
    *, actor: Actor, meeting: Meeting, member: TeamMember, mode: str
) -> Participation:
    meeting = Meeting.objects.get(pk=meeting.pk, team__unit=actor.unit)
    if member.team_id != meeting.team_id:
        raise ValidationError(_("Personen är inte med i teamet."))
    if mode not in Participation.Mode.values:
        raise ValidationError(_("Välj på plats, digitalt eller kan inte delta."))
    participation, _created = Participation.objects.select_for_update(of=("self",)).get_or_create(
        meeting=meeting, member=member, defaults={"mode": mode}
    )
    if participation.mode != mode:
        participation.mode = mode
        save_by(actor, participation)
    return participation


# --- Calendar -----------------------------------------------------------------------------------


@transaction.atomic
def calendar_token_renew(*, user: User) -> str:
    """A new secret for the user's calendar feed; earlier links stop working. The secret is
    returned once and only its hash is kept."""
    CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    secret = CalendarToken.new_secret()
    CalendarToken.objects.create(user=user, token_hash=CalendarToken.hash(secret))
    return secret


@transaction.atomic
def calendar_token_revoke(*, user: User) -> int:
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )


# The conference's writes, and moving cases on from a meeting that is over, live in modules of
# their own; `from mbt import services` gives all.
from mbt.services.conference import (  # noqa: E402, F401
    action_item_add,
    action_item_done,
    addendum_add,
    attendance_modes,
    attendance_set,
    case_postpone,
    conference_text,
    discussion_save,
    feedback_reassign,
    feedback_record,
    meeting_close,
    missing_present_roles,
    tasks_reassign_all,
)
from mbt.services.moves import case_to_next_meeting, notices_seen  # noqa: E402, F401
