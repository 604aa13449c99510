"""Writes for running an MBT meeting: attendance, the autosaved discussion of each case,
action items, postponement, closing the meeting (draft conference entries and feedback tasks in
one transaction), feedback to the patient, reassignment and addenda to closed minutes. Rows are
locked in the order mbt/services/locks.py describes: the meeting, then its cases, then what
belongs to a case."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import clock
from journal.accesslog import Actor
from journal.models import EntryType
from journal.services import (
    ConflictError,
    already_submitted,
    journal_draft_reassign,
    journal_entry_create,
    journal_entry_sign,
    save_by,
)
from journal.workdays import add_working_days
from mbt import status as case_status
from mbt.models import (
    REQUIRED_ROLES,
    ActionItem,
    Addendum,
    Attendance,
    CaseReferral,
    Discussion,
    FeedbackTask,
    MbtRole,
    Meeting,
    Outcome,
    Participation,
    Postponement,
    TeamMember,
)
from mbt.services import moves
from mbt.services.locks import case_and_meeting_locked, cases_locked, meeting_locked


def _check_open(meeting: Meeting) -> Meeting:
    if meeting.is_closed:
        raise ValidationError(_("Mötet är avslutat. Rättelser görs som tillägg till protokollet."))
    if meeting.is_cancelled:
        raise ValidationError(_("Mötet är inställt."))
    return meeting


def _open_meeting(actor: Actor, meeting: Meeting) -> Meeting:
    return _check_open(meeting_locked(actor, meeting.pk))


# --- Attendance ---------------------------------------------------------------------------------


def attendance_modes(meeting: Meeting, members: Iterable[TeamMember]) -> dict[int, str]:
    """Recorded attendance, or what the member said beforehand (absent if they said so)."""
    recorded = dict(Attendance.objects.filter(meeting=meeting).values_list("member_id", "mode"))
    expected = dict(Participation.objects.filter(meeting=meeting).values_list("member_id", "mode"))
    modes = {}
    for member in members:
        if member.pk in recorded:
            modes[member.pk] = recorded[member.pk]
        elif expected.get(member.pk) == Participation.Mode.AWAY:
            modes[member.pk] = Attendance.Mode.ABSENT
        elif expected.get(member.pk) == Participation.Mode.DIGITAL:
            modes[member.pk] = Attendance.Mode.DIGITAL
        else:
            modes[member.pk] = Attendance.Mode.ON_SITE
    return modes


def missing_present_roles(members: Iterable[TeamMember], modes: dict[int, str]) -> list[str]:
    """Required roles with no one present (on site or digitally)."""
    present = set()
    for member in members:
        if modes.get(member.pk) != Attendance.Mode.ABSENT:
            present.add(member.role)
            if member.user_id and member.user.profession in ("kurator", "psykolog"):
                present.add(MbtRole.SAMTALSMOTTAGNING)
    return [str(MbtRole(role).label) for role in REQUIRED_ROLES if role not in present]


@transaction.atomic
def attendance_set(*, actor: Actor, meeting: Meeting, member: TeamMember, mode: str) -> Attendance:
    current = _open_meeting(actor, meeting)
    if member.team_id != current.team_id:
        raise ValidationError(_("Personen är inte med i teamet."))
    if mode not in Attendance.Mode.values:
        raise ValidationError(_("Välj på plats, digitalt eller frånvarande."))
    attendance, _created = Attendance.objects.get_or_create(
        meeting=current, member=member, defaults={"mode": mode}
    )
    if attendance.mode != mode:
        attendance.mode = mode
        save_by(actor, attendance)
    return attendance


# --- The discussion of a case -------------------------------------------------------------------

SUMMARY_MAX_LENGTH = 20_000
REFERRAL_OTHER_MAX_LENGTH = 200


def _too_long(what: str, length: int, limit: int) -> str:
    """Refused, never cut: the text stays on the chair's page."""

    def spaced(n: int) -> str:
        return f"{n:,}".replace(",", "\u00a0")

    return _(
        "%(what)s är %(length)s tecken lång, högst %(limit)s får plats. Korta texten; inget "
        "har tagits bort."
    ) % {"what": what, "length": spaced(length), "limit": spaced(limit)}


