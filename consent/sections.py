"""The consents section of the patient page."""

from __future__ import annotations

import datetime

from consent import rules, selectors
from consent.forms import BlankettForm, ConsentGiveForm
from consent.models import Scope
from core import clock
from journal.accesslog import Actor
from journal.models import Patient
from journal.sections import PatientSection, register

LOST_WINDOW_DAYS = 30


def consent_context(actor: Actor, patient: Patient, form=None) -> dict:
    today = clock.today()
    consents = selectors.consents_for_patient(actor=actor, patient=patient)
    badges = []
    for scope in (Scope.MBT, Scope.KOORDINERING, Scope.FK_INFORMATION):
        answer = rules.coverage(consents, scope=scope, on=today)
        badges.append(
            {"label": Scope(scope).label, "covered": answer.covered, "reason": answer.reason}
        )
    for key in rules.covered_scopes(consents, on=today):
        if key.scope == Scope.SAMVERKAN:
            answer = rules.coverage(
                consents,
                scope=key.scope,
                on=today,
                party_id=key.party_id,
                party_name=key.party_name,
            )
            badges.append(
                {
                    "label": f"Samverkan med {key.party_name}",
                    "covered": True,
                    "reason": answer.reason,
                }
            )
    return {
        "consents": [{"consent": c, "status": c.status(today)} for c in consents],
        "badges": badges,
        "lost": rules.lost_coverage(
            consents, before=today - datetime.timedelta(days=LOST_WINDOW_DAYS), after=today
        ),
        "form": form or ConsentGiveForm(),
        "blankett_form": BlankettForm(),
    }


CONSENTS = PatientSection(
    key="samtycken",
    title="Samtycken",
    template="consent/section.html#consents",
    order=50,
    context=consent_context,
)
register(CONSENTS)
