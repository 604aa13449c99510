from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from journal import services
from journal.models import AccessLog, CareRelation, IdentityKind, Patient
from journal.personnummer import luhn_check_digit
from tests.factories import actor_for, next_test_number, register_patient, staff_at

pytestmark = pytest.mark.django_db


def test_register_with_personnummer_in_short_form(unit):
    user = staff_at(unit)
    number = next_test_number()
    short = f"{number[2:8]}-{number[8:]}"
    patient = register_patient(unit, user, identity=short, first_name="Åsa", last_name="Öberg")
    assert patient.identity_number == number
    assert patient.identity_kind == IdentityKind.PERSONNUMMER
    assert patient.formatted_identity == f"{number[:8]}-{number[8:]}"
    relation = CareRelation.objects.get(patient=patient)
    assert relation.unit == unit and relation.created_by == user
    row = AccessLog.objects.get(patient=patient)
    assert row.action == AccessLog.Action.CREATE and row.user == user and row.unit == unit
    assert row.has_care_relation


def test_register_samordningsnummer(unit):
    number = next_test_number()
    day = int(number[6:8]) + 60
    nine = f"{number[2:6]}{day:02d}{number[8:11]}"
    samordning = f"{number[:6]}{day:02d}{number[8:11]}{luhn_check_digit(nine)}"
    patient = register_patient(unit, identity=samordning)
    assert patient.identity_kind == IdentityKind.SAMORDNINGSNUMMER
    assert patient.birth_date.day == day - 60


def test_bad_number_is_a_field_error(unit):
    with pytest.raises(ValidationError) as error:
        register_patient(unit, identity="19121212-1213")
    assert "Kontrollsiffran" in error.value.message_dict["identity"][0]
    assert not Patient.objects.exists()


def test_reservnummer_is_unit_local_and_counts_up(unit, other_unit):
    user = staff_at(unit)
    actor = actor_for(user, unit)
    first = services.patient_register(
        actor=actor, identity=None, use_reservnummer=True, first_name="Okänd", last_name="Man"
    )
    second = services.patient_register(
        actor=actor, identity=None, use_reservnummer=True, first_name="Okänd", last_name="Kvinna"
    )
    assert first.identity_kind == IdentityKind.RESERVNUMMER
    assert first.reserve_unit == unit
    assert first.identity_number != second.identity_number
    assert first.identity_number.startswith("R")
    assert first.birth_date is None and first.age() is None
    elsewhere = services.patient_register(
        actor=actor_for(staff_at(other_unit), other_unit),
        identity=None,
        use_reservnummer=True,
        first_name="Okänd",
        last_name="Man",
    )
    assert elsewhere.reserve_unit == other_unit


def test_registering_twice_at_one_unit_is_refused(unit):
    patient = register_patient(unit)
    with pytest.raises(ValidationError) as error:
        register_patient(unit, identity=patient.identity_number)
    assert "redan registrerad" in str(error.value)
    assert CareRelation.objects.filter(patient=patient).count() == 1


def test_registering_a_patient_known_elsewhere_adds_a_care_relation(unit, other_unit):
    patient = register_patient(unit, phone="070-111 11 11")
    again = register_patient(
        other_unit, identity=patient.identity_number, phone="070-222 22 22", city="Kil"
    )
    assert again.pk == patient.pk
    assert set(CareRelation.objects.filter(patient=patient).values_list("unit", flat=True)) == {
        unit.pk,
        other_unit.pk,
    }
    again.refresh_from_db()
    # Another unit's data is never overwritten; what was missing is filled in.
    assert again.phone == "070-111 11 11"
    assert again.city == "Kil"


def test_registration_elsewhere_never_lifts_protected_identity(unit, other_unit):
    patient = register_patient(unit, protected_identity=True, first_name="Skyddad")
    register_patient(
        other_unit, identity=patient.identity_number, first_name="Annat", protected_identity=False
    )
    patient.refresh_from_db()
    assert patient.protected_identity and patient.first_name == "Skyddad"


def test_fast_vardkontakt_must_work_at_the_unit(unit, other_unit):
    stranger = staff_at(other_unit)
    with pytest.raises(ValidationError) as error:
        register_patient(unit, fast_vardkontakt=stranger)
    assert "medarbetare med uppdrag" in str(error.value)


def test_update_detects_concurrent_edits(unit):
    user = staff_at(unit)
    patient = register_patient(unit, user)
    actor = actor_for(user, unit)
    services.patient_update(
        actor=actor, patient=patient, version=1, fast_vardkontakt=user, phone="1"
    )
    with pytest.raises(services.ConflictError) as error:
        services.patient_update(
            actor=actor, patient=patient, version=1, fast_vardkontakt=None, phone="2"
        )
    assert error.value.current.phone == "1"
    patient.refresh_from_db()
    assert patient.phone == "1" and patient.version == 2
    assert CareRelation.objects.get(patient=patient).fast_vardkontakt == user


def test_interpreter_language_is_cleared_when_no_interpreter(unit):
    user = staff_at(unit)
    patient = register_patient(unit, user, interpreter_needed=True, interpreter_language="arabiska")
    patient = services.patient_update(
        actor=actor_for(user, unit),
        patient=patient,
        version=patient.version,
        fast_vardkontakt=None,
        interpreter_needed=False,
    )
    assert patient.interpreter_language == ""


def test_database_refuses_malformed_identity(unit):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(
            identity_kind=IdentityKind.PERSONNUMMER,
            identity_number="1234",
            first_name="A",
            last_name="B",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.create(
            identity_kind=IdentityKind.RESERVNUMMER,
            identity_number="R1",
            first_name="A",
            last_name="B",
        )