@transaction.atomic
def discussion_save(
    *,
    actor: Actor,
    case: CaseReferral,
    summary: str,
    outcomes: Iterable[str],
    referral_other: str = "",
    version: int,
) -> Discussion:
    """Autosave: stores what the chair has typed so far. version is what the page last saw; if
    someone else saved since, ConflictError carries their version and nothing is overwritten."""
    errors = {}
    if len(summary) > SUMMARY_MAX_LENGTH:
        errors["summary"] = _too_long(_("Sammanfattningen"), len(summary), SUMMARY_MAX_LENGTH)
    if len(referral_other.strip()) > REFERRAL_OTHER_MAX_LENGTH:
        errors["referral_other"] = _too_long(
            _("Remissmottagaren"), len(referral_other.strip()), REFERRAL_OTHER_MAX_LENGTH
        )
    if errors:
        raise ValidationError(errors)
    current_case, meeting = case_and_meeting_locked(actor, case)
    _check_open(meeting)
    outcomes = [o for o in dict.fromkeys(outcomes) if o in Outcome.values]
    if Outcome.INGEN_ATGARD in outcomes and len(outcomes) > 1:
        raise ValidationError(
            {"outcomes": _('"Ingen åtgärd" kan inte kombineras med andra utfall.')}
        )
    discussion = (
        Discussion.objects.select_for_update(of=("self",)).filter(case=current_case).first()
    )
    if discussion is None:
        if version != 0:
            raise ConflictError(None)
        discussion = Discussion(case=current_case, saved_by=actor.user, version=0)
    elif discussion.version != version:
        raise ConflictError(discussion)
    discussion.summary = summary
    discussion.outcomes = outcomes
    discussion.referral_other = referral_other.strip() if Outcome.REMISS_ANNAN in outcomes else ""
    discussion.saved_at = clock.now()
    discussion.saved_by = actor.user
    discussion.version += 1
    save_by(actor, discussion)
    return discussion


@transaction.atomic
def action_item_add(
    *,
    actor: Actor,
    case: CaseReferral,
    what: str,
    owner: User,
    due_on: datetime.date,
    submission_key=None,
) -> ActionItem:
    """An action item on a case of an open meeting. With a submission_key, sending the same
    form twice adds one item."""
    if submission_key is not None:
        earlier = already_submitted(
            ActionItem,
            submission_key,
            actor=actor,
            author_field="created_by",
            unit_field="case__unit",
        )
        if earlier is not None:
            return earlier
    current, meeting = case_and_meeting_locked(actor, case)
    _check_open(meeting)
    errors = {}
    if not what.strip():
        errors["what"] = _("Skriv vad som ska göras.")
    if due_on < clock.today():
        errors["due_on"] = _("Datumet har redan passerat.")
    if not owner.assignments.current().filter(unit=actor.unit).exists():
        errors["owner"] = _("Ansvarig ska vara en medarbetare vid enheten.")
    if errors:
        raise ValidationError(errors)
    item = ActionItem(
        case=current,
        what=what.strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor.user,
        created_at=clock.now(),
        submission_key=submission_key,
    )
    item.full_clean(validate_unique=False)
    return _save_once(actor, item, submission_key)


def _save_once(actor: Actor, record, submission_key):
    """Saves a record that carries a one-time submission_key. Two sendings of one form at the
    same moment both pass already_submitted; the database's unique key stops the second, which
    then answers with what the first wrote."""
    try:
        with transaction.atomic():
            save_by(actor, record)
    except IntegrityError:
        earlier = type(record).objects.filter(submission_key=submission_key).first()
        if submission_key is None or earlier is None:
            raise
        return earlier
    return record


@transaction.atomic
def action_item_done(*, actor: Actor, item: ActionItem) -> ActionItem:
    current = ActionItem.objects.select_for_update(of=("self",)).get(
        pk=item.pk, case__unit=actor.unit
    )
    if current.done_at is None:
        current.done_at = clock.now()
        save_by(actor, current)
    return current


