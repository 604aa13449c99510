"""Patients: search, register, the patient page with its journal, history. Managers: log review,
review records, log settings and the patient's log extract."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import role_required, unit_required
from accounts.models import Role
from config.csvexport import csv_bytes, csv_response
from config.htmx import render_page, wants_partial
from config.pdf import pdf_response, render_pdf
from core import clock
from journal import selectors, services
from journal.accesslog import Action, Actor, log_settings_for, printout
from journal.forms import (
    JournalCorrectionForm,
    JournalDraftForm,
    JournalNoteForm,
    LogExtractForm,
    LogFilterForm,
    LogReviewForm,
    LogSettingsForm,
    PatientEditForm,
    PatientRegisterForm,
    PatientSearchForm,
)
from journal.models import AccessLog, EntryType, LogReviewSettings
from journal.sections import JOURNAL, section_context, sections

LOG_PAGE_SIZE = 50
CSV_LIMIT = 10_000


def form_errors_to(form, error: ValidationError) -> None:
    """Puts a service's ValidationError next to the form's fields."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- Patients -----------------------------------------------------------------------------------


@unit_required
@require_http_methods(["GET", "POST"])
def patient_search(request: HttpRequest) -> HttpResponse:
    """Search by number or name. A POST, so the search words never end up in a URL."""
    form = PatientSearchForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid() and form.cleaned_data["q"]:
        result = selectors.patient_search(
            actor=Actor.from_request(request), query=form.cleaned_data["q"]
        )
    return render_page(
        request,
        "journal/patient_search.html",
        {"form": form, "result": result},
        partial="results",
    )


@unit_required
@require_http_methods(["GET", "POST"])
def patient_register(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    if request.method == "POST" and request.POST.get("prefill"):
        # From the search page: the number the user searched for, not yet a submission.
        form = PatientRegisterForm(
            initial={"identity": request.POST.get("identity", "")[:20]}, unit=actor.unit
        )
    elif request.method == "POST":
        form = PatientRegisterForm(request.POST, unit=actor.unit)
        if form.is_valid():
            try:
                patient = services.patient_register(
                    actor=actor,
                    identity=form.cleaned_data["identity"],
                    use_reservnummer=form.cleaned_data["use_reservnummer"],
                    fast_vardkontakt=form.cleaned_data["fast_vardkontakt"],
                    **form.details(),
                )
            except ValidationError as error:
                form_errors_to(form, error)
            else:
                messages.success(
                    request,
                    _("Patienten är registrerad vid %(unit)s.") % {"unit": actor.unit.name},
                )
                return redirect("journal:patient_detail", patient_id=patient.pk)
    else:
        form = PatientRegisterForm(unit=actor.unit)
    status = 400 if form.errors else 200
    return render(request, "journal/patient_register.html", {"form": form}, status=status)


def _patient_page_context(actor: Actor, patient, **section_extra) -> dict:
    """The patient page: header, details, then every registered section. section_extra (e.g.
    a journal form with errors) goes to the section with that key."""
    return {
        "patient": patient,
        "relation": selectors.care_relation(actor=actor, patient=patient),
        "sections": [
            section_context(section, actor, patient, **section_extra.get(section.key, {}))
            for section in sections()
        ],
    }


@unit_required
@require_http_methods(["GET"])
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id)
    return render(request, "journal/patient_detail.html", _patient_page_context(actor, patient))


@unit_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = selectors.patient_get(
        actor=actor, patient_id=patient_id, what="ändra patientuppgifter"
    )
    relation = selectors.care_relation(actor=actor, patient=patient)
    contact = relation.fast_vardkontakt
    conflict = None
    if request.method == "POST":
        form = PatientEditForm(
            request.POST, instance=patient, unit=actor.unit, current_contact=contact
        )
        if form.is_valid():
            try:
                services.patient_update(
                    actor=actor,
                    patient=patient,
                    version=form.cleaned_data["version"],
                    fast_vardkontakt=form.cleaned_data["fast_vardkontakt"],
                    **form.details(),
                )
            except services.ConflictError as error:
                conflict = error.current
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = PatientEditForm(
                    data, instance=patient, unit=actor.unit, current_contact=contact
                )
                form.is_valid()
            except ValidationError as error:
                form_errors_to(form, error)
            else:
                messages.success(request, _("Patientuppgifterna är sparade."))
                return redirect("journal:patient_detail", patient_id=patient.pk)
    else:
        form = PatientEditForm(
            instance=patient,
            initial={"version": patient.version, "fast_vardkontakt": contact},
            unit=actor.unit,
            current_contact=contact,
        )
    status = 409 if conflict else (400 if form.errors else 200)
    return render(
        request,
        "journal/patient_edit.html",
        {
            "patient": patient,
            "relation": relation,
            "form": form,
            "conflict": conflict,
            "conflict_rows": _conflict_rows(form, conflict) if conflict else [],
        },
        status=status,
    )


