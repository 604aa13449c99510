"""MBT pages: overview, team, meeting series, the meeting and its agenda, case registration,
agenda PDFs, calendar files and the personal calendar feed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import unit_required
from accounts.models import Profession, Role
from config.htmx import render_page, wants_partial
from config.pdf import pdf_response, render_pdf
from consent import services as consent_services
from consent.forms import ConsentGiveForm
from consent.models import Scope
from core import clock, screen_sharing
from journal import selectors as journal_selectors
from journal.accesslog import Action, Actor, log_access, printout
from journal.services import DuplicateSubmission
from journal.views import form_errors_to
from mbt import calendar, schedule, selectors, services
from mbt import status as case_status
from mbt.forms import (
    CancelMeetingForm,
    ChairForm,
    ExternalMemberForm,
    InternalMemberForm,
    MoveMeetingForm,
    ParticipationForm,
    RegisterCaseForm,
    SeriesForm,
    TeamSettingsForm,
    WithdrawForm,
    meeting_start,
)
from mbt.models import CalendarToken, CaseReferral, Meeting, Postponement, TeamMember


def can_plan(request: HttpRequest) -> bool:
    """Planning the team and its meetings: the coordinator, administrators and managers."""
    return bool(
        request.active_roles & {Role.ADMINISTRATION, Role.MANAGER}
        or request.user.profession == Profession.REHABKOORDINATOR
    )


def _require_planner(request: HttpRequest) -> None:
    if not can_plan(request):
        raise PermissionDenied


def _can_chair(request: HttpRequest, meeting: Meeting) -> bool:
    return can_plan(request) or request.user.pk in (meeting.chair_id, meeting.acting_chair_id)


@unit_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    overview = selectors.team_overview(actor=actor)
    team = overview["team"]
    return render(
        request,
        "mbt/index.html",
        {
            **overview,
            "meetings": [
                {
                    "meeting": m,
                    "deadline": services.deadline_of(m, team),
                    "holiday": schedule.holiday_of(m.starts_at),
                }
                for m in selectors.upcoming_meetings(team)
            ],
            "past": selectors.past_meetings(team),
            "my_cases": selectors.my_cases(actor=actor),
            "can_plan": can_plan(request),
            "now": clock.now(),
        },
    )


# --- Team ---------------------------------------------------------------------------------------


@unit_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    overview = selectors.team_overview(actor=actor)
    planner = can_plan(request)
    settings_form = TeamSettingsForm(instance=overview["team"])
    internal_form = InternalMemberForm(unit=actor.unit)
    external_form = ExternalMemberForm()
    status = 200
    if request.method == "POST":
        _require_planner(request)
        action = request.POST.get("action")
        try:
            if action == "settings":
                settings_form = TeamSettingsForm(request.POST, instance=overview["team"])
                if settings_form.is_valid():
                    data = dict(settings_form.cleaned_data.items())
                    services.team_update(actor=actor, **data)
                    messages.success(request, _("Teamets rutiner är sparade."))
                    return redirect("mbt:team")
            elif action == "internal":
                internal_form = InternalMemberForm(request.POST, unit=actor.unit)
                if internal_form.is_valid():
                    services.member_add_internal(actor=actor, **internal_form.cleaned_data)
                    messages.success(request, _("Medlemmen är tillagd."))
                    return redirect("mbt:team")
            elif action == "external":
                external_form = ExternalMemberForm(request.POST)
                if external_form.is_valid():
                    services.member_add_external(actor=actor, **external_form.cleaned_data)
                    messages.success(request, _("Den externa medlemmen är tillagd."))
                    return redirect("mbt:team")
            elif action == "end":
                member = TeamMember.objects.filter(
                    pk=_int(request.POST.get("member")), team=overview["team"]
                ).first()
                if member is None:
                    raise Http404
                services.member_end(actor=actor, member=member)
                messages.success(
                    request,
                    _("%(name)s är inte längre med i teamet.") % {"name": member.display_name},
                )
                return redirect("mbt:team")
        except ValidationError as error:
            target = {
                "settings": settings_form,
                "internal": internal_form,
                "external": external_form,
            }
            form_errors_to(target.get(action, internal_form), error)
        status = 400
    return render(
        request,
        "mbt/team.html",
        {
            **overview,
            "can_plan": planner,
            "settings_form": settings_form,
            "internal_form": internal_form,
            "external_form": external_form,
        },
        status=status,
    )


def moved_message(meeting) -> str:
    """What closing or cancelling the meeting did with the cases it did not discuss."""
    moved = selectors.moved_from(meeting)
    if not moved:
        return ""
    when = timezone.localtime(moved[0].to_meeting.starts_at).strftime("%Y-%m-%d")
    return ngettext(
        "%(n)s ärende som inte togs upp är flyttat till mötet %(when)s; anmälaren har fått "
        "veta det.",
        "%(n)s ärenden som inte togs upp är flyttade till mötet %(when)s; anmälarna har fått "
        "veta det.",
        len(moved),
    ) % {"n": len(moved), "when": when}


def _int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@unit_required
@require_http_methods(["GET", "POST"])
def series_create(request: HttpRequest) -> HttpResponse:
    _require_planner(request)
    actor = Actor.from_request(request)
    team = services.team_for(actor.unit)
    form = SeriesForm(
        request.POST or None,
        initial={"room": team.default_room, "video_link": team.default_video_link},
    )
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            count = series.meetings.count()
            messages.success(
                request,
                _("Mötesserien är skapad med %(n)s möten.") % {"n": count},
            )
            return redirect("mbt:index")
    return render(
        request, "mbt/series_form.html", {"form": form}, status=400 if form.errors else 200
    )


# --- The meeting and its agenda -----------------------------------------------------------------


def _agenda_context(request: HttpRequest, actor: Actor, meeting: Meeting, **extra) -> dict:
    agenda = selectors.agenda(actor=actor, meeting=meeting, shared=screen_sharing.is_on(request))
    my_member = next((m for m in agenda.members if m.user_id == request.user.pk), None)
    return {
        "meeting": meeting,
        "agenda": agenda,
        "can_plan": can_plan(request),
        "can_chair": _can_chair(request, meeting),
        "my_member": my_member,
        "my_mode": agenda.modes.get(my_member.pk, "plats") if my_member else None,
        "participation_form": ParticipationForm(),
        **extra,
    }


@unit_required
@require_GET
def meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    return render_page(
        request,
        "mbt/meeting.html",
        _agenda_context(request, actor, current),
        partial="agenda",
    )


def _agenda_response(request: HttpRequest, actor: Actor, meeting: Meeting, **extra) -> HttpResponse:
    if wants_partial(request):
        return render_page(
            request,
            "mbt/meeting.html",
            _agenda_context(request, actor, meeting, **extra),
            partial="agenda",
        )
    return redirect("mbt:meeting", meeting_id=meeting.pk)


@unit_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Move, cancel, or choose the chair and acting chair of one meeting."""
    _require_planner(request)
    actor = Actor.from_request(request)
    current = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    start = timezone.localtime(current.starts_at)
    move_form = MoveMeetingForm(
        initial={"version": current.version, "day": start.date(), "time": start.time()}
    )
    cancel_form = CancelMeetingForm(initial={"version": current.version})
    chair_form = ChairForm(
        initial={
            "version": current.version,
            "chair": current.chair,
            "acting_chair": current.acting_chair,
        },
        team=current.team,
    )
    if request.method == "POST":
        action = request.POST.get("action")
        form = {
            "move": MoveMeetingForm(request.POST),
            "cancel": CancelMeetingForm(request.POST),
            "chair": ChairForm(request.POST, team=current.team),
        }.get(action)
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "move":
                    services.meeting_move(
                        actor=actor,
                        meeting=current,
                        starts_at=meeting_start(data["day"], data["time"]),
                        reason=data["reason"],
                        version=data["version"],
                    )
                    messages.success(request, _("Mötet är flyttat."))
                elif action == "cancel":
                    services.meeting_cancel(
                        actor=actor, meeting=current, reason=data["reason"], version=data["version"]
                    )
                    moved = moved_message(current)
                    messages.success(request, f"{_('Mötet är inställt.')} {moved}".strip())
                else:
                    services.meeting_set_chair(
                        actor=actor,
                        meeting=current,
                        chair=data["chair"],
                        acting_chair=data["acting_chair"],
                        version=data["version"],
                    )
                    messages.success(request, _("Ordförande är sparad."))
            except ValidationError as error:
                form_errors_to(form, error)
            else:
                return redirect("mbt:meeting", meeting_id=current.pk)
        move_form, cancel_form, chair_form = (
            form if action == "move" else move_form,
            form if action == "cancel" else cancel_form,
            form if action == "chair" else chair_form,
        )
    return render(
        request,
        "mbt/meeting_edit.html",
        {
            "meeting": current,
            "move_form": move_form,
            "cancel_form": cancel_form,
            "chair_form": chair_form,
            # What cancelling would do with the cases registered to it.
            "open_cases": CaseReferral.objects.filter(
                meeting=current,
                state__in=[CaseReferral.State.REGISTERED, CaseReferral.State.LATE],
            ).count(),
            "next_open": services.next_open_meeting(current.team, after=current.starts_at),
        },
        status=400 if request.method == "POST" else 200,
    )