@transaction.atomic
def case_postpone(*, actor: Actor, case: CaseReferral, reason: str) -> CaseReferral:
    """Bordlägg: the case moves to the next planned meeting with its discussion so far, action
    items and the reason."""
    current, meeting = case_and_meeting_locked(actor, case)
    _check_open(meeting)
    if not reason.strip():
        raise ValidationError({"reason": _("Ange varför ärendet bordläggs.")})
    following = (
        Meeting.objects.filter(
            team=meeting.team, status=Meeting.Status.PLANNED, starts_at__gt=meeting.starts_at
        )
        .order_by("starts_at")
        .first()
    )
    if following is None:
        raise ValidationError(_("Det finns inget senare möte. Planera fler möten först."))
    if (
        CaseReferral.objects.filter(meeting=following, patient=current.patient)
        .exclude(state=CaseReferral.State.WITHDRAWN)
        .exclude(pk=current.pk)
        .exists()
    ):
        raise ValidationError(_("Patienten är redan anmäld till nästa möte."))
    postponement = Postponement(
        case=current,
        from_meeting=meeting,
        to_meeting=following,
        reason=reason.strip(),
        by=actor.user,
        at=clock.now(),
    )
    postponement.full_clean()
    save_by(actor, postponement)
    current.meeting = following
    current.position = (
        CaseReferral.objects.filter(meeting=following).aggregate(m=Max("position"))["m"] or 0
    ) + 1
    current.version += 1
    save_by(actor, current)
    return current


# --- Closing the meeting ------------------------------------------------------------------------


# Roles that name an organisation rather than a profession: the organisation itself is named.
_ORGANISATION_ROLES = (MbtRole.FK, MbtRole.AF, MbtRole.SOCIALTJANST)


def _participant(member: TeamMember) -> str:
    """How one participant is named in the conference entry: the profession, or for an external
    member the organisation once ("Försäkringskassan", "fysioterapeut från Fysiokliniken AB")."""
    if member.is_external:
        organisation = member.organisation.name
        if member.role in _ORGANISATION_ROLES:
            return organisation
        return _("%(role)s från %(organisation)s") % {
            "role": str(MbtRole(member.role).label).lower(),
            "organisation": organisation,
        }
    if member.role == MbtRole.SAMTALSMOTTAGNING and member.user.profession in (
        "kurator",
        "psykolog",
    ):
        return member.user.get_profession_display().lower()
    return str(MbtRole(member.role).label).lower()


def _participants_text(members, modes) -> str:
    """The participants, comma-separated, one entry each. How someone took part is said in
    brackets after them, so "digitalt" is never read as a participant of its own."""
    parts = []
    for member in members:
        mode = modes.get(member.pk)
        if mode == Attendance.Mode.ABSENT:
            continue
        notes = []
        if member.is_external:
            notes.append(_("extern"))
        if mode == Attendance.Mode.DIGITAL:
            notes.append(_("digitalt"))
        name = _participant(member)
        parts.append(f"{name} ({' och '.join(notes)})" if notes else name)
    return ", ".join(parts)


def conference_text(case: CaseReferral, discussion: Discussion, participants: str, items) -> str:
    day = timezone.localtime(case.meeting.starts_at).strftime("%Y-%m-%d")
    lines = [
        _("MBT-konferens %(day)s.") % {"day": day},
        _("Deltagare: %(who)s.") % {"who": participants},
        _("Frågeställning: %(q)s") % {"q": case.question},
    ]
    if discussion.summary.strip():
        lines.append(_("Diskussion: %(s)s") % {"s": discussion.summary.strip()})
    lines.append(_("Utfall: %(o)s.") % {"o": "; ".join(discussion.outcome_labels).lower()})
    if items:
        lines.append(
            _("Åtgärder: %(a)s.")
            % {
                "a": "; ".join(
                    f"{i.what} ({i.owner.display_name}, senast {i.due_on.isoformat()})"
                    for i in items
                )
            }
        )
    return "\n".join(lines)


def _closing_causes(cases, discussions, actor: Actor):
    """Splits the meeting's cases into those discussed (an outcome is set) and those that move
    on, each with why. A case discussed without an outcome is neither: the chair decides."""
    answers = case_status.gates(cases, unit=actor.unit)
    discussed, causes, undecided = [], {}, []
    for case in cases:
        answer = answers[case.pk]
        discussion = discussions.get(case.pk)
        if answer.gate == case_status.GATE_LEFT:
            causes[case.pk] = Postponement.Cause.LEFT
        elif answer.gate == case_status.GATE_WAITING:
            causes[case.pk] = Postponement.Cause.WAITING
        elif case.state == CaseReferral.State.LATE:
            causes[case.pk] = Postponement.Cause.LATE
        elif discussion is not None and discussion.outcomes:
            discussed.append(case)
        elif discussion is not None and discussion.summary.strip():
            undecided.append(case)
        else:
            causes[case.pk] = Postponement.Cause.NOT_REACHED
    return discussed, causes, undecided


