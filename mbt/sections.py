"""The MBT section of the patient page."""

from __future__ import annotations

from journal.accesslog import Actor
from journal.models import Patient
from journal.sections import PatientSection, register
from mbt import selectors


def mbt_context(actor: Actor, patient: Patient, **_unused) -> dict:
    return {"cases": selectors.cases_for_patient(actor=actor, patient=patient)}


MBT = PatientSection(
    key="mbt",
    title="MBT",
    template="mbt/section.html#mbt",
    order=60,
    context=mbt_context,
)
register(MBT)