@unit_required
@require_POST
def participation(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    member = TeamMember.objects.filter(
        team=current.team, user=request.user, ended_on__isnull=True
    ).first()
    form = ParticipationForm(request.POST)
    if member is None or not form.is_valid():
        messages.error(request, _("Bara teamets medlemmar anger hur de deltar."))
    else:
        services.participation_set(
            actor=actor, meeting=current, member=member, mode=form.cleaned_data["mode"]
        )
        messages.success(request, _("Ditt deltagande är sparat."))
    return _agenda_response(request, actor, current)


@unit_required
@require_POST
def case_move(request: HttpRequest, case_id: int, direction: str) -> HttpResponse:
    if direction not in ("upp", "ned"):
        raise Http404
    actor = Actor.from_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id, what="MBT-dagordning")
    if not _can_chair(request, case.meeting):
        raise PermissionDenied
    services.case_move(actor=actor, case=case, direction=-1 if direction == "upp" else 1)
    return _agenda_response(request, actor, case.meeting, focus=f"{direction}-{case.pk}")


@unit_required
@require_POST
def case_minutes(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id, what="MBT-dagordning")
    if not _can_chair(request, case.meeting):
        raise PermissionDenied
    minutes = _int(request.POST.get("minutes"))
    try:
        services.case_set_minutes(actor=actor, case=case, minutes=minutes or 0)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _agenda_response(request, actor, case.meeting)


