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


def with_authenticator(user: User):
    """Gives the user a confirmed authenticator app (TOTP) with a random key, as after set-up."""
    from accounts import services

    return services.authenticator_add(user=user, name="Testapp")


def enrolment_code_for(user: User, *, by: User | None = None) -> str:
    """An aktiveringskod an administrator gave the user: the plain text."""
    from accounts import services

    admin = by or UserFactory(is_staff=True, is_superuser=True)
    return services.enrolment_code_create(request=None, user=user, actor=admin).code


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The code the user's app shows now, or for the first time step not yet used (a code works
    once; the device accepts one step of drift either way)."""
    import time

    from django_otp.oath import TOTP

    from accounts.models import Authenticator

    device = Authenticator.objects.get(pk=device.pk)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1) + steps_ahead
    totp.time = device.t0 + (step - device.drift) * device.step
    return f"{totp.token():0{device.digits}d}"


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
