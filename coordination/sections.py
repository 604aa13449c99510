"""The koordineringsinsatser section of the patient page: status, consent, episodes and the
sjukfall with their periods."""

from __future__ import annotations

from coordination import selectors
from coordination.forms import SickLeaveForm, StatusForm
from journal.accesslog import Actor
from journal.models import Patient
from journal.sections import PatientSection, register


def coordination_context(actor: Actor, patient: Patient, period_form=None, **_unused) -> dict:
    periods = selectors.periods_for_patient(actor=actor, patient=patient)
    episodes = selectors.episodes_for_patient(actor=actor, patient=patient)
    status = selectors.status_of(actor=actor, patient=patient)
    return {
        "status": status,
        "status_form": StatusForm(initial={"status": status}),
        "consent": selectors.consent_state(actor=actor, patient=patient),
        "open_episode": next((e for e in episodes if e.is_open), None),
        "ended_episodes": [e for e in episodes if not e.is_open],
        "sjukfall": selectors.sjukfall_for_patient(periods=periods),
        "period_form": period_form or SickLeaveForm(),
    }


COORDINATION = PatientSection(
    key="koordinering",
    title="Koordineringsinsatser",
    template="coordination/section.html#coordination",
    order=55,
    context=coordination_context,
    form_name="period_form",
)
register(COORDINATION)
