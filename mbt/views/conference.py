"""Running the meeting: the chair's conference page with attendance and autosaved discussions,
closing the meeting, the minutes and addenda; feedback tasks and their reassignment."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import role_required, unit_required
from accounts.models import Role
from config.charts import bar_chart
from config.csvexport import csv_bytes, csv_response
from config.htmx import render_page, wants_partial
from config.pdf import pdf_response, render_pdf
from core import clock, screen_sharing
from journal.accesslog import Actor, printout
from journal.forms import staff_choices
from journal.services import ConflictError
from journal.views import form_errors_to
from mbt import indicators as mbt_indicators
from mbt import selectors, services
from mbt.forms import (
    ActionItemForm,
    AddendumForm,
    FeedbackForm,
    IndicatorPeriodForm,
    PostponeForm,
    ReassignAllForm,
    ReassignForm,
)
from mbt.models import Attendance, Outcome, TeamMember
from mbt.views import _can_chair, _int, can_plan, moved_message


def _chair_only(request: HttpRequest, meeting) -> None:
    if not _can_chair(request, meeting):
        raise PermissionDenied


def _conference_context(request, actor, meeting, **extra) -> dict:
    return {
        "meeting": meeting,
        "conference": selectors.conference(
            actor=actor, meeting=meeting, shared=screen_sharing.is_on(request)
        ),
        "outcomes": Outcome.choices,
        "attendance_modes": Attendance.Mode.choices,
        "action_form": ActionItemForm(unit=actor.unit),
        "postpone_form": PostponeForm(),
        "staff": staff_choices(actor.unit),
        **extra,
    }


@unit_required
@require_GET
def conference(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    _chair_only(request, meeting)
    if meeting.is_closed:
        messages.info(request, _("Mötet är avslutat. Här är protokollet och tilläggen."))
        return redirect("mbt:minutes", meeting_id=meeting.pk)
    return render(request, "mbt/conference.html", _conference_context(request, actor, meeting))


@unit_required
@require_POST
def attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    _chair_only(request, meeting)
    member = TeamMember.objects.filter(
        pk=_int(request.POST.get("member")), team=meeting.team, ended_on__isnull=True
    ).first()
    if member is None:
        raise Http404
    try:
        services.attendance_set(
            actor=actor, meeting=meeting, member=member, mode=request.POST.get("mode", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if wants_partial(request):
        return render_page(
            request,
            "mbt/conference.html",
            _conference_context(request, actor, meeting),
            partial="attendance",
        )
    return redirect("mbt:conference", meeting_id=meeting.pk)


@unit_required
@require_POST
def discussion(request: HttpRequest, case_id: int) -> HttpResponse:
    """Autosave of one case's discussion. Answers the save status (and the new version); on a
    conflict, 409 with both versions side by side. Nothing is overwritten silently."""
    actor = Actor.from_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id, what="MBT-konferens")
    _chair_only(request, case.meeting)
    version = _int(request.POST.get("take_over") or request.POST.get("version"))
    # Whole, never cut: a text over its limit is refused by the service, and stays on the page.
    summary = request.POST.get("summary", "")
    outcomes = request.POST.getlist("outcomes")
    referral_other = request.POST.get("referral_other", "")
    context = {"case": case, "summary": summary, "outcomes_sent": outcomes}
    try:
        saved = services.discussion_save(
            actor=actor,
            case=case,
            summary=summary,
            outcomes=outcomes,
            referral_other=referral_other,
            version=version if version is not None else -1,
        )
    except ConflictError as conflict:
        theirs = conflict.current
        context.update(
            conflict=True,
            theirs=theirs,
            theirs_version=theirs.version if theirs else 0,
            outcome_labels=dict(Outcome.choices),
        )
        return render(request, "mbt/conference.html#save_status", context, status=409)
    except ValidationError as error:
        context.update(error=" ".join(error.messages))
        return render(request, "mbt/conference.html#save_status", context, status=400)
    context.update(saved=saved)
    return render(request, "mbt/conference.html#save_status", context)


@unit_required
@require_POST
def action_add(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id, what="MBT-konferens")
    _chair_only(request, case.meeting)
    form = ActionItemForm(request.POST, unit=actor.unit)
    if form.is_valid():
        try:
            services.action_item_add(actor=actor, case=case, **form.cleaned_data)
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(request, _("Åtgärden är tillagd."))
    return _conference_response(request, actor, case.meeting, form=form, focus_case=case.pk)


@unit_required
@require_POST
def action_done(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    item = selectors.action_item_get(actor=actor, item_id=item_id)
    if item.owner_id != request.user.pk and not can_plan(request):
        raise PermissionDenied
    services.action_item_done(actor=actor, item=item)
    messages.success(request, _("Åtgärden är markerad som klar."))
    return redirect("mbt:tasks")


@unit_required
@require_POST
def postpone(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    case = selectors.case_get(actor=actor, case_id=case_id, what="MBT-konferens")
    meeting = case.meeting
    _chair_only(request, meeting)
    form = PostponeForm(request.POST)
    if form.is_valid():
        try:
            moved = services.case_postpone(
                actor=actor, case=case, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            when = timezone.localtime(moved.meeting.starts_at).strftime("%Y-%m-%d")
            messages.success(
                request,
                _("%(name)s är bordlagt till mötet %(when)s.")
                % {"name": case.patient.full_name, "when": when},
            )
    else:
        messages.error(request, _("Ange varför ärendet bordläggs."))
    return redirect("mbt:conference", meeting_id=meeting.pk)


def _conference_response(request, actor, meeting, *, form=None, focus_case=None):
    if wants_partial(request):
        return render_page(
            request,
            "mbt/conference.html",
            _conference_context(
                request, actor, meeting, action_form_errors=form, focus_case=focus_case
            ),
            partial="cases",
            status=400 if form is not None and form.errors else 200,
        )
    return redirect("mbt:conference", meeting_id=meeting.pk)


@unit_required
@require_POST
def close(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    _chair_only(request, meeting)
    try:
        services.meeting_close(actor=actor, meeting=meeting)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("mbt:conference", meeting_id=meeting.pk)
    text = _(
        "Mötet är avslutat. Varje anmälare har fått en utkastanteckning att signera och en "
        "uppgift att återkoppla till patienten."
    )
    messages.success(request, f"{text} {moved_message(meeting)}".strip())
    return redirect("mbt:minutes", meeting_id=meeting.pk)


@unit_required
@require_http_methods(["GET", "POST"])
def minutes(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The closed meeting's minutes on screen, with the form for an addendum."""
    actor = Actor.from_request(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    form = AddendumForm(request.POST or None)
    if request.method == "POST":
        _chair_only(request, meeting)
        if form.is_valid():
            try:
                services.addendum_add(actor=actor, meeting=meeting, **form.cleaned_data)
            except ValidationError as error:
                form_errors_to(form, error)
            else:
                messages.success(request, _("Tillägget är sparat och syns i protokollet."))
                return redirect("mbt:minutes", meeting_id=meeting.pk)
    if not meeting.is_closed:
        messages.info(request, _("Protokollet finns när mötet är avslutat."))
        return redirect("mbt:meeting", meeting_id=meeting.pk)
    shared = screen_sharing.is_on(request)
    return render(
        request,
        "mbt/minutes.html",
        {
            "meeting": meeting,
            # On a shared screen, the minutes as the external participants' version has them.
            "minutes": selectors.minutes(
                actor=actor, meeting=meeting, external=shared, action="read"
            ),
            "external": shared,
            "form": form,
            "can_chair": _can_chair(request, meeting),
        },
        status=400 if form.errors else 200,
    )


@unit_required
@require_GET
def minutes_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    meeting = selectors.meeting_get(actor=actor, meeting_id=meeting_id)
    if not meeting.is_closed:
        raise Http404
    external = request.GET.get("version") == "extern"
    with printout():
        content = render_pdf(
            "mbt/minutes_pdf.html",
            {
                "meeting": meeting,
                "minutes": selectors.minutes(actor=actor, meeting=meeting, external=external),
                "external": external,
                "unit": actor.unit,
                "printed_at": clock.localtime(),
                "printed_by": request.user,
            },
        )
    stamp = timezone.localtime(meeting.starts_at).strftime("%Y%m%d")
    return pdf_response(content, f"mbt-protokoll-{stamp}{'-extern' if external else ''}.pdf")


# --- Tasks --------------------------------------------------------------------------------------


@unit_required
@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    context = selectors.my_tasks(actor=actor)
    context["today"] = clock.today()
    if can_plan(request):
        context["unit_overdue"] = selectors.unit_overdue_feedback(actor=actor)
    context["can_reassign_all"] = Role.MANAGER in request.active_roles
    return render(request, "mbt/tasks.html", context)


@unit_required
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.task_get(actor=actor, task_id=task_id)
    feedback_form = FeedbackForm(request.POST if request.POST.get("action") == "feedback" else None)
    reassign_form = ReassignForm(
        request.POST if request.POST.get("action") == "reassign" else None, unit=actor.unit
    )
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "feedback" and feedback_form.is_valid():
            try:
                services.feedback_record(actor=actor, task=current, **feedback_form.cleaned_data)
            except ValidationError as error:
                form_errors_to(feedback_form, error)
            else:
                messages.success(
                    request, _("Återkopplingen är journalförd och konferensanteckningen signerad.")
                )
                return redirect("mbt:tasks")
        elif action == "reassign":
            if current.owner_id != request.user.pk and not can_plan(request):
                raise PermissionDenied
            if reassign_form.is_valid():
                try:
                    services.feedback_reassign(
                        actor=actor, task=current, owner=reassign_form.cleaned_data["owner"]
                    )
                except ValidationError as error:
                    form_errors_to(reassign_form, error)
                else:
                    messages.success(
                        request,
                        _("Uppgiften är flyttad till %(name)s.")
                        % {"name": reassign_form.cleaned_data["owner"].display_name},
                    )
                    return redirect("mbt:tasks")
        status = 400
    return render(
        request,
        "mbt/task.html",
        {
            "task": current,
            "patient": current.case.patient,
            "feedback_form": feedback_form,
            "reassign_form": reassign_form,
            "is_owner": current.owner_id == request.user.pk,
            "can_reassign": current.owner_id == request.user.pk or can_plan(request),
        },
        status=status,
    )


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def reassign_all(request: HttpRequest) -> HttpResponse:
    """A manager moves all of one person's open tasks and action items to a colleague."""
    actor = Actor.from_request(request)
    form = ReassignAllForm(request.POST or None, unit=actor.unit)
    if request.method == "POST" and form.is_valid():
        try:
            moved_tasks, moved_items = services.tasks_reassign_all(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(
                request,
                _("%(tasks)s återkopplingar och %(items)s åtgärder är flyttade till %(name)s.")
                % {
                    "tasks": moved_tasks,
                    "items": moved_items,
                    "name": form.cleaned_data["to_user"].display_name,
                },
            )
            return redirect("mbt:tasks")
    return render(
        request, "mbt/reassign_all.html", {"form": form}, status=400 if form.errors else 200
    )


# --- Quality indicators ---------------------------------------------------------------------------


@unit_required
@require_GET
def indicators(request: HttpRequest) -> HttpResponse:
    """The team's quality indicators over a period (no patient data). Coordinators,
    administrators and managers follow up the routine here."""
    if not can_plan(request):
        raise PermissionDenied
    team = services.team_for(request.active_unit)
    form = IndicatorPeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        end = clock.today()
        start = end - datetime.timedelta(days=364)
        if not form.is_bound:
            form = IndicatorPeriodForm(initial={"start": start, "end": end})
    figures = mbt_indicators.compute(team, start, end)
    if request.GET.get("format") == "csv" and not form.errors:
        return _indicators_csv(figures, request.active_unit)
    charts = {
        "outcomes": bar_chart(
            chart_id="chart-outcomes",
            title=_("Utfall"),
            items=[(SHORT_OUTCOME.get(label, label), count) for label, count in figures.outcomes],
        ),
        "attendance": bar_chart(
            chart_id="chart-attendance",
            title=_("Möten med rollen närvarande"),
            items=[(role, present) for role, present, _held in figures.attendance],
            maximum=figures.held,
        ),
        "meetings": bar_chart(
            chart_id="chart-meetings",
            title=_("Möten"),
            items=[
                (_("Enligt planen (varannan vecka)"), figures.planned),
                (_("Hållna"), figures.held),
                (_("Inställda"), figures.cancelled),
            ],
        ),
    }
    return render(
        request,
        "mbt/indicators.html",
        {"form": form, "figures": figures, "charts": charts},
        status=400 if form.errors else 200,
    )


SHORT_OUTCOME = {
    str(Outcome.REMISS_STRESS.label): "Remiss: stressrelaterad ohälsa",
    str(Outcome.REMISS_ANNAN.label): "Remiss: annan rehabilitering",
    str(Outcome.REMISS_SMARTCENTRUM.label): "Remiss: Smärtcentrum",
}


def _indicators_csv(figures, unit) -> HttpResponse:
    def share(value):
        return "" if value is None else f"{value * 100:.0f} %"

    def days(value):
        return "" if value is None else f"{value:.1f}".replace(".", ",")

    rows = [
        ["Vårdenhet", unit.name],
        ["Period", f"{figures.start.isoformat()}–{figures.end.isoformat()}"],
        ["Möten enligt planen (varannan vecka)", figures.planned],
        ["Hållna möten", figures.held],
        ["Inställda möten", figures.cancelled],
        ["Diskuterade ärenden", figures.cases],
        ["Ärenden per möte", days(figures.cases_per_meeting)],
        ["Anmälan till diskussion, median (dagar)", days(figures.registered_to_discussed.median)],
        [
            "Anmälan till diskussion, 90:e percentilen (dagar)",
            days(figures.registered_to_discussed.p90),
        ],
        ["Möte till återkoppling, median (dagar)", days(figures.discussed_to_feedback.median)],
        [
            "Möte till återkoppling, 90:e percentilen (dagar)",
            days(figures.discussed_to_feedback.p90),
        ],
        ["Återkoppling i tid", share(figures.feedback_on_time_share)],
        ["Remitterade till specialiserad rehabilitering", share(figures.referred_share)],
        *[[f"Utfall: {label}", count] for label, count in figures.outcomes],
        *[
            [f"Närvaro: {role}", f"{present} av {held}"]
            for role, present, held in figures.attendance
        ],
    ]
    content = csv_bytes(["Indikator", "Värde"], rows)
    return csv_response(content, f"mbt-indikatorer-{figures.start:%Y%m%d}-{figures.end:%Y%m%d}.csv")