@unit_required
@require_POST
def case_prepared(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id, what="MBT-förberedelse")
    services.preparation_toggle(actor=actor, case=case)
    return _agenda_response(request, actor, case.meeting, focus=f"forberedd-{case.pk}")


@unit_required
@require_POST
def case_late(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id, what="MBT-dagordning")
    if not _can_chair(request, case.meeting):
        raise PermissionDenied
    accept = request.POST.get("decision") == "accept"
    meeting = case.meeting
    try:
        case = services.case_decide_late(actor=actor, case=case, accept=accept)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if accept:
            messages.success(request, _("Den sena anmälan tas upp på mötet."))
        else:
            when = timezone.localtime(case.meeting.starts_at).strftime("%Y-%m-%d")
            messages.success(request, _("Ärendet är flyttat till mötet %(when)s.") % {"when": when})
    return _agenda_response(request, actor, meeting)


# --- Registration -------------------------------------------------------------------------------


@unit_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Anmälan. From the patient page the patient is given (its id, never its number, in the
    URL); otherwise the number is typed and the unit's patient with it is shown (name and year
    of birth) before anything is saved: saving needs that patient confirmed."""
    actor = Actor.from_request(request)
    team = services.team_for(actor.unit)
    patient = None
    patient_id = request.GET.get("patient") or request.POST.get("patient")
    if patient_id:
        patient = journal_selectors.patient_get(
            actor=actor, patient_id=patient_id, what="MBT-anmälan"
        )
    form = RegisterCaseForm(request.POST or None, team=team, patient=patient)
    lookup = None
    if request.method == "POST" and patient is None and request.POST.get("identity"):
        lookup = selectors.patient_lookup(actor=actor, raw=request.POST["identity"])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if patient is None:
            if lookup.patient is None:
                form.add_error("identity", lookup.error or lookup.missing_message)
                if lookup.error:
                    lookup = None  # said next to the field; once is enough
            elif data["confirmed"] == lookup.patient.pk:
                patient = lookup.patient
            else:
                # Shown now, saved when sent again: the one who registers has seen whose
                # number it is.
                lookup.unconfirmed = True
        if patient is not None:
            try:
                case = services.case_register(
                    actor=actor,
                    patient=patient,
                    meeting=data["meeting"],
                    question=data["question"],
                    background=data["background"],
                    wanted_roles=data["wanted_roles"],
                    invited=data["invited"],
                    late_choice=data["late_choice"],
                    submission_key=data["submission_key"],
                )
            except DuplicateSubmission as duplicate:
                return redirect("mbt:case", case_id=duplicate.record.pk)
            except ValidationError as error:
                form_errors_to(form, error)
            else:
                _registration_message(request, actor, case, chosen=data["meeting"])
                return redirect("mbt:case", case_id=case.pk)
    return render(
        request,
        "mbt/register.html",
        {
            "form": form,
            "patient": patient,
            "lookup": lookup,
            "has_meetings": form.fields["meeting"].queryset.exists(),
        },
        status=400 if form.errors else 200,
    )


@unit_required
@require_POST
def register_lookup(request: HttpRequest) -> HttpResponse:
    """Whose number it is, while it is typed: the unit's patient (name and year of birth), or
    that the unit has none with it, or why the number is not valid. Access-logged as a search."""
    lookup = selectors.patient_lookup(
        actor=Actor.from_request(request), raw=request.POST.get("identity", ""), typing=True
    )
    return render(request, "mbt/register.html#patient_lookup", {"lookup": lookup})


def _registration_message(request, actor: Actor, case: CaseReferral, *, chosen: Meeting) -> None:
    if case.meeting_id != chosen.pk:
        when = timezone.localtime(case.meeting.starts_at).strftime("%Y-%m-%d")
        messages.info(
            request,
            _("Sista anmälningsdag hade passerat: ärendet är anmält till nästa möte, %(when)s.")
            % {"when": when},
        )
    status = selectors.with_statuses([case], unit=actor.unit)[0].status
    text = _("Ärendet är anmält till mötet %(when)s och journalfört.") % {
        "when": timezone.localtime(case.meeting.starts_at).strftime("%Y-%m-%d")
    }
    if status.state == case_status.State.REGISTERED:
        messages.success(request, text)
    else:
        # Where it stands, in the words every other page uses (mbt.status).
        messages.warning(request, f"{text} {status.sentence}")


@unit_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.case_get(actor=actor, case_id=case_id)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if current.registrant_id != request.user.pk and not can_plan(request):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.case_withdraw(
                    actor=actor, case=current, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form_errors_to(form, error)
            else:
                messages.success(
                    request, _("Ärendet är borttaget från mötet och det är journalfört.")
                )
                return redirect("mbt:meeting", meeting_id=current.meeting_id)
    selectors.with_statuses([current], unit=actor.unit)
    return render(
        request,
        "mbt/case.html",
        {
            "case": current,
            "status": current.status,
            "moves": selectors.moves_of(current),
            "form": form,
            "can_withdraw": current.registrant_id == request.user.pk or can_plan(request),
        },
        status=400 if form.errors else 200,
    )


@unit_required
@require_http_methods(["GET", "POST"])
def case_consent(request: HttpRequest, case_id: int) -> HttpResponse:
    """The consent detour: from a case waiting for consent, the consent form with MBT chosen;
    once recorded, back to the case, which says where it stands now."""
    actor = Actor.from_request(request)
    current = selectors.case_get(actor=actor, case_id=case_id, what="MBT-ärende, samtycke")
    patient = current.patient
    form = ConsentGiveForm(
        request.POST or None, request.FILES or None, initial={"scope": Scope.MBT}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent_services.consent_give(
                actor=actor,
                patient=patient,
                scope=data["scope"],
                form=data["form"],
                given_on=data["given_on"],
                valid_until=data["valid_until"],
                party=data["party"],
                note=data["note"],
                document=form.checked_document,
                submission_key=data["submission_key"],
            )
        except DuplicateSubmission:
            pass  # the first sending recorded it: go back to the case as that one did
        except ValidationError as error:
            form_errors_to(form, error)
        if not form.errors:
            status = selectors.with_statuses([current], unit=actor.unit)[0].status
            text = f"{_('Samtycket är registrerat och journalfört.')} {status.sentence}"
            if status.needs_consent:
                messages.warning(request, text)
            else:
                messages.success(request, text)
            return redirect("mbt:case", case_id=current.pk)
    selectors.with_statuses([current], unit=actor.unit)
    return render(
        request,
        "mbt/case_consent.html",
        {
            "case": current,
            "patient": patient,
            "status": current.status,
            "relation": journal_selectors.care_relation(actor=actor, patient=patient),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@unit_required
@require_POST
def case_next_meeting(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case left on a meeting that is over goes to the next open meeting."""
    actor = Actor.from_request(request)
    current = selectors.case_get(actor=actor, case_id=case_id)
    if current.registrant_id != request.user.pk and not can_plan(request):
        raise PermissionDenied
    try:
        moved = services.case_to_next_meeting(actor=actor, case=current)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        status = selectors.with_statuses([moved], unit=actor.unit)[0].status
        messages.success(request, status.sentence)
    return redirect("mbt:case", case_id=current.pk)


