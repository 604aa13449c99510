from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from journal import services
from journal.models import AccessLog, EntryType, JournalEntry
from tests.factories import actor_for, register_patient, staff_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(unit):
    author = staff_at(unit, first_name="Sara", last_name="Nilsson", profession="fysioterapeut")
    patient = register_patient(unit, author)
    return actor_for(author, unit), patient


def test_service_entry_is_signed_with_author_and_profession(setup):
    actor, patient = setup
    entry = services.journal_entry_create(
        actor=actor,
        patient=patient,
        entry_type=EntryType.KOORDINERINGSINSATS,
        text="Samtal om arbetsträning.",
        kva_codes=["gc001", " GC001 "],
    )
    assert entry.is_signed
    assert entry.author_name == "Sara Nilsson"
    assert entry.author_profession == "fysioterapeut"
    assert entry.kva_codes == ["GC001"]
    assert AccessLog.objects.filter(patient=patient, action=AccessLog.Action.CREATE).count() == 2


def test_copy_to_record_text_has_a_header_line(setup):
    actor, patient = setup
    entry = services.journal_entry_create(
        actor=actor,
        patient=patient,
        entry_type=EntryType.KOORDINERINGSINSATS,
        text="Samtal om arbetsträning.",
        kva_codes=["GC001"],
    )
    header, text = entry.record_text.split("\n")
    assert header.endswith(
        f"| {actor.unit.name} | Sara Nilsson, fysioterapeut | Koordineringsinsats | KVÅ GC001"
    )
    assert header[:16].replace("-", "").replace(" ", "").replace(":", "").isdigit()
    assert text == "Samtal om arbetsträning."


def test_bad_kva_code_and_empty_text_are_refused(setup):
    actor, patient = setup
    with pytest.raises(ValidationError, match="ingen KVÅ-kod"):
        services.journal_entry_create(
            actor=actor,
            patient=patient,
            entry_type=EntryType.ANTECKNING,
            text="x",
            kva_codes=["F32.1"],
        )
    with pytest.raises(ValidationError):
        services.journal_entry_create(
            actor=actor, patient=patient, entry_type=EntryType.ANTECKNING, text="   "
        )
    assert not JournalEntry.objects.exists()


def test_no_entry_without_care_relation(setup, other_unit):
    _, patient = setup
    stranger = actor_for(staff_at(other_unit), other_unit)
    with pytest.raises(ValidationError, match="ingen vårdrelation"):
        services.journal_entry_create(
            actor=stranger, patient=patient, entry_type=EntryType.ANTECKNING, text="x"
        )


def test_draft_is_edited_and_signed_only_by_its_author(setup, unit):
    actor, patient = setup
    draft = services.journal_entry_create(
        actor=actor, patient=patient, entry_type=EntryType.ANTECKNING, text="Första", sign=False
    )
    assert not draft.is_signed
    colleague = actor_for(staff_at(unit), unit)
    with pytest.raises(ValidationError, match="Bara författaren"):
        services.journal_entry_sign(actor=colleague, entry=draft)
    draft = services.journal_entry_update_draft(
        actor=actor, entry=draft, text="Andra", kva_codes=[], version=draft.version
    )
    with pytest.raises(services.ConflictError):
        services.journal_entry_update_draft(
            actor=actor, entry=draft, text="Tredje", kva_codes=[], version=1
        )
    signed = services.journal_entry_sign(actor=actor, entry=draft)
    assert signed.is_signed and signed.text == "Andra"
    with pytest.raises(ValidationError, match="redan signerad"):
        services.journal_entry_update_draft(
            actor=actor, entry=signed, text="Fjärde", kva_codes=[], version=signed.version
        )


def test_signed_entry_is_immutable_in_the_database(setup):
    actor, patient = setup
    entry = services.journal_entry_create(
        actor=actor, patient=patient, entry_type=EntryType.ANTECKNING, text="Signerad"
    )
    entry.text = "Ändrad"
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(text="Ändrad")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM journal_journalentry WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.text == "Signerad"


def test_draft_can_change_in_the_database(setup):
    actor, patient = setup
    draft = services.journal_entry_create(
        actor=actor, patient=patient, entry_type=EntryType.ANTECKNING, text="Utkast", sign=False
    )
    assert JournalEntry.objects.filter(pk=draft.pk).update(text="Nytt") == 1


def test_correction_is_a_new_signed_entry_pointing_to_the_old(setup, unit):
    actor, patient = setup
    original = services.journal_entry_create(
        actor=actor,
        patient=patient,
        entry_type=EntryType.ANTECKNING,
        text="50 %",
        kva_codes=["GC001"],
    )
    corrector = actor_for(staff_at(unit, first_name="Erik", last_name="Läkare"), unit)
    correction = services.journal_entry_correct(actor=corrector, entry=original, text="25 %")
    assert correction.corrects == original
    assert correction.is_signed and correction.author_name == "Erik Läkare"
    assert correction.entry_type == original.entry_type and correction.kva_codes == ["GC001"]
    assert "Rättelse av anteckning från" in correction.record_text
    original.refresh_from_db()
    assert original.text == "50 %"


def test_a_draft_is_not_corrected(setup):
    actor, patient = setup
    draft = services.journal_entry_create(
        actor=actor, patient=patient, entry_type=EntryType.ANTECKNING, text="x", sign=False
    )
    with pytest.raises(ValidationError, match="bara signerade"):
        services.journal_entry_correct(actor=actor, entry=draft, text="y")
