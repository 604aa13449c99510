"""Where a case stands, in one place: the start page, the MBT pages, the patient page, the agenda
PDF, the messages after a change and the e-mails all say it from here, so they never contradict
each other.

A case is anmält, sen anmälan, väntar på samtycke, har lämnat dagordningen (with the reason),
bordlagt, diskuterat, återkopplat or återtaget. The consent gate is evaluated here, from the
patient's consents as they are now (never stored), for the meeting's day: when anyone outside
the unit's vårdgivare takes part, a case needs a valid consent to MBT discussion; a consent that
ended after the case was registered takes it off the agenda, otherwise it waits.

Nothing here reads or writes the access log: the selector that shows the cases does."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consent import rules
from consent.models import Consent, Scope
from mbt.models import CaseReferral, Meeting, Postponement, TeamMember

# The consent gate's answers (CaseOnAgenda.gate).
GATE_OK = "ok"
GATE_WAITING = "samtycke_saknas"
GATE_LEFT = "lamnat"


class State:
    REGISTERED = "anmalt"
    LATE = "sen"
    WAITING = "vantar"
    LEFT = "lamnat"
    POSTPONED = "bordlagt"
    DISCUSSED = "diskuterat"
    FED_BACK = "aterkopplat"
    WITHDRAWN = "atertaget"
    # Only for cases left on a closed or cancelled meeting before meetings moved their cases.
    NO_MEETING = "utan_mote"


LABELS = {
    State.REGISTERED: gettext_lazy("anmält"),
    State.LATE: gettext_lazy("sen anmälan, ordföranden beslutar"),
    State.WAITING: gettext_lazy("väntar på samtycke"),
    State.LEFT: gettext_lazy("har lämnat dagordningen"),
    State.POSTPONED: gettext_lazy("bordlagt"),
    State.DISCUSSED: gettext_lazy("diskuterat, återkoppling väntar"),
    State.FED_BACK: gettext_lazy("diskuterat och återkopplat"),
    State.WITHDRAWN: gettext_lazy("återtaget"),
    State.NO_MEETING: gettext_lazy("behöver ett nytt möte"),
}
# How the state is marked on a page: badge--ok, badge--warn, badge--danger or plain.
TONES = {
    State.REGISTERED: "ok",
    State.LATE: "warn",
    State.WAITING: "warn",
    State.LEFT: "danger",
    State.POSTPONED: "warn",
    State.DISCUSSED: "",
    State.FED_BACK: "ok",
    State.WITHDRAWN: "",
    State.NO_MEETING: "danger",
}


# --- The consent gate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GateAnswer:
    gate: str  # GATE_OK, GATE_WAITING or GATE_LEFT
    reason: str
    consent_needed: bool
    covered_for_external: bool  # the external agenda may show it
    need_reason: str = ""  # who takes part that makes consent needed, or why it is not


def external_parties(team_id: int) -> list[rules.Party]:
    """The team's current external members as consent-rule parties. (External members hold no
    assignment at the unit: ended_on alone says whether they are current.)"""
    members = TeamMember.objects.filter(
        team_id=team_id, ended_on__isnull=True, organisation__isnull=False
    ).select_related("organisation__vardgivare")
    return [rules.organisation_party(m.organisation) for m in members]


def consents_by_patient(unit, patient_ids: Iterable[int]) -> dict[int, list[Consent]]:
    by_patient: dict[int, list[Consent]] = defaultdict(list)
    for consent in Consent.objects.filter(
        unit=unit, patient_id__in=set(patient_ids), scope=Scope.MBT
    ).select_related("party"):
        by_patient[consent.patient_id].append(consent)
    return by_patient


def gates(
    cases: Sequence[CaseReferral],
    *,
    unit,
    member_parties: list[rules.Party] | None = None,
    consents: dict[int, list[Consent]] | None = None,
) -> dict[int, GateAnswer]:
    """The consent gate for each case, on its meeting's day. The cases' `invited` organisations
    are fetched here if the caller has not; one query for the consents, one for the team."""
    if not cases:
        return {}
    prefetch_related_objects(list(cases), "invited__vardgivare")
    if member_parties is None:
        # All cases of a unit are its one team's.
        member_parties = external_parties(cases[0].meeting.team_id)
    if consents is None:
        consents = consents_by_patient(unit, [c.patient_id for c in cases])
    vardgivare = unit.vardgivare
    answers = {}
    for case in cases:
        parties = member_parties + [rules.organisation_party(o) for o in case.invited.all()]
        need = rules.consent_needed(vardgivare=vardgivare, parties=parties)
        patient_consents = consents.get(case.patient_id, [])
        meeting_day = timezone.localtime(case.meeting.starts_at).date()
        cover = rules.coverage(patient_consents, scope=Scope.MBT, on=meeting_day)
        gate = GATE_OK
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
            gate = GATE_LEFT if lost else GATE_WAITING
        answers[case.pk] = GateAnswer(
            gate=gate,
            reason=need.reason if not need.needed else cover.reason,
            consent_needed=need.needed,
            covered_for_external=cover.covered,
            need_reason=need.reason,
        )
    return answers


# --- The state ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseStatus:
    state: str
    meeting: Meeting
    reason: str = ""
    # The move that brought the case to its meeting, if one did (postponed, or moved when a
    # meeting was closed or cancelled).
    moved: Postponement | None = None
    # Whether consent is needed for the meeting, and why (who takes part).
    consent_reason: str = ""

    @property
    def label(self) -> str:
        return str(LABELS[self.state])

    @property
    def tone(self) -> str:
        return TONES[self.state]

    @property
    def needs_consent(self) -> bool:
        return self.state in (State.WAITING, State.LEFT)

    @property
    def moved_note(self) -> str:
        """ "flyttat från mötet 2026-12-10: mötet ställdes in" for a case a meeting moved."""
        if self.moved is None or self.state == State.POSTPONED:
            return ""
        return _("flyttat från mötet %(day)s: %(why)s") % {
            "day": _day(self.moved.from_meeting),
            "why": self.moved.get_cause_display().lower(),
        }

    @property
    def sentence(self) -> str:
        """One sentence that says where the case stands, for messages and the case page."""
        day = _day(self.meeting)
        text = {
            State.REGISTERED: _("Ärendet står på dagordningen till mötet %(day)s."),
            State.LATE: _(
                "Ärendet är en sen anmälan till mötet %(day)s: ordföranden beslutar om det tas upp."
            ),
            State.WAITING: _(
                "Ärendet väntar på samtycke och tas inte upp på mötet %(day)s förrän det finns. "
                "%(reason)s"
            ),
            State.LEFT: _("Ärendet har lämnat dagordningen till mötet %(day)s. %(reason)s"),
            State.POSTPONED: _("Ärendet är bordlagt till mötet %(day)s: %(reason)s"),
            State.DISCUSSED: _(
                "Ärendet diskuterades på mötet %(day)s. Återkopplingen till patienten väntar."
            ),
            State.FED_BACK: _(
                "Ärendet diskuterades på mötet %(day)s och patienten har fått återkoppling."
            ),
            State.WITHDRAWN: _("Ärendet är återtaget. %(reason)s"),
            State.NO_MEETING: _(
                "Mötet %(day)s är %(how)s utan att ärendet togs upp. Flytta det till nästa möte "
                "eller ta bort det."
            ),
        }[self.state]
        how = _("inställt") if self.meeting.is_cancelled else _("avslutat")
        return (text % {"day": day, "reason": self.reason, "how": how}).strip()


def _day(meeting: Meeting) -> str:
    return timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d")


def status_of(
    case: CaseReferral,
    *,
    gate: GateAnswer | None,
    moved: Postponement | None = None,
    fed_back: bool = False,
) -> CaseStatus:
    """The state of one case from what is known of it. `gate` may be None for a case that has
    been discussed or withdrawn (it is not asked)."""
    meeting = case.meeting
    if case.state == CaseReferral.State.WITHDRAWN:
        return CaseStatus(State.WITHDRAWN, meeting, case.withdrawn_reason)
    if case.state == CaseReferral.State.DISCUSSED:
        return CaseStatus(State.FED_BACK if fed_back else State.DISCUSSED, meeting, moved=moved)
    if meeting.status != Meeting.Status.PLANNED:
        return CaseStatus(State.NO_MEETING, meeting, moved=moved)
    why = gate.need_reason if gate is not None else ""
    if gate is not None and gate.gate == GATE_LEFT:
        return CaseStatus(State.LEFT, meeting, gate.reason, moved, why)
    if gate is not None and gate.gate == GATE_WAITING:
        return CaseStatus(State.WAITING, meeting, gate.reason, moved, why)
    if case.state == CaseReferral.State.LATE:
        return CaseStatus(State.LATE, meeting, moved=moved, consent_reason=why)
    if moved is not None and moved.cause == Postponement.Cause.POSTPONED:
        return CaseStatus(State.POSTPONED, meeting, moved.reason, moved, why)
    return CaseStatus(State.REGISTERED, meeting, gate.reason if gate else "", moved, why)


def moves_into_current_meeting(cases: Sequence[CaseReferral]) -> dict[int, Postponement]:
    """For each case, the latest move that brought it to the meeting it is on now."""
    if not cases:
        return {}
    meeting_of = {case.pk: case.meeting_id for case in cases}
    moves = {}
    for move in (
        Postponement.objects.filter(case_id__in=meeting_of)
        .select_related("from_meeting")
        .order_by("at", "pk")
    ):
        if move.to_meeting_id == meeting_of[move.case_id]:
            moves[move.case_id] = move
    return moves


def statuses(cases: Sequence[CaseReferral], *, unit) -> dict[int, CaseStatus]:
    """The status of each case (of one unit), in a fixed number of queries however many cases:
    their moves, feedback tasks and, for the undecided ones, the consent gate."""
    cases = list(cases)
    prefetch_related_objects(cases, "meeting")
    open_cases = [
        c
        for c in cases
        if c.state not in (CaseReferral.State.WITHDRAWN, CaseReferral.State.DISCUSSED)
        and c.meeting.status == Meeting.Status.PLANNED
    ]
    answers = gates(open_cases, unit=unit)
    moves = moves_into_current_meeting(cases)
    discussed = [c.pk for c in cases if c.state == CaseReferral.State.DISCUSSED]
    fed_back = set(
        CaseReferral.objects.filter(
            pk__in=discussed, feedback_task__done_at__isnull=False
        ).values_list("pk", flat=True)
        if discussed
        else ()
    )
    return {
        case.pk: status_of(
            case, gate=answers.get(case.pk), moved=moves.get(case.pk), fed_back=case.pk in fed_back
        )
        for case in cases
    }