def closes_from(meeting: Meeting) -> datetime.datetime:
    """A meeting can be closed from the moment it starts, not before: closing records who was
    there and what was decided, and the registrants' feedback runs from the meeting's day."""
    return meeting.starts_at


@transaction.atomic
def meeting_close(*, actor: Actor, meeting: Meeting) -> Meeting:
    """Locks the meeting and, all or nothing: records attendance; for every discussed case (one
    with an outcome) a draft MBT-konferens entry for its registrant (who documents, per the
    routine) and a task to sign it and give the patient feedback within the team's working days;
    and moves every case it did not discuss to the next open meeting, telling the registrants
    (mbt/services/moves.py). Refused before the meeting has started."""
    current = _open_meeting(actor, meeting)
    if clock.now() < closes_from(current):
        raise ValidationError(
            _("Mötet kan avslutas först när det har börjat, %(when)s.")
            % {"when": timezone.localtime(closes_from(current)).strftime("%Y-%m-%d kl. %H:%M")}
        )
    team = current.team
    from mbt.selectors import current_members

    members = list(current_members(team).select_related("user", "organisation"))
    modes = attendance_modes(current, members)
    chair_member = next(
        (m for m in members if current.chair_id and m.user_id == current.chair_id), None
    )
    if (
        chair_member is not None
        and modes.get(chair_member.pk) == Attendance.Mode.ABSENT
        and current.acting_chair_id is None
    ):
        raise ValidationError(
            _("Ordföranden är frånvarande: ange vem som var t.f. ordförande innan mötet avslutas.")
        )
    cases = cases_locked(
        CaseReferral.objects.filter(
            meeting=current,
            state__in=[CaseReferral.State.REGISTERED, CaseReferral.State.LATE],
        ).select_related("registrant", "patient")
    )
    cases.sort(key=lambda case: (case.position, case.pk))
    for case in cases:
        case.meeting = current
    discussions = {d.case_id: d for d in Discussion.objects.filter(case__in=cases)}
    discussed, causes, undecided = _closing_causes(cases, discussions, actor)
    if undecided:
        names = ", ".join(c.patient.full_name for c in undecided)
        raise ValidationError(_("Ange utfall eller bordlägg först: %(names)s.") % {"names": names})
    for member in members:
        Attendance.objects.update_or_create(
            meeting=current, member=member, defaults={"mode": modes[member.pk]}
        )
    participants = _participants_text(members, modes)
    due_on = add_working_days(
        timezone.localtime(current.starts_at).date(), team.feedback_working_days
    )
    items_by_case: dict[int, list[ActionItem]] = {}
    for item in ActionItem.objects.filter(case__in=discussed).select_related("owner"):
        items_by_case.setdefault(item.case_id, []).append(item)
    for case in discussed:
        entry = journal_entry_create(
            actor=actor,
            patient=case.patient,
            entry_type=EntryType.MBT_KONFERENS,
            text=conference_text(
                case, discussions[case.pk], participants, items_by_case.get(case.pk, [])
            ),
            sign=False,
            author=case.registrant,
        )
        FeedbackTask.objects.create(
            case=case, owner=case.registrant, due_on=due_on, conference_entry=entry
        )
        case.state = CaseReferral.State.DISCUSSED
        case.version += 1
        save_by(actor, case, update_fields=["state", "version"])
    moving = [case for case in cases if case.pk in causes]
    moves.move_cases(actor=actor, meeting=current, cases=moving, causes=causes)
    current.status = Meeting.Status.CLOSED
    current.closed_at = clock.now()
    current.closed_by = actor.user
    current.version += 1
    current.full_clean()
    save_by(actor, current)
    return current


# --- Feedback to the patient ----------------------------------------------------------------------


