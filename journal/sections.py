"""The patient page is composed of sections. The journal registers its own section here; the
apps above (consent, mbt, coordination) register theirs in their AppConfig.ready(), so the
journal never imports them. A section's template gets `patient`, `relation` and `section` (its
context function's result, plus `section.info`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from journal.accesslog import Actor
from journal.models import Patient


@dataclass(frozen=True)
class PatientSection:
    key: str
    title: str
    template: str
    order: int
    context: Callable[..., dict]
    form_name: str = "form"  # the keyword the context function takes a bound form by


_sections: dict[str, PatientSection] = {}


def register(section: PatientSection) -> None:
    _sections[section.key] = section


def sections() -> list[PatientSection]:
    return sorted(_sections.values(), key=lambda s: s.order)


def section_context(section: PatientSection, actor: Actor, patient: Patient, **extra) -> dict:
    return {"info": section, **section.context(actor, patient, **extra)}


def journal_context(actor: Actor, patient: Patient, note_form=None) -> dict:
    from journal import selectors
    from journal.forms import JournalNoteForm

    return {
        "journal": selectors.journal_for_patient(actor=actor, patient=patient),
        "note_form": note_form or JournalNoteForm(),
    }


JOURNAL = PatientSection(
    key="journal",
    title="Journal",
    template="journal/patient_detail.html#journal",
    order=100,
    context=journal_context,
    form_name="note_form",
)
register(JOURNAL)
