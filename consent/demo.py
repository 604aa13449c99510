"""Demo consents: every scope and form, some revoked, some expired, some ending within 30 days.
Written consents carry a signed form (the app's own blankett, as a scan would look). Skipped when
consents exist."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import CareUnit, Organisation, User
from config.pdf import render_pdf
from consent import services
from consent.models import Consent, Scope
from consent.uploads import check_upload
from core import clock
from journal.accesslog import Actor
from journal.demo import ASEN, CITY
from journal.models import Patient


def _scan(patient: Patient, unit: CareUnit, scope: str, user: User):
    pdf = render_pdf(
        "consent/blankett_pdf.html",
        {
            "patient": patient,
            "unit": unit,
            "vardgivare": unit.vardgivare,
            "scope": scope,
            "scope_label": Scope(scope).label,
            "party": None,
            "printed_at": clock.localtime(),
            "printed_by": user,
        },
    )
    return check_upload(SimpleUploadedFile("skannad.pdf", pdf, content_type="application/pdf"))


def _give(actor: Actor, patient, days_ago, scope, *, form="muntligt", valid_days=None, party=None):
    today = clock.today()
    given = today - datetime.timedelta(days=days_ago)
    document = _scan(patient, actor.unit, scope, actor.user) if form == "skriftligt" else None
    with clock.fixed_at(clock.now() - datetime.timedelta(days=days_ago)):
        return services.consent_give(
            actor=actor,
            patient=patient,
            scope=scope,
            form=form,
            given_on=given,
            valid_until=given + datetime.timedelta(days=valid_days) if valid_days else None,
            party=party,
            note="Patienten informerad om att samtycket kan återkallas när som helst.",
            document=document,
        )


def _revoke(actor: Actor, consent, days_ago, method, reason) -> None:
    with clock.fixed_at(clock.now() - datetime.timedelta(days=days_ago)):
        services.consent_revoke(
            actor=actor,
            consent=consent,
            revoked_on=clock.today() - datetime.timedelta(days=days_ago),
            method=method,
            reason=reason,
        )


def seed() -> None:
    if Consent.objects.exists():
        return
    employer = Organisation.objects.get(name="Åsens Bygg AB")
    fk = Organisation.objects.get(name="Försäkringskassan")
    for unit_hsa, username in ((ASEN, "kerstin"), (CITY, "nora")):
        unit = CareUnit.objects.get(hsa_id=unit_hsa)
        user = User.objects.get(username=username)
        actor = Actor(user=user, unit=unit, ip="10.20.30.40", request_id="demo")
        p = list(
            Patient.objects.filter(care_relations__unit=unit)
            .exclude(identity_kind="reservnummer")
            .order_by("pk")[:20]
        )
        for index, patient in enumerate(p[:8]):
            _give(actor, patient, 20 + index, Scope.MBT, valid_days=180 if index % 2 else None)
        for patient in p[8:11]:
            _give(actor, patient, 40, Scope.KOORDINERING, form="skriftligt", valid_days=365)
        for patient in p[11:13]:
            _give(actor, patient, 15, Scope.FK_INFORMATION)
        _give(actor, p[13], 30, Scope.SAMVERKAN, party=employer)
        _give(actor, p[14], 25, Scope.SAMVERKAN, party=fk, form="skriftligt")
        # Revoked.
        mbt = _give(actor, p[15], 50, Scope.MBT)
        _revoke(actor, mbt, 6, "telefon", "Vill inte att ärendet tas upp.")
        coordination = _give(actor, p[13], 28, Scope.KOORDINERING)
        _revoke(actor, coordination, 3, "besok", "Har återgått i arbete.")
        # Expired.
        _give(actor, p[16], 200, Scope.MBT, valid_days=180)
        _give(actor, p[17], 400, Scope.KOORDINERING, form="skriftligt", valid_days=365)
        # Ending within 30 days.
        _give(actor, p[18], 170, Scope.MBT, valid_days=180)
        _give(actor, p[19], 350, Scope.KOORDINERING, valid_days=365)
        _give(actor, p[0], 85, Scope.FK_INFORMATION, valid_days=90)