@transaction.atomic
def feedback_record(
    *, actor: Actor, task: FeedbackTask, method: str, given_on: datetime.date, said: str
) -> FeedbackTask:
    """Återkoppling: signs the conference entry (if still a draft) and journals what the patient
    was told, signed by the one who told them. Only the task's owner records it."""
    current = (
        FeedbackTask.objects.select_for_update(of=("self",))
        .select_related("case__patient", "conference_entry")
        .get(pk=task.pk, case__unit=actor.unit)
    )
    if current.done_at is not None:
        return current
    if current.owner_id != actor.user.pk:
        raise ValidationError(_("Bara den som har uppgiften registrerar återkopplingen."))
    errors = {}
    if method not in FeedbackTask.Method.values:
        errors["method"] = _("Välj hur patienten fick återkopplingen.")
    if given_on > clock.today():
        errors["given_on"] = _("Datumet kan inte ligga i framtiden.")
    if given_on < timezone.localtime(current.case.meeting.starts_at).date():
        errors["given_on"] = _("Återkopplingen kan inte ha getts före mötet.")
    if not said.strip():
        errors["said"] = _("Skriv vad patienten fick veta.")
    if errors:
        raise ValidationError(errors)
    if not current.conference_entry.is_signed:
        current.conference_entry = journal_entry_sign(actor=actor, entry=current.conference_entry)
    method_label = str(FeedbackTask.Method(method).label).lower()
    current.feedback_entry = journal_entry_create(
        actor=actor,
        patient=current.case.patient,
        entry_type=EntryType.ATERKOPPLING,
        text=_("Återkoppling efter MBT %(day)s, %(how)s %(when)s. %(said)s")
        % {
            "day": timezone.localtime(current.case.meeting.starts_at).strftime("%Y-%m-%d"),
            "how": method_label,
            "when": given_on.isoformat(),
            "said": said.strip(),
        },
    )
    current.method = method
    current.given_on = given_on
    current.said = said.strip()
    current.done_at = clock.now()
    current.done_by = actor.user
    current.full_clean()
    save_by(actor, current)
    return current


def _check_colleague(actor: Actor, user: User) -> None:
    if not user.assignments.current().filter(unit=actor.unit).exists():
        raise ValidationError({"owner": _("Välj en medarbetare med uppdrag vid enheten.")})


@transaction.atomic
def feedback_reassign(*, actor: Actor, task: FeedbackTask, owner: User) -> FeedbackTask:
    current = (
        FeedbackTask.objects.select_for_update(of=("self",))
        .select_related("conference_entry")
        .get(pk=task.pk, case__unit=actor.unit)
    )
    if current.done_at is not None:
        raise ValidationError(_("Återkopplingen är redan gjord."))
    _check_colleague(actor, owner)
    if current.owner_id == owner.pk:
        return current
    current.owner = owner
    save_by(actor, current)
    if not current.conference_entry.is_signed:
        journal_draft_reassign(actor=actor, entry=current.conference_entry, author=owner)
    return current


@transaction.atomic
def tasks_reassign_all(*, actor: Actor, from_user: User, to_user: User) -> tuple[int, int]:
    """Moves every open feedback task and action item at the unit from one person to another, in
    one step (someone leaves or is away). Returns (tasks, action items) moved."""
    if from_user.pk == to_user.pk:
        raise ValidationError({"to_user": _("Välj en annan medarbetare.")})
    _check_colleague(actor, to_user)
    tasks = list(
        FeedbackTask.objects.select_for_update(of=("self",))
        .filter(case__unit=actor.unit, owner=from_user, done_at__isnull=True)
        .select_related("conference_entry")
    )
    for task in tasks:
        feedback_reassign(actor=actor, task=task, owner=to_user)
    items = list(
        ActionItem.objects.select_for_update(of=("self",)).filter(
            case__unit=actor.unit, owner=from_user, done_at__isnull=True
        )
    )
    for item in items:
        item.owner = to_user
        save_by(actor, item)
    return len(tasks), len(items)


@transaction.atomic
def addendum_add(*, actor: Actor, meeting: Meeting, text: str, submission_key=None) -> Addendum:
    """An addendum to closed minutes. With a submission_key, sending the same form twice adds
    one."""
    if submission_key is not None:
        earlier = already_submitted(
            Addendum,
            submission_key,
            actor=actor,
            author_field="author",
            unit_field="meeting__team__unit",
        )
        if earlier is not None:
            return earlier
    current = meeting_locked(actor, meeting.pk)
    if not current.is_closed:
        raise ValidationError(_("Tillägg görs till protokollet när mötet är avslutat."))
    if not text.strip():
        raise ValidationError({"text": _("Skriv tillägget.")})
    addendum = Addendum(
        meeting=current,
        text=text.strip(),
        author=actor.user,
        created_at=clock.now(),
        submission_key=submission_key,
    )
    addendum.full_clean(validate_unique=False)
    return _save_once(actor, addendum, submission_key)
