"""factory_boy factories for the test suite."""

from __future__ import annotations

import datetime
from pathlib import Path

import factory
from django.utils import timezone

from accounts.models import Assignment, CareUnit, Organisation, Profession, Role, User, Vardgivare

PASSWORD = "korrekt-hast-batteri-1"


class VardgivareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vardgivare

    name = factory.Sequence(lambda n: f"Region Test {n}")
    kind = Vardgivare.Kind.REGION
    hsa_id = factory.Sequence(lambda n: f"SE2321{n:06d}-VG")


class CareUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareUnit

    vardgivare = factory.SubFactory(VardgivareFactory)
    name = factory.Sequence(lambda n: f"Vårdcentralen Test {n}")
    hsa_id = factory.Sequence(lambda n: f"SE2321{n:06d}-E{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Användare {n}")
    profession = Profession.LAKARE
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(CareUnitFactory)
    role = Role.CARE
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    valid_to = None


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Arbetsgivare {n} AB")
    kind = Organisation.Kind.ARBETSGIVARE


def staff_at(unit: CareUnit, *, role: str = Role.CARE, **user_fields) -> User:
    """A user with a current assignment at the unit."""
    user = UserFactory(**user_fields)
    AssignmentFactory(user=user, unit=unit, role=role)
    return user


# --- Patients -------------------------------------------------------------------------------------

_TEST_NUMBERS = [
    line.strip()
    for line in (Path(__file__).resolve().parents[1] / "data" / "testpersonnummer.txt")
    .read_text()
    .splitlines()
    if line.strip() and not line.startswith("#") and 1950 <= int(line[:4]) <= 2005
]


def test_number(index: int) -> str:
    """A Skatteverket test personnummer (12 digits); never a made-up one."""
    return _TEST_NUMBERS[(index * 37) % len(_TEST_NUMBERS)]


_number_counter = iter(range(10**6))


def next_test_number() -> str:
    return test_number(next(_number_counter))


def actor_for(user, unit):
    from journal.accesslog import Actor

    return Actor(user=user, unit=unit, ip="127.0.0.1", request_id="test")


def register_patient(unit, user=None, *, identity=None, **details):
    """A patient registered at the unit through the real service."""
    from journal import services

    user = user or staff_at(unit)
    details.setdefault("first_name", "Anna")
    details.setdefault("last_name", "Testsson")
    return services.patient_register(
        actor=actor_for(user, unit), identity=identity or next_test_number(), **details
    )
