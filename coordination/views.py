"""Koordineringsinsatser pages: the patient page's section (sick-leave periods, status), starting
an episode, the episode page (activities, information to Försäkringskassan, ending it), the
inline diagnosis check and moving someone's episodes to a colleague."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import role_required, unit_required
from accounts.models import Role
from config.charts import bar_chart
from config.csvexport import csv_bytes, csv_response
from config.htmx import render_page, wants_partial
from config.pdf import pdf_response, render_pdf
from coordination import importer, selectors, services
from coordination import statistics as coordination_statistics
from coordination.diagnosis import diagnosis_codes
from coordination.forms import (
    ActivityForm,
    EpisodeEditForm,
    EpisodeEndForm,
    EpisodeStartForm,
    FkInformationForm,
    FollowUpFilterForm,
    ImportConfirmForm,
    ImportUploadForm,
    PlanForm,
    ReassignEpisodesForm,
    SickLeaveForm,
    StatusForm,
    VoidPeriodForm,
)
from coordination.models import ActivityKind, CoordinatorStatus
from coordination.sections import COORDINATION
from core import clock, screen_sharing
from journal import selectors as journal_selectors
from journal.accesslog import Action, Actor, log_access, printout
from journal.forms import PeriodForm
from journal.services import ConflictError, DuplicateSubmission
from journal.views import form_errors_to, section_response


def _errors_to(form, error: ValidationError) -> None:
    """A service's errors next to the form's fields; a diagnosis warning also shows the box
    that confirms the text holds no diagnosis."""
    if isinstance(error, services.DiagnosisInText):
        form.diagnosis_codes = error.codes
    form_errors_to(form, error)


def _patient_page(patient_id: int, anchor: str = "koordinering") -> str:
    return reverse("journal:patient_detail", args=[patient_id]) + f"#{anchor}"


# --- The patient page's section -----------------------------------------------------------------


@unit_required
@require_POST
def sick_leave_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = journal_selectors.patient_get(
        actor=actor, patient_id=patient_id, what="sjukskrivning"
    )
    form = SickLeaveForm(request.POST)
    if form.is_valid():
        try:
            services.sick_leave_add(actor=actor, patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(request, _("Sjukskrivningsperioden är registrerad."))
            return section_response(request, actor, patient, COORDINATION)
    return section_response(request, actor, patient, COORDINATION, form=form, status=400)


@unit_required
@require_http_methods(["GET", "POST"])
def sick_leave_void(request: HttpRequest, patient_id: int, period_id: int) -> HttpResponse:
    """Removing a period asks why, on a page of its own: the confirmation step."""
    actor = Actor.from_request(request)
    patient = journal_selectors.patient_get(
        actor=actor, patient_id=patient_id, what="ta bort sjukskrivningsperiod"
    )
    period = selectors.sick_leave_period_get(actor=actor, patient=patient, period_id=period_id)
    if period.voided_at is not None:
        messages.info(request, _("Perioden är redan borttagen."))
        return redirect(_patient_page(patient.pk))
    form = VoidPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sick_leave_void(actor=actor, period=period, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(request, _("Perioden är borttagen. Den finns kvar i historiken."))
            return redirect(_patient_page(patient.pk))
    return render(
        request,
        "coordination/void_period.html",
        {"patient": patient, "period": period, "form": form},
        status=400 if form.errors else 200,
    )


@unit_required
@require_POST
def status_update(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = journal_selectors.patient_get(
        actor=actor, patient_id=patient_id, what="koordinatorsstatus"
    )
    form = StatusForm(request.POST)
    if form.is_valid():
        services.status_set(actor=actor, patient=patient, status=form.cleaned_data["status"])
        messages.success(request, _("Statusen är ändrad."))
    else:
        messages.error(request, _("Välj en status i listan."))
    back = request.POST.get("next", "")
    if back == "lista":
        return redirect("coordination:index")
    return section_response(request, actor, patient, COORDINATION)


# --- Episodes -----------------------------------------------------------------------------------


@unit_required
@require_http_methods(["GET", "POST"])
def episode_start(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = journal_selectors.patient_get(
        actor=actor, patient_id=patient_id, what="starta koordineringsinsatser"
    )
    consent = selectors.consent_state(actor=actor, patient=patient)
    form = EpisodeStartForm(request.POST or None, unit=actor.unit, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            episode = services.episode_start(
                actor=actor,
                patient=patient,
                responsible=data["responsible"],
                started_on=data["started_on"],
                need=data["need"],
                assessed_by=data["assessed_by"],
                assessed_on=data["assessed_on"],
                employer=data["employer"],
                employer_contact=data["employer_contact"],
                next_follow_up=data["next_follow_up"],
                diagnosis_confirmed=data["diagnosis_confirmed"],
                submission_key=data["submission_key"],
            )
        except DuplicateSubmission as duplicate:
            episode = duplicate.record
        except ValidationError as error:
            _errors_to(form, error)
            episode = None
        if episode is not None:
            messages.success(request, _("Koordineringsinsatserna är påbörjade och journalförda."))
            return redirect("coordination:episode", episode_id=episode.pk)
    return render(
        request,
        "coordination/episode_start.html",
        {
            "patient": patient,
            "relation": journal_selectors.care_relation(actor=actor, patient=patient),
            "consent": consent,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


def _episode_context(actor: Actor, episode, **forms) -> dict:
    patient = episode.patient
    context = {
        "episode": episode,
        "patient": patient,
        "relation": journal_selectors.care_relation(actor=actor, patient=patient),
        "consent": selectors.consent_state(actor=actor, patient=patient),
        "status_label": CoordinatorStatus(selectors.status_of(actor=actor, patient=patient)).label,
        "sjukfall": selectors.current_sjukfall_of(actor=actor, patient=patient),
        "activities": selectors.activities_of(episode),
        "fk_informations": selectors.fk_informations_of(episode),
        "plan_versions": selectors.plan_versions_of(episode),
        "activity_form": forms.get("activity_form") or ActivityForm(),
        "fk_form": forms.get("fk_form") or FkInformationForm(),
        "edit_form": forms.get("edit_form")
        or EpisodeEditForm(
            unit=actor.unit,
            initial={
                "version": episode.version,
                "responsible": episode.responsible_id,
                "need": episode.need,
                "employer": episode.employer,
                "employer_contact": episode.employer_contact,
                "next_follow_up": episode.next_follow_up,
            },
        ),
    }
    return context


@unit_required
@require_http_methods(["GET"])
def episode(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.episode_get(actor=actor, episode_id=episode_id)
    return render(request, "coordination/episode.html", _episode_context(actor, current))


def _episode_response(request, actor, episode, *, partial: str, status: int = 200, **forms):
    """After a change on the episode page: the changed part for htmx, else the page (with the
    form's errors) or a redirect to it."""
    if wants_partial(request) or status != 200:
        fresh = selectors.episode_get(
            actor=actor, episode_id=episode.pk, what="koordineringsärende"
        )
        return render_page(
            request,
            "coordination/episode.html",
            _episode_context(actor, fresh, **forms),
            partial=partial,
            status=status,
        )
    return redirect(reverse("coordination:episode", args=[episode.pk]) + f"#{partial}")


@unit_required
@require_POST
def activity_create(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.episode_get(actor=actor, episode_id=episode_id, what="koordineringsinsats")
    form = ActivityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.activity_record(
                actor=actor,
                episode=current,
                kind=data["kind"],
                organisation=data["organisation"],
                performed_on=data["performed_on"],
                minutes=data["minutes"],
                patient_contact=data["patient_contact"],
                mode=data["mode"],
                note=data["note"],
                diagnosis_confirmed=data["diagnosis_confirmed"],
                submission_key=data["submission_key"],
            )
        except DuplicateSubmission:
            pass
        except ValidationError as error:
            _errors_to(form, error)
        if not form.errors:
            messages.success(request, _("Insatsen är journalförd med KVÅ GC001."))
            return _episode_response(request, actor, current, partial="insatser")
    return _episode_response(
        request, actor, current, partial="insatser", status=400, activity_form=form
    )


@unit_required
@require_POST
def fk_create(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.episode_get(
        actor=actor, episode_id=episode_id, what="information till Försäkringskassan"
    )
    form = FkInformationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.fk_inform(
                actor=actor,
                episode=current,
                informed_on=data["informed_on"],
                channel=data["channel"],
                content=data["content"],
                diagnosis_confirmed=data["diagnosis_confirmed"],
                submission_key=data["submission_key"],
            )
        except DuplicateSubmission:
            pass
        except ValidationError as error:
            _errors_to(form, error)
        if not form.errors:
            messages.success(
                request, _("Informationen till Försäkringskassan är registrerad och journalförd.")
            )
            return _episode_response(request, actor, current, partial="fk")
    return _episode_response(request, actor, current, partial="fk", status=400, fk_form=form)


@unit_required
@require_POST
def episode_edit(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    current = selectors.episode_get(actor=actor, episode_id=episode_id)
    form = EpisodeEditForm(request.POST, unit=actor.unit)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.episode_update(
                actor=actor,
                episode=current,
                version=data["version"],
                responsible=data["responsible"],
                need=data["need"],
                employer=data["employer"],
                employer_contact=data["employer_contact"],
                next_follow_up=data["next_follow_up"],
                diagnosis_confirmed=data["diagnosis_confirmed"],
            )
        except ConflictError:
            form.add_error(
                None,
                _(
                    "Någon annan har ändrat ärendet sedan du öppnade sidan. Ladda om sidan och "
                    "gör ändringen igen."
                ),
            )
        except ValidationError as error:
            _errors_to(form, error)
        if not form.errors:
            messages.success(request, _("Ärendet är uppdaterat."))
            return _episode_response(request, actor, current, partial="arende")
    return _episode_response(request, actor, current, partial="arende", status=400, edit_form=form)


@unit_required
@require_http_methods(["GET", "POST"])
def episode_end(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Ending asks for the date and the reason on a page of its own: the confirmation step."""
    actor = Actor.from_request(request)
    current = selectors.episode_get(actor=actor, episode_id=episode_id, what="avsluta ärende")
    if not current.is_open:
        messages.info(request, _("Ärendet är redan avslutat."))
        return redirect("coordination:episode", episode_id=current.pk)
    form = EpisodeEndForm(request.POST or None, initial={"version": current.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.episode_end(
                actor=actor,
                episode=current,
                version=data["version"],
                ended_on=data["ended_on"],
                reason=data["reason"],
                note=data["note"],
                diagnosis_confirmed=data["diagnosis_confirmed"],
            )
        except ConflictError:
            form.add_error(None, _("Någon annan har ändrat ärendet. Ladda om sidan."))
        except ValidationError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("Koordineringsinsatserna är avslutade och journalförda."))
            return redirect("coordination:episode", episode_id=current.pk)
    return render(
        request,
        "coordination/episode_end.html",
        {"episode": current, "patient": current.patient, "form": form},
        status=400 if form.errors else 200,
    )


@unit_required
@require_POST
def diagnosis_check(request: HttpRequest) -> HttpResponse:
    """While typing: points out text that looks like a diagnosis code (htmx, no patient data
    read or stored)."""
    text = " ".join(request.POST.getlist("text"))[:8000]
    for name, value in request.POST.items():
        if name.endswith(("note", "need", "content")):
            text += " " + value[:8000]
    return render(request, "coordination/diagnosis_warning.html", {"codes": diagnosis_codes(text)})


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def reassign_all(request: HttpRequest) -> HttpResponse:
    """A manager moves all of someone's open episodes to a colleague in one step."""
    actor = Actor.from_request(request)
    form = ReassignEpisodesForm(request.POST or None, unit=actor.unit)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.episodes_reassign_all(
                actor=actor,
                from_user=form.cleaned_data["from_user"],
                to_user=form.cleaned_data["to_user"],
            )
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(
                request,
                _("%(n)s pågående ärenden flyttades till %(name)s.")
                % {"n": moved, "name": form.cleaned_data["to_user"].display_name},
            )
            return redirect("coordination:index")
    return render(
        request, "coordination/reassign.html", {"form": form}, status=400 if form.errors else 200
    )


def may_use_coordination(request: HttpRequest) -> bool:
    """The unit's sick-leave list needs an assignment in vård och behandling (or a manager's).
    The main navigation asks this too, so it never shows the area to someone it refuses."""
    return bool(request.active_roles & {Role.CARE, Role.MANAGER})


def require_coordination_access(request: HttpRequest) -> None:
    if not may_use_coordination(request):
        raise PermissionDenied


# --- The follow-up list -------------------------------------------------------------------------


def _follow_filter(form) -> selectors.FollowUpFilter:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.FollowUpFilter(
        responsible=data.get("responsible"),
        status=data.get("status") or "",
        min_days=data.get("min_days"),
        ends_within=data.get("ends_within"),
        idle_days=data.get("idle_days"),
        only_new=bool(data.get("only_new")),
        sort=data.get("sort") or "dagar",
    )


@unit_required
@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    """The coordinator's daily overview of the unit's sick-listed patients."""
    require_coordination_access(request)
    actor = Actor.from_request(request)
    form = FollowUpFilterForm(
        request.GET or None,
        staff=selectors.staff_with_open_episodes(actor=actor),
        sorts=selectors.SORTS,
    )
    follow_filter = _follow_filter(form)
    # Screen-sharing mode (the switch in the header) leaves personnummer out of exports too.
    hide_pnr = screen_sharing.is_on(request)
    export = request.GET.get("format", "")
    if export in ("csv", "pdf") and not form.errors:
        return _follow_up_export(request, actor, follow_filter, export, hide_pnr=hide_pnr)
    page = form.cleaned_data.get("page") if form.is_valid() else None
    listing = selectors.follow_up_list(actor=actor, follow_filter=follow_filter, page=page or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(
        request,
        "coordination/index.html",
        {
            "form": form,
            "listing": listing,
            "hide_pnr": hide_pnr,
            "query": query.urlencode(),
            "today": clock.today(),
            "status_choices": CoordinatorStatus.choices,
            "can_reassign": Role.MANAGER in request.active_roles,
        },
        partial="list",
        status=400 if form.errors else 200,
    )


def _follow_up_export(request, actor, follow_filter, export: str, *, hide_pnr: bool):
    today = clock.today()
    if export == "csv":
        # Logged before the first byte: a download broken off still counts as an export.
        listing = selectors.follow_up_list(
            actor=actor,
            follow_filter=follow_filter,
            page_size=None,
            what="uppföljningslista (csv)",
            action=Action.EXPORT,
        )
        header = [
            "Efternamn",
            "Förnamn",
            *([] if hide_pnr else ["Personnummer"]),
            "Dagar",
            "Omfattning %",
            "Slutdatum",
            "Nästa milstolpe",
            "Milstolpens datum",
            "Senaste insats",
            "Nästa uppföljning",
            "Status",
            "Ansvarig",
        ]
        rows = [
            [
                row.patient.last_name,
                row.patient.first_name,
                *([] if hide_pnr else [row.patient.formatted_identity]),
                row.days if row.days is not None else "",
                row.extent or "",
                row.end or "",
                f"dag {row.next_milestone[0]}" if row.next_milestone else "",
                row.next_milestone[1] if row.next_milestone else "",
                row.last_activity_on or "",
                row.next_follow_up or "",
                row.status_label,
                row.responsible_name,
            ]
            for row in listing.rows
        ]
        return csv_response(csv_bytes(header, rows), f"uppfoljningslista-{today}.csv")
    with printout():
        listing = selectors.follow_up_list(
            actor=actor,
            follow_filter=follow_filter,
            page_size=None,
            what=f"uppföljningslista ({export})",
            action=Action.PRINT,
        )
        content = render_pdf(
            "coordination/follow_up_pdf.html",
            {
                "listing": listing,
                "hide_pnr": hide_pnr,
                "unit": actor.unit,
                "printed_at": clock.localtime(),
                "printed_by": request.user,
            },
        )
    return pdf_response(content, f"uppfoljningslista-{today}.pdf")


@unit_required
@require_POST
def follow_up_reviewed(request: HttpRequest) -> HttpResponse:
    require_coordination_access(request)
    services.follow_up_reviewed(actor=Actor.from_request(request))
    messages.success(
        request, _("Listan är markerad som genomgången. Nya händelser markeras från och med nu.")
    )
    return redirect("coordination:index")


# --- The return-to-work plan --------------------------------------------------------------------


@unit_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Draws up the plan, or follows it up as a new version, on a page of its own."""
    actor = Actor.from_request(request)
    current = selectors.episode_get(actor=actor, episode_id=episode_id, what="vårdplan")
    versions = selectors.plan_versions_of(current)
    latest = versions[0] if versions else None
    if not current.is_open:
        messages.info(request, _("Ärendet är avslutat; planen kan inte ändras."))
        return redirect("coordination:episode", episode_id=current.pk)
    form = PlanForm(request.POST or None, initial=PlanForm.initial_from(latest))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.plan_save(
                actor=actor,
                episode=current,
                based_on=data["based_on"],
                goals=data["goals"],
                steps=form.steps(),
                planned_sick_leave=data["planned_sick_leave"],
                collaboration=data["collaboration"],
                collaboration_note=data["collaboration_note"],
                follow_up_note=data["follow_up_note"],
                next_follow_up=data["next_follow_up"],
                diagnosis_confirmed=data["diagnosis_confirmed"],
                submission_key=data["submission_key"],
            )
        except DuplicateSubmission:
            pass
        except ConflictError:
            form.add_error(
                None,
                _(
                    "Någon annan har sparat en ny version av planen sedan du öppnade sidan. "
                    "Öppna planen igen och gör ändringen i den senaste versionen."
                ),
            )
        except ValidationError as error:
            _errors_to(form, error)
        if not form.errors:
            messages.success(
                request,
                _("Planen är sparad och journalförd med KVÅ %(code)s.")
                % {"code": "DV077" if latest is None else "AW026"},
            )
            return redirect(reverse("coordination:episode", args=[current.pk]) + "#plan")
    return render(
        request,
        "coordination/plan_edit.html",
        {
            "episode": current,
            "patient": current.patient,
            "latest": latest,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@unit_required
@require_http_methods(["GET"])
def plan_pdf(request: HttpRequest, episode_id: int) -> HttpResponse:
    """The plan for the patient, as PDF/UA (the latest version, or ?version=N)."""
    actor = Actor.from_request(request)
    with printout() as printing:
        current = selectors.episode_get(
            actor=actor, episode_id=episode_id, what="vårdplan", action=Action.PRINT
        )
        versions = selectors.plan_versions_of(current)
        wanted = request.GET.get("version", "")
        version = next((v for v in versions if str(v.number) == wanted), None) if wanted else None
        version = version or (versions[0] if versions else None)
        if version is None:
            printing.discard()
            messages.info(request, _("Det finns ingen plan att skriva ut ännu."))
            return redirect("coordination:episode", episode_id=current.pk)
        content = render_pdf(
            "coordination/plan_pdf.html",
            {
                "episode": current,
                "patient": current.patient,
                "version": version,
                "unit": actor.unit,
                "printed_at": clock.localtime(),
            },
        )
    return pdf_response(content, f"plan-for-atergang-v{version.number}.pdf")


# --- Import of sick-leave periods ---------------------------------------------------------------

IMPORT_SALT = "coordination.import"
IMPORT_MAX_AGE = 3600


def _import_payload(actor: Actor, rows) -> str:
    return signing.dumps(
        {
            "unit": actor.unit.pk,
            "user": actor.user.pk,
            "rows": [
                [r.patient_id, r.start.isoformat(), r.end.isoformat(), r.extent, r.occupation]
                for r in rows
            ],
        },
        salt=IMPORT_SALT,
        compress=True,
    )


@unit_required
@require_http_methods(["GET", "POST"])
def sick_leave_import(request: HttpRequest) -> HttpResponse:
    """Upload, then a preview with every row's status; nothing is stored until confirmed."""
    require_coordination_access(request)
    actor = Actor.from_request(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    result = None
    payload = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > importer.MAX_BYTES:
                raise importer.ImportFileError(_("Filen är större än 2 MB. Dela upp exporten."))
            result = importer.read(
                upload.read(),
                upload.name,
                default_occupation=form.cleaned_data["default_occupation"],
            )
        except importer.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            importer.match_patients(result, unit=actor.unit)
            patients = journal_selectors.patients_at_unit(actor.unit).in_bulk(
                {r.patient_id for r in result.rows if r.patient_id}
            )
            for row in result.rows:
                row.patient = patients.get(row.patient_id)
            log_access(actor, list(patients.values()), Action.READ, "import av sjukskrivningar")
            payload = _import_payload(actor, result.importable)
    return render(
        request,
        "coordination/import.html",
        {
            "form": form,
            "result": result,
            "confirm_form": ImportConfirmForm(initial={"payload": payload}) if payload else None,
            "counts": _import_counts(result) if result else None,
        },
        status=400 if form.errors else 200,
    )


def _import_counts(result) -> dict:
    return {
        "importable": len(result.importable),
        "duplicates": sum(1 for r in result.rows if r.duplicate),
        "errors": sum(1 for r in result.rows if r.errors),
    }


@unit_required
@require_POST
def sick_leave_import_confirm(request: HttpRequest) -> HttpResponse:
    require_coordination_access(request)
    actor = Actor.from_request(request)
    form = ImportConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        data = signing.loads(form.cleaned_data["payload"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
        if data["unit"] != actor.unit.pk or data["user"] != actor.user.pk:
            raise signing.BadSignature
        items = [
            (
                int(patient_id),
                datetime.date.fromisoformat(start),
                datetime.date.fromisoformat(end),
                int(extent),
                occupation,
            )
            for patient_id, start, end, extent, occupation in data["rows"]
        ]
    except signing.SignatureExpired:
        messages.error(request, _("Förhandsgranskningen är äldre än en timme. Läs in filen igen."))
        return redirect("coordination:import")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, _("Importen kunde inte tas emot. Läs in filen igen."))
        return redirect("coordination:import")
    try:
        added, skipped = services.sick_leave_import(actor=actor, items=items)
    except ValidationError:
        messages.error(request, _("Importen kunde inte sparas. Läs in filen igen."))
        return redirect("coordination:import")
    messages.success(
        request,
        _("%(added)s perioder importerades. %(skipped)s fanns redan och hoppades över.")
        % {"added": added, "skipped": skipped},
    )
    return redirect("coordination:index")


# --- Statistics ---------------------------------------------------------------------------------


@unit_required
@require_http_methods(["GET"])
def statistics(request: HttpRequest) -> HttpResponse:
    """The unit's koordineringsinsatser in figures (no patient data), with a CSV for the
    region's reporting."""
    require_coordination_access(request)
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        end = clock.today()
        start = (end.replace(day=1) - datetime.timedelta(days=334)).replace(day=1)
        if not form.is_bound:
            form = PeriodForm(initial={"start": start, "end": end})
    figures = coordination_statistics.compute(request.active_unit, start, end)
    if request.GET.get("format") == "csv" and not form.errors:
        return _statistics_csv(figures, request.active_unit)
    charts = {
        "months": bar_chart(
            chart_id="chart-months",
            title=_("Insatser (GC001) per månad"),
            items=[(m.label, m.total) for m in figures.months],
        ),
        "kinds": bar_chart(
            chart_id="chart-kinds", title=_("Insatser per typ"), items=figures.by_kind
        ),
    }
    return render(
        request,
        "coordination/statistics.html",
        {
            "form": form,
            "figures": figures,
            "charts": charts,
            "kinds": [str(k.label) for k in ActivityKind],
        },
        status=400 if form.errors else 200,
    )


def _statistics_csv(figures, unit) -> HttpResponse:
    def number(value):
        return "" if value is None else f"{value:.1f}".replace(".", ",")

    kinds = list(ActivityKind)
    header = [
        "Månad",
        "Insatser GC001",
        *[str(k.label) for k in kinds],
        "Minuter",
        "Patienter",
    ]
    rows = [
        [m.key, m.total, *[m.by_kind[k.value] for k in kinds], m.minutes, m.patients]
        for m in figures.months
    ]
    rows += [
        [],
        ["Mått", "Värde"],
        ["Enhet", unit.name],
        ["Period", f"{figures.start}–{figures.end}"],
        ["Insatser GC001", figures.activities],
        ["Varav med patientkontakt", figures.with_contact],
        ["Patienter med insatser", figures.patients],
        ["Påbörjade ärenden", figures.episodes_started],
        ["Avslutade ärenden", figures.episodes_ended],
        ["Pågående ärenden vid periodens slut", figures.episodes_open_at_end],
        ["Information till Försäkringskassan", figures.fk_informations],
        ["Planer upprättade (DV077)", figures.dv077],
        ["Planer uppföljda (AW026)", figures.aw026],
        [
            "Dagar från sjukfallets start till första kontakt, median",
            number(figures.first_contact_median),
        ],
        [
            "Dagar från sjukfallets start till första kontakt, 90:e percentilen",
            number(figures.first_contact_p90),
        ],
        ["Underlag (ärenden) för dagar till första kontakt", len(figures.first_contact_days)],
    ]
    return csv_response(
        csv_bytes(header, rows), f"koordineringsinsatser-{figures.start}-{figures.end}.csv"
    )
