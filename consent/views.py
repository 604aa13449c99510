"""Consents on the patient page: record, revoke, download the signed form, print a blank form;
and the unit's list of consents that end soon."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import unit_required
from config.pdf import pdf_response, render_pdf
from consent import selectors, services
from consent.forms import BlankettForm, ConsentGiveForm, ConsentRevokeForm
from consent.models import Scope
from consent.sections import CONSENTS
from core import clock
from journal import selectors as journal_selectors
from journal.accesslog import Action, Actor, printout
from journal.services import DuplicateSubmission
from journal.views import form_errors_to, section_response


@unit_required
@require_POST
def consent_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = journal_selectors.patient_get(actor=actor, patient_id=patient_id, what="samtycken")
    form = ConsentGiveForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            consent = services.consent_give(
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
        except DuplicateSubmission as duplicate:
            consent = duplicate.record
        except ValidationError as error:
            form_errors_to(form, error)
            consent = None
        if consent is not None:
            messages.success(
                request,
                _("Samtycket är registrerat och journalfört: %(what)s.")
                % {"what": consent.scope_label},
            )
            return section_response(request, actor, patient, CONSENTS)
    return section_response(request, actor, patient, CONSENTS, form=form, status=400)


@unit_required
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, patient_id: int, consent_id: int) -> HttpResponse:
    """Revocation asks for date, how and why on a page of its own: the confirmation step."""
    actor = Actor.from_request(request)
    patient = journal_selectors.patient_get(
        actor=actor, patient_id=patient_id, what="återkalla samtycke"
    )
    consent = selectors.consent_get(actor=actor, patient=patient, consent_id=consent_id)
    form = ConsentRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent, changed = services.consent_revoke(
                actor=actor,
                consent=consent,
                revoked_on=form.cleaned_data["revoked_on"],
                method=form.cleaned_data["method"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form_errors_to(form, error)
        else:
            if changed:
                messages.success(
                    request,
                    _("Samtycket är återkallat och journalfört: %(what)s.")
                    % {"what": consent.scope_label},
                )
            else:
                messages.info(
                    request,
                    _("Samtycket var redan återkallat %(date)s. Inget ändrades.")
                    % {"date": consent.revoked_on.isoformat()},
                )
            return redirect(reverse("journal:patient_detail", args=[patient.pk]) + "#samtycken")
    return render(
        request,
        "consent/revoke.html",
        {
            "patient": patient,
            "relation": journal_selectors.care_relation(actor=actor, patient=patient),
            "consent": consent,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@unit_required
@require_GET
def consent_document(request: HttpRequest, patient_id: int, consent_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    patient = journal_selectors.patient_get(
        actor=actor, patient_id=patient_id, what="samtyckesdokument", action=Action.EXPORT
    )
    consent = selectors.consent_get(actor=actor, patient=patient, consent_id=consent_id)
    if not consent.document:
        messages.info(request, _("Samtycket gavs muntligt och har ingen inskannad blankett."))
        return redirect(reverse("journal:patient_detail", args=[patient.pk]) + "#samtycken")
    content = selectors.consent_document(actor=actor, consent=consent)
    response = HttpResponse(content, content_type=consent.document_content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="samtycke-{consent.pk}{consent.document_extension}"'
    )
    return response


@unit_required
@require_GET
def consent_blankett(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The consent form (samtyckesblankett) pre-filled for the patient, to print and sign."""
    actor = Actor.from_request(request)
    form = BlankettForm(request.GET)
    if not form.is_valid():
        patient = journal_selectors.patient_get(
            actor=actor, patient_id=patient_id, what="samtyckesblankett"
        )
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(reverse("journal:patient_detail", args=[patient.pk]) + "#samtycken")
    scope, party = form.cleaned_data["scope"], form.cleaned_data["party"]
    with printout():
        patient = journal_selectors.patient_get(
            actor=actor, patient_id=patient_id, what="samtyckesblankett", action=Action.PRINT
        )
        content = render_pdf(
            "consent/blankett_pdf.html",
            {
                "patient": patient,
                "unit": actor.unit,
                "vardgivare": actor.unit.vardgivare,
                "scope": scope,
                "scope_label": Scope(scope).label,
                "party": party if scope == Scope.SAMVERKAN else None,
                "printed_at": clock.localtime(),
                "printed_by": request.user,
            },
        )
    return pdf_response(content, f"samtyckesblankett-{scope}.pdf")


@unit_required
@require_GET
def expiring(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    consents = selectors.expiring_consents(actor=actor)
    today = clock.today()
    return render(
        request,
        "consent/expiring.html",
        {
            "rows": [{"consent": c, "days_left": (c.valid_until - today).days} for c in consents],
            "window": selectors.EXPIRY_WINDOW_DAYS,
        },
    )


__all__ = ["consent_blankett", "consent_create", "consent_document", "consent_revoke", "expiring"]
