from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import Assignment, Organisation, Profession
from tests.factories import AssignmentFactory, UserFactory, VardgivareFactory

pytestmark = pytest.mark.django_db


def test_assignment_cannot_end_before_it_starts_in_the_database(unit):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            user=user,
            unit=unit,
            valid_from=datetime.date(2026, 5, 1),
            valid_to=datetime.date(2026, 4, 30),
        )


def test_assignment_service_gives_swedish_message(unit):
    user = UserFactory()
    with pytest.raises(ValidationError) as error:
        services.assignment_create(
            user=user,
            unit=unit,
            valid_from=datetime.date(2026, 5, 1),
            valid_to=datetime.date(2026, 4, 30),
        )
    assert "Slutdatum kan inte ligga före startdatum." in str(error.value)


def test_other_care_provider_must_name_its_vardgivare():
    with pytest.raises(ValidationError) as error:
        services.organisation_create(name="Fysio AB", kind=Organisation.Kind.VARDGIVARE)
    assert "kopplas till sin vårdgivare" in str(error.value)
    vardgivare = VardgivareFactory()
    organisation = services.organisation_create(
        name="Fysio AB", kind=Organisation.Kind.VARDGIVARE, vardgivare=vardgivare
    )
    assert organisation.vardgivare == vardgivare
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            name="FK", kind=Organisation.Kind.FORSAKRINGSKASSAN, vardgivare=vardgivare
        )


def test_hsa_id_is_validated_and_unique():
    with pytest.raises(ValidationError) as error:
        services.user_create(
            username="x",
            first_name="X",
            last_name="Y",
            profession=Profession.LAKARE,
            password="p",
            hsa_id="1234",
        )
    assert "HSA-id" in str(error.value)
    services.user_create(
        username="a",
        first_name="A",
        last_name="A",
        profession=Profession.LAKARE,
        password=None,
        hsa_id="SE2321000016-ABC1",
    )
    with pytest.raises(ValidationError):
        services.user_create(
            username="b",
            first_name="B",
            last_name="B",
            profession=Profession.LAKARE,
            password=None,
            hsa_id="SE2321000016-ABC1",
        )
    # Many users without an HSA-id are fine.
    UserFactory(hsa_id="")
    UserFactory(hsa_id="")


def test_user_without_password_cannot_use_password_login():
    user = services.user_create(
        username="sso", first_name="S", last_name="S", profession=Profession.LAKARE, password=None
    )
    assert not user.has_usable_password()


def test_user_history_records_changes_but_never_passwords():
    user = UserFactory(profession=Profession.LAKARE)
    before = user.history.count()
    user.profession = Profession.PSYKOLOG
    user.save()
    assert user.history.count() == before + 1
    historical_fields = {f.name for f in user.history.model._meta.get_fields()}
    assert "password" not in historical_fields
    assert "last_login" not in historical_fields
    assert user.history.first().profession == Profession.PSYKOLOG


def test_current_assignments(unit):
    today = datetime.date(2026, 11, 24)
    current = AssignmentFactory(unit=unit, valid_from=datetime.date(2026, 1, 1))
    AssignmentFactory(
        unit=unit, valid_from=datetime.date(2026, 1, 1), valid_to=datetime.date(2026, 11, 23)
    )
    AssignmentFactory(unit=unit, valid_from=datetime.date(2026, 11, 25))
    inactive_user = AssignmentFactory(unit=unit, valid_from=datetime.date(2026, 1, 1))
    inactive_user.user.is_active = False
    inactive_user.user.save()
    assert list(Assignment.objects.current(today)) == [current]


def test_name_and_profession():
    user = UserFactory(first_name="Sara", last_name="Nilsson", profession=Profession.FYSIOTERAPEUT)
    assert user.name_and_profession == "Sara Nilsson, fysioterapeut"