def _conflict_rows(form: PatientEditForm, saved) -> list[tuple[str, str, str]]:
    """The fields where the saved version and the user's differ, side by side."""
    hidden = {"street_address", "postal_code", "city"} if saved.protected_identity else set()
    rows = []
    for name in form.details_fields():
        field = form[name]
        mine = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else field.value()
        theirs = getattr(saved, name)
        if (mine or "") == (theirs or ""):
            continue
        if name in hidden:
            rows.append((str(field.label), _("(visas inte)"), _("(visas inte)")))
        else:
            rows.append((str(field.label), _plain(theirs), _plain(mine)))
    return rows


def _plain(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    return str(value)


@unit_required
@require_http_methods(["GET"])
def patient_history(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, what="ändringshistorik")
    return render(
        request,
        "journal/patient_history.html",
        {
            "patient": patient,
            "relation": selectors.care_relation(actor=actor, patient=patient),
            "items": selectors.patient_history(actor=actor, patient=patient),
        },
    )


# --- Journal ------------------------------------------------------------------------------------


def section_response(request, actor, patient, section, *, form=None, status=200, **extra):
    """After a change in a section of the patient page: the section alone for htmx; without
    JavaScript, the whole page again (with the form's errors) or a redirect back to it."""
    if form is not None:
        extra[section.form_name] = form
    if wants_partial(request):
        template, partial = section.template.split("#")
        context = {"patient": patient, "section": section_context(section, actor, patient, **extra)}
        return render_page(request, template, context, partial=partial, status=status)
    if form is not None and form.errors:
        context = _patient_page_context(actor, patient, **{section.key: extra})
        return render(request, "journal/patient_detail.html", context, status=status)
    return redirect(reverse("journal:patient_detail", args=[patient.pk]) + f"#{section.key}")


def _journal_response(request, actor, patient, *, note_form=None, status=200):
    return section_response(request, actor, patient, JOURNAL, form=note_form, status=status)


@unit_required
@require_POST
def journal_note_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, what="journal")
    form = JournalNoteForm(request.POST)
    if form.is_valid():
        try:
            services.journal_entry_create(
                actor=actor,
                patient=patient,
                entry_type=EntryType.ANTECKNING,
                text=form.cleaned_data["text"],
                kva_codes=form.cleaned_data["kva_codes"],
                sign=form.cleaned_data["sign"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(
                request,
                _("Anteckningen är signerad.")
                if form.cleaned_data["sign"]
                else _("Anteckningen är sparad som utkast."),
            )
            return _journal_response(request, actor, patient)
    return _journal_response(request, actor, patient, note_form=form, status=400)


@unit_required
@require_POST
def journal_entry_sign(request: HttpRequest, patient_id: int, entry_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, what="journal")
    entry = selectors.journal_entry_get(actor=actor, patient=patient, entry_id=entry_id)
    try:
        services.journal_entry_sign(actor=actor, entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Anteckningen är signerad."))
    return _journal_response(request, actor, patient)


@unit_required
@require_http_methods(["GET", "POST"])
def journal_entry_edit(request: HttpRequest, patient_id: int, entry_id: int) -> HttpResponse:
    """Edit one's own draft. Two people saving the same draft get a conflict, not an overwrite."""
    actor = Actor.from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, what="journalutkast")
    entry = selectors.journal_entry_get(actor=actor, patient=patient, entry_id=entry_id)
    if entry.is_signed:
        messages.info(request, _("Anteckningen är signerad. Gör en rättelse i stället."))
        return redirect("journal:entry_correct", patient_id=patient.pk, entry_id=entry.pk)
    conflict = None
    if request.method == "POST":
        form = JournalDraftForm(request.POST)
        if form.is_valid():
            try:
                entry = services.journal_entry_update_draft(
                    actor=actor,
                    entry=entry,
                    text=form.cleaned_data["text"],
                    kva_codes=form.cleaned_data["kva_codes"],
                    version=form.cleaned_data["version"],
                )
            except services.ConflictError as error:
                conflict = error.current
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = JournalDraftForm(data)
            except ValidationError as error:
                form_errors_to(form, error)
            else:
                if request.POST.get("and_sign"):
                    try:
                        services.journal_entry_sign(actor=actor, entry=entry)
                    except ValidationError as error:
                        messages.error(request, " ".join(error.messages))
                    else:
                        messages.success(request, _("Anteckningen är sparad och signerad."))
                else:
                    messages.success(request, _("Utkastet är sparat."))
                return redirect(reverse("journal:patient_detail", args=[patient.pk]) + "#journal")
    else:
        form = JournalDraftForm(
            initial={"text": entry.text, "kva_codes": entry.kva_codes, "version": entry.version}
        )
    status = 409 if conflict else (400 if form.errors else 200)
    return render(
        request,
        "journal/entry_edit.html",
        {
            "patient": patient,
            "relation": selectors.care_relation(actor=actor, patient=patient),
            "entry": entry,
            "form": form,
            "conflict": conflict,
            "is_author": entry.author_id == request.user.pk,
        },
        status=status,
    )


@unit_required
@require_http_methods(["GET", "POST"])
def journal_entry_correct(request: HttpRequest, patient_id: int, entry_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = selectors.patient_get(actor=actor, patient_id=patient_id, what="rättelse av journal")
    entry = selectors.journal_entry_get(actor=actor, patient=patient, entry_id=entry_id)
    form = JournalCorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.journal_entry_correct(
                actor=actor,
                entry=entry,
                text=form.cleaned_data["text"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(
                request, _("Rättelsen är signerad och visas med den ursprungliga anteckningen.")
            )
            return redirect(reverse("journal:patient_detail", args=[patient.pk]) + "#journal")
    return render(
        request,
        "journal/entry_correct.html",
        {
            "patient": patient,
            "relation": selectors.care_relation(actor=actor, patient=patient),
            "entry": entry,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


# --- Log review (logguppföljning) -------------------------------------------------------------


def _log_filter(form: LogFilterForm, units) -> selectors.LogFilter:
    data = form.cleaned_data
    chosen = [data["unit"]] if data.get("unit") else units
    patient = None
    if form.patient_identity:
        patient = selectors.patient_by_identity(form.patient_identity)
    log_filter = selectors.LogFilter(
        units=chosen,
        date_from=data["date_from"],
        date_to=data["date_to"],
        user=data.get("user"),
        patient=patient,
        action=data.get("action") or "",
        flags=frozenset(data.get("flags") or ()),
        no_match=bool(form.patient_identity and patient is None),
        include_review_reads=data.get("include_review_reads", False),
    )
    return log_filter


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def log_review(request: HttpRequest) -> HttpResponse:
    """The access log of the units the manager reviews, with filters and flags. A POST, so a
    personnummer filter never ends up in a URL; paging and export resubmit the same form."""
    actor = Actor.from_request(request)
    units = selectors.review_units(request.user)
    date_from, date_to = LogFilterForm.default_period()
    if request.method == "POST":
        form = LogFilterForm(request.POST, units=units)
    else:
        form = LogFilterForm(
            {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}, units=units
        )
    page = None
    flagged = set()
    log_filter = None
    if form.is_valid():
        log_filter = _log_filter(form, units)
        flagged = selectors.volume_flagged_days(
            log_filter.units, log_filter.date_from, log_filter.date_to
        )
        rows = selectors.access_log_rows(log_filter, flagged_days=flagged)
        if log_filter.no_match:
            rows = rows.none()
        if request.POST.get("export") == "csv":
            return _log_csv(actor, rows, flagged, log_filter.units)
        page = Paginator(rows, LOG_PAGE_SIZE).get_page(form.cleaned_data.get("page") or 1)
        shown = list(page.object_list)
        for row in shown:
            row.volume_flag = (row.unit_id, row.user_id, timezone.localdate(row.at)) in flagged
        selectors.mark_reviewable_patients(shown, log_filter.units)
        selectors.log_review_shown(actor, shown, Action.READ, "logguppföljning")
    review_form = LogReviewForm(
        initial={
            "unit": actor.unit,
            "period_start": (log_filter.date_from if log_filter else date_from),
            "period_end": (log_filter.date_to if log_filter else date_to),
        },
        units=units,
    )
    return render_page(
        request,
        "journal/log_review.html",
        {
            "form": form,
            "page": page,
            "units": units,
            "review_form": review_form,
            "reviews": selectors.log_reviews_for(units)[:20],
            "filters_record_json": json.dumps(
                log_filter.as_record() if log_filter else {}, ensure_ascii=False
            ),
        },
        partial="results",
        status=400 if form.errors else 200,
    )


def _log_csv(actor: Actor, rows, flagged, units) -> HttpResponse:
    rows = list(rows[:CSV_LIMIT])
    selectors.mark_reviewable_patients(rows, units)
    selectors.log_review_shown(actor, rows, Action.EXPORT, "export av åtkomstlogg (CSV)")
    labels = dict(AccessLog.Action.choices)
    content = csv_bytes(
        [
            "Tid",
            "Användare",
            "Profession",
            "Vårdenhet",
            "Patient",
            "Personnummer",
            "Händelse",
            "Vad",
            "Ändamål",
            "Skyddad identitet",
            "Utan vårdrelation",
            "Utanför kontorstid",
            "Ovanlig volym",
            "IP-adress",
            "Förfrågan",
        ],
        (
            [
                timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                row.user.display_name,
                row.user.get_profession_display(),
                row.unit.name if row.unit else "",
                _csv_patient_name(row),
                row.patient.formatted_identity if row.patient_visible else "",
                labels.get(row.action, row.action),
                row.what,
                row.purpose,
                "ja" if row.protected_identity else "",
                "ja" if not row.has_care_relation else "",
                "ja" if row.outside_office_hours else "",
                "ja" if (row.unit_id, row.user_id, timezone.localdate(row.at)) in flagged else "",
                row.ip or "",
                row.request_id,
            ]
            for row in rows
        ),
    )
    stamp = clock.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(content, f"atkomstlogg-{stamp}.csv")


def _csv_patient_name(row) -> str:
    if row.patient_visible:
        return row.patient.full_name
    if row.patient_id:
        return f"(patient utan vårdrelation vid granskade enheter, id {row.patient_id})"
    return ""


@role_required(Role.MANAGER)
@require_POST
def log_review_record(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    units = selectors.review_units(request.user)
    form = LogReviewForm(request.POST, units=units)
    if form.is_valid():
        try:
            services.log_review_record(
                actor=actor,
                filters=_filters_record(request.POST.get("filters_record", "")),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(request, _("Uppföljningen är registrerad."))
            return redirect("journal:log_review")
    date_from, date_to = LogFilterForm.default_period()
    filter_form = LogFilterForm(
        {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}, units=units
    )
    filter_form.is_valid()
    return render(
        request,
        "journal/log_review.html",
        {
            "form": filter_form,
            "page": None,
            "units": units,
            "review_form": form,
            "reviews": selectors.log_reviews_for(units)[:20],
            "filters_record_json": "{}",
        },
        status=400,
    )


FILTER_RECORD_KEYS = {
    "enheter",
    "från",
    "till",
    "användare",
    "patient",
    "händelse",
    "flaggor",
    "med_logguppföljningens_läsningar",
}


def _filters_record(raw: str) -> dict:
    """The selection shown when the review was recorded, as the page sent it back: parsed
    defensively (it comes from the browser) and kept to the keys the page writes."""
    if not raw or len(raw) > 4000:
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {key: value[key] for key in FILTER_RECORD_KEYS if key in value}


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def log_extract(request: HttpRequest) -> HttpResponse:
    """Loggutdrag for a patient who asks which care units accessed their data: every unit of the
    manager's vårdgivare, as a PDF."""
    actor = Actor.from_request(request)
    form = LogExtractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        vardgivare = actor.unit.vardgivare
        patient = selectors.patient_of_vardgivare(form.cleaned_data["identity"], vardgivare)
        if patient is None:
            form.add_error(
                "identity",
                _("Det finns inga uppgifter om den patienten hos %(vg)s.") % {"vg": vardgivare},
            )
        else:
            with printout():
                lines = selectors.log_extract(actor=actor, patient=patient, vardgivare=vardgivare)
                content = render_pdf(
                    "journal/log_extract_pdf.html",
                    {
                        "patient": patient,
                        "lines": lines,
                        "vardgivare": vardgivare,
                        "made_by": request.user,
                        "made_at": clock.localtime(),
                    },
                )
            stamp = clock.localtime().strftime("%Y%m%d-%H%M")
            return pdf_response(content, f"loggutdrag-{stamp}.pdf")
    return render(
        request,
        "journal/log_extract.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def log_settings(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    current = log_settings_for(actor.unit)
    form = LogSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_settings_update(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            messages.success(request, _("Inställningarna för logguppföljning är sparade."))
            return redirect("journal:log_review")
    return render(
        request,
        "journal/log_settings.html",
        {"form": form, "defaults": LogReviewSettings()},
        status=400 if form.errors else 200,
    )
