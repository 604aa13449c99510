"""factory_boy factories for the test suite."""

from __future__ import annotations

import datetime

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