@unit_required
@require_POST
def moves_seen(request: HttpRequest) -> HttpResponse:
    """The registrant has seen the notices of their moved cases: the start page stops showing
    them. Only the notices that page showed (their ids), not one that came since."""
    actor = Actor.from_request(request)
    ids = [pk for pk in (_int(v) for v in request.POST.getlist("move")) if pk]
    services.notices_seen(actor=actor, moves=[Postponement(pk=pk) for pk in ids])
    return redirect("start")


# --- Agenda PDF and calendar --------------------------------------------------------------------


@unit_required
@require_GET
def agenda_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The agenda to print. The external version holds only cases whose consent covers the
    external participants, with name and year of birth only, and the question."""
    actor = Actor.from_request(request)
    current = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    external = request.GET.get("version") == "extern"
    agenda = selectors.agenda(actor=actor, meeting=current, log=False)
    items = (
        [i for i in agenda.on_agenda if i.covered_for_external] if external else agenda.on_agenda
    )
    with printout():
        log_access(
            actor,
            [i.case.patient for i in items],
            Action.PRINT,
            "MBT-dagordning (extern)" if external else "MBT-dagordning",
        )
        content = render_pdf(
            "mbt/agenda_pdf.html",
            {
                "meeting": current,
                "agenda": agenda,
                "items": items,
                "external": external,
                "unit": actor.unit,
                "printed_at": clock.localtime(),
                "printed_by": request.user,
            },
        )
    stamp = timezone.localtime(current.starts_at).strftime("%Y%m%d")
    return pdf_response(content, f"mbt-dagordning-{stamp}{'-extern' if external else ''}.pdf")


@unit_required
@require_GET
def meeting_ics(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    response = HttpResponse(
        calendar.ics_for([current]), content_type="text/calendar; charset=utf-8"
    )
    stamp = timezone.localtime(current.starts_at).strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="mbt-{stamp}.ics"'
    return response


@unit_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    secret = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.calendar_token_revoke(user=request.user)
            messages.success(request, _("Kalenderlänken är återkallad och slutar fungera."))
            return redirect("mbt:calendar")
        secret = services.calendar_token_renew(user=request.user)
    has_token = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).exists()
    feed_url = (
        settings.SITE_URL.rstrip("/") + reverse("mbt:feed", args=[secret]) if secret else None
    )
    return render(request, "mbt/calendar.html", {"feed_url": feed_url, "has_token": has_token})


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The personal calendar feed: the meetings of the teams the token's owner is a member of.
    No login (calendar programs cannot log in); the secret is the key, and holds no patient data."""
    found = (
        CalendarToken.objects.filter(
            token_hash=CalendarToken.hash(token), revoked_at__isnull=True, user__is_active=True
        )
        .select_related("user")
        .first()
    )
    if found is None:
        raise Http404
    meetings = calendar.meetings_for(found.user)
    response = HttpResponse(calendar.ics_for(meetings), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
